"""Running the mesh locally: Envoy's configuration and the process supervisor."""
