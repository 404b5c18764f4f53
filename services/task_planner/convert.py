"""Conversion between the planner's protobuf messages and its domain models."""

from __future__ import annotations

from cognition.planner.v1 import goal_pb2
from services.task_planner.core.models import Goal, GoalPriority, GoalState
from shared import names
from shared.protos import enum_from_proto, enum_to_proto, timestamp

COLLECTION = "goals"


def goal_to_proto(goal: Goal) -> goal_pb2.Goal:
    return goal_pb2.Goal(
        name=names.format_name(goal.tenant, COLLECTION, goal.id),
        description=goal.description,
        state=enum_to_proto(goal_pb2.GoalState, goal.state),
        priority=enum_to_proto(goal_pb2.GoalPriority, goal.priority),
        labels=goal.labels,
        plan=goal.plan,
        create_time=timestamp(goal.create_time),
        update_time=timestamp(goal.update_time),
        etag=goal.etag,
    )


def priority_from_proto(value: int) -> GoalPriority:
    """Proto priority to domain; UNSPECIFIED means NORMAL."""
    return enum_from_proto(goal_pb2.GoalPriority, value, GoalPriority, GoalPriority.NORMAL)


def new_goal(tenant: str, goal_id: str, message: goal_pb2.Goal) -> Goal:
    """The domain goal to create from a CreateGoal request's goal."""
    return Goal(
        tenant=tenant,
        id=goal_id,
        description=message.description,
        state=GoalState.PENDING,
        priority=priority_from_proto(message.priority),
        labels=dict(message.labels),
    )


def goal_changes(message: goal_pb2.Goal, paths: set[str]) -> dict[str, object]:
    """The domain field values an UpdateGoal request sets, for the masked paths."""
    values: dict[str, object] = {
        "description": message.description,
        "priority": priority_from_proto(message.priority),
        "labels": dict(message.labels),
    }
    return {path: values[path] for path in paths}
