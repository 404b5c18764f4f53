"""Domain logic of the explainability service; no gRPC or protobuf here."""
