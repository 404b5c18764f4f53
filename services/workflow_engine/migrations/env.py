"""Alembic environment of the workflow-engine."""

from services.workflow_engine.repository import metadata
from shared.database.migrations import run_env

run_env(metadata)
