"""Alembic environment of the ai-quality-gate."""

from services.ai_quality_gate.repository import metadata
from shared.database.migrations import run_env

run_env(metadata)
