"""Domain logic of the observability service; no gRPC or protobuf here."""
