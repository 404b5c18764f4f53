"""Domain logic of the auth service; no gRPC or protobuf here."""
