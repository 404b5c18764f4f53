"""Alembic environment of the observability service."""

from services.observability.repository import metadata
from shared.database.migrations import run_env

run_env(metadata)
