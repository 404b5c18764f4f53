"""The explainability service's calls to audit-log, behind a protocol its core owns."""
