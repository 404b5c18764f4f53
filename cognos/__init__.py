"""``cognos``: the command line of CognitionOS and its local mesh supervisor.

A client of the mesh: it uses the generated stubs and the shared configuration, never a
service's code.
"""
