"""Domain logic of the audit-log; no gRPC or protobuf here."""
