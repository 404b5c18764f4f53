"""Alembic environment of the audit-log."""

from services.audit_log.repository import metadata
from shared.database.migrations import run_env

run_env(metadata)
