"""Alembic environment of the task-planner."""

from services.task_planner.repository import metadata
from shared.database.migrations import run_env

run_env(metadata)
