"""The services of the mesh, one package each; none imports another."""
