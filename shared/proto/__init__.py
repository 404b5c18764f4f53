"""Helpers over protobuf messages: field masks, enums, timestamps, what a request names."""
