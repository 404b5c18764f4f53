"""Resources as domain code sees them, in plain Python (no gRPC, protobuf or SQL): entities,
names, pages, the filter grammar, the ``Store`` protocol and the standard operations."""
