"""Alembic environment of the ai-runtime."""

from services.ai_runtime.repository import metadata
from shared.database.migrations import run_env

run_env(metadata)
