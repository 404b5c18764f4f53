"""Domain logic of the memory service; no gRPC or protobuf here."""
