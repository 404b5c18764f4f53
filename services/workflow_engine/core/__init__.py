"""Domain logic of the workflow-engine; no gRPC or protobuf here."""
