"""workflow-engine: versioned YAML workflows and (later) their executions."""
