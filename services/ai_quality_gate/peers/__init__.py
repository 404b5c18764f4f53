"""The ai-quality-gate's calls to other services of the mesh."""
