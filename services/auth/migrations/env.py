"""Alembic environment of the auth service."""

from services.auth.repository import metadata
from shared.database.migrations import run_env

run_env(metadata)
