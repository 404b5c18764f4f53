"""Agents: typed agent roles and the one pipeline every agent runs.

An agent type (``types/``) declares its role, its versioned prompt, its output message (a proto
in ``cognition.agents.v1``), its quality policy and its failure strategy. ``AgentPipeline`` runs
any of them the same way: gather memory context -> build the prompt -> call the model through
the AI runtime -> validate the output (its contract, then the quality gate) -> store the result
(the audit entry is written by the runtime of the service that stores it).

``base`` holds the roles (``AgentType``, ``agent_type``), ``pipeline`` the pipeline and its ports,
``sections`` the headings of the context a model is given (plain text, read by the AI runtime's
offline provider too). The package itself imports nothing, so importing ``sections`` stays cheap.
"""
