"""Domain logic of the agent-orchestrator; no gRPC or protobuf here."""
