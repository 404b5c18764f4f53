"""Domain logic of the ai-quality-gate; no gRPC or protobuf here."""
