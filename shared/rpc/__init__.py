"""The RPC boundary of every service: the server, its interceptor (credentials, scopes,
validation, page tokens, idempotency, audit, errors as statuses), tracing and the standard
methods. Imports gRPC and protobuf; a service's ``core/`` never imports it."""
