"""Domain logic of the tool-runner; no gRPC or protobuf here."""
