"""agent-orchestrator: registered agents, their assignments and execution attempts."""
