"""Domain logic of the task-planner; no gRPC or protobuf here."""
