"""Checks of values callers and models supply: JSON/YAML documents, JSON schemas, RE2
patterns. Plain Python."""
