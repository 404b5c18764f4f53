"""Alembic environment of the tool-runner."""

from services.tool_runner.repository import metadata
from shared.database.migrations import run_env

run_env(metadata)
