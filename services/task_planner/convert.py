"""Conversion between the planner's protobuf messages and its domain models."""

from __future__ import annotations

from cognition.planner.v1 import goal_pb2, plan_pb2, planner_service_pb2, task_pb2
from services.task_planner.core.models import (
    Goal,
    GoalEvent,
    GoalPriority,
    GoalState,
    Plan,
    PlanDraft,
    ReadyWork,
    Task,
    TaskState,
)
from services.task_planner.core.plans import plan_name
from shared.errors import InvalidArgument
from shared.proto.fields import enum_from_proto, enum_to_proto, masked_changes, timestamp
from shared.resources import names
from shared.resources.filters import EnumValue, FilterSpec, MapEntry
from shared.rpc.standard_methods import StandardResource

COLLECTION = "goals"

# The fields of ListGoals' filter, as its contract documents them.
GOAL_FILTER = FilterSpec(state=EnumValue(goal_pb2.GoalState, GoalState),
                         priority=EnumValue(goal_pb2.GoalPriority, GoalPriority),
                         labels=MapEntry())


def goal_to_proto(goal: Goal) -> goal_pb2.Goal:
    return goal_pb2.Goal(
        name=names.format_name(goal.tenant, COLLECTION, goal.id),
        description=goal.description,
        state=enum_to_proto(goal_pb2.GoalState, goal.state),
        priority=enum_to_proto(goal_pb2.GoalPriority, goal.priority),
        labels=goal.labels,
        plan=goal.plan,
        state_reason=goal.state_reason,
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
    return masked_changes(paths, {
        "description": lambda: message.description,
        "priority": lambda: priority_from_proto(message.priority),
        "labels": lambda: dict(message.labels),
    })


def plan_to_proto(plan: Plan) -> plan_pb2.Plan:
    return plan_pb2.Plan(
        name=plan_name(plan.tenant, plan.goal_id, plan.id),
        tasks=[task_to_proto(plan.tenant, plan.goal_id, t) for t in plan.tasks],
        complexity=plan.complexity,
        revision=plan.revision,
        replan_reason=plan.replan_reason,
        create_time=timestamp(plan.create_time),
    )


def task_name(tenant: str, goal_id: str, task_id: str) -> str:
    return f"{names.format_name(tenant, COLLECTION, goal_id)}/tasks/{task_id}"


def task_to_proto(tenant: str, goal_id: str, task: Task) -> task_pb2.Task:
    return task_pb2.Task(
        name=task_name(tenant, goal_id, task.id),
        title=task.title,
        instructions=task.instructions,
        agent_role=task.agent_role,
        depends_on=[task_name(tenant, goal_id, d) for d in task.depends_on],
        tools=list(task.tools),
        acceptance_criteria=list(task.acceptance_criteria),
        critical=task.critical,
        state=enum_to_proto(task_pb2.TaskState, task.state),
        result=task.result,
        create_time=timestamp(task.create_time),
        update_time=timestamp(task.update_time),
        attempts=task.attempts,
        start_time=timestamp(task.start_time),
        end_time=timestamp(task.end_time),
    )


def plan_draft(tenant: str, goal_id: str, message: plan_pb2.Plan) -> PlanDraft:
    """The drafted plan of a CreatePlan/ReplanGoal request; task names and dependencies may be
    full task names of this goal or bare ids (anything else is left for validation to reject)."""
    prefix = task_name(tenant, goal_id, "")
    return PlanDraft(
        complexity=message.complexity,
        tasks=tuple(
            Task(id=t.name.removeprefix(prefix), title=t.title, instructions=t.instructions,
                 agent_role=t.agent_role,
                 depends_on=tuple(d.removeprefix(prefix) for d in t.depends_on),
                 tools=tuple(t.tools), acceptance_criteria=tuple(t.acceptance_criteria),
                 critical=t.critical)
            for t in message.tasks),
    )


def task_state_from_proto(value: int, field: str) -> TaskState:
    """A TaskState an update sets; UNSPECIFIED is not one.

    Raises:
        InvalidArgument: ``value`` is UNSPECIFIED or unknown.
    """
    if value == 0 or value not in task_pb2.TaskState.values():
        raise InvalidArgument.for_field(field, "must be a task state other than UNSPECIFIED")
    return enum_from_proto(task_pb2.TaskState, value, TaskState, TaskState.BLOCKED)


def reported_attempts(value: int, paths: set[str]) -> int | None:
    """The attempts an update reports, or None when it reports none (not in the mask, or 0:
    an empty mask names every field, and a caller unaware of attempts leaves it 0).

    Raises:
        InvalidArgument: ``value`` is negative.
    """
    if value < 0:
        raise InvalidArgument.for_field("task.attempts", "must not be negative")
    return value if "attempts" in paths and value else None


def _split(name: str, field: str, collection: str) -> tuple[str, str, str]:
    parts = name.split("/")
    if (len(parts) != 6 or parts[0] != "tenants" or parts[2] != COLLECTION
            or parts[4] != collection or not all(parts)):
        pattern = f"tenants/{{tenant}}/goals/{{goal}}/{collection}/{{id}}"
        raise InvalidArgument.for_field(field, f"must look like {pattern}")
    names.check_tenant_access(parts[1])
    return parts[1], parts[3], parts[5]


def parse_plan_name(name: str, field: str = "name") -> tuple[str, str, str]:
    """``tenants/t/goals/g/plans/p`` -> ``(t, g, p)``.

    Raises:
        InvalidArgument: ``name`` is not a plan name.
        NotFound: It belongs to another tenant than the caller's.
    """
    return _split(name, field, "plans")


def parse_task_name(name: str, field: str = "name") -> tuple[str, str, str]:
    """``tenants/t/goals/g/tasks/x`` -> ``(t, g, x)``.

    Raises:
        InvalidArgument: ``name`` is not a task name.
        NotFound: It belongs to another tenant than the caller's.
    """
    return _split(name, field, "tasks")


def goal_event_to_proto(event: GoalEvent) -> planner_service_pb2.WatchGoalResponse:
    task = event.task
    return planner_service_pb2.WatchGoalResponse(
        goal=goal_to_proto(event.goal),
        task=(task_to_proto(event.goal.tenant, event.goal.id, task) if task is not None
              else None),
        event_type=event.event_type,
        event_time=timestamp(event.event_time),
    )


def ready_to_proto(work: ReadyWork) -> planner_service_pb2.ReadyTask:
    return planner_service_pb2.ReadyTask(
        task=task_to_proto(work.tenant, work.goal_id, work.task),
        goal_description=work.goal_description, upstream_results=work.upstream_results)


GOALS = StandardResource(planner_service_pb2, "Goal", "Goals", COLLECTION, to_proto=goal_to_proto,
                         filter=GOAL_FILTER)
