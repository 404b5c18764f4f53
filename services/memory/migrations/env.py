"""Alembic environment of the memory service."""

from services.memory.repository import metadata
from shared.database.migrations import run_env

run_env(metadata)
