"""Alembic environment of the agent-orchestrator."""

from services.agent_orchestrator.repository import metadata
from shared.database.migrations import run_env

run_env(metadata)
