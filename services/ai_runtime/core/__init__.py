"""Domain logic of the ai-runtime; no gRPC or protobuf here."""
