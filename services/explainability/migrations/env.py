"""Alembic environment of the explainability service."""

from services.explainability.repository import metadata
from shared.database.migrations import run_env

run_env(metadata)
