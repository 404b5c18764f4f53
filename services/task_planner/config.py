"""Settings of the task-planner (``COGNOS_TASK_PLANNER_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.config import ServiceSettings
from shared.mesh.registry import by_name

SPEC = by_name("task-planner")


class Settings(ServiceSettings):
    """The shared service settings plus the planner's own plan limits."""

    model_config = SettingsConfigDict(env_prefix=SPEC.env_prefix, extra="ignore", frozen=True)

    # Agent roles plans may use besides planner, executor, critic and summarizer
    # (COGNOS_TASK_PLANNER_CUSTOM_AGENT_ROLES, a JSON list).
    custom_agent_roles: tuple[str, ...] = ()
    # Tools tasks may name (COGNOS_TASK_PLANNER_KNOWN_TOOLS, a JSON list); none by default.
    known_tools: tuple[str, ...] = ()
    # Most tasks in one plan (COGNOS_TASK_PLANNER_MAX_PLAN_TASKS).
    max_plan_tasks: int = Field(default=100, gt=0)
    # Seconds between rounds of the planning loop when no goal waits
    # (COGNOS_TASK_PLANNER_PLANNING_INTERVAL_SECONDS); 0 turns the loop off.
    planning_interval_seconds: float = Field(default=0.5, ge=0)
    # How many times a goal is replanned after a critical task failed for good, before the
    # goal fails (COGNOS_TASK_PLANNER_MAX_REPLANS); 0 = never.
    max_replans: int = Field(default=1, ge=0)
    # This replica's id, the same across its restarts and unique among live replicas
    # (COGNOS_TASK_PLANNER_REPLICA_ID); empty = derived from host name and listen port.
    replica_id: str = Field(default="", max_length=64)
    # Seconds a claim of a goal being planned holds unless its replica renews it (every third
    # of it); a replica that died for good has its goals claimed by another after this
    # (COGNOS_TASK_PLANNER_CLAIM_LEASE_SECONDS).
    claim_lease_seconds: float = Field(default=30.0, gt=0)
