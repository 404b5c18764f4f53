"""The memory service's calls to other services of the mesh."""
