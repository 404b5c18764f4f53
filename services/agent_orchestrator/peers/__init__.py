"""Clients of the other services the orchestrator calls, behind the ports core/ owns."""
