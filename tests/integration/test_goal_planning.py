"""A submitted goal is planned in the background: the planner agent drafts a DAG through the
AI runtime (the offline provider here), the task-planner validates and stores it."""

from __future__ import annotations

import grpc

from cognition.planner.v1 import goal_pb2
from cognition.planner.v1 import planner_service_pb2 as pb
from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from tests.helpers import assert_eventually


async def test_a_goal_becomes_a_validated_plan(envoy_channel: grpc.aio.Channel,
                                               tenant: str) -> None:
    planner = pb_grpc.PlannerServiceStub(envoy_channel)
    created = (await planner.CreateGoal(pb.CreateGoalRequest(
        parent=f"tenants/{tenant}",
        goal=goal_pb2.Goal(description="Compare the latency, cost and reliability of three "
                                       "message brokers and recommend one")),
        timeout=10)).goal
    assert created.state == goal_pb2.GOAL_STATE_PENDING

    async def planned() -> goal_pb2.Goal | None:
        goal = (await planner.GetGoal(pb.GetGoalRequest(name=created.name), timeout=5)).goal
        return goal if goal.plan else None  # RUNNING, or already done by its agents

    goal = await assert_eventually(planned, timeout=30, interval=0.2,
                                   message="the goal is planned")
    assert goal.plan == f"{created.name}/plans/r1"
    plan = (await planner.GetPlan(pb.GetPlanRequest(name=goal.plan), timeout=5)).plan
    assert plan.revision == 1 and 2 <= len(plan.tasks) <= 5 and 1 <= plan.complexity <= 10
    tasks = (await planner.ListTasks(pb.ListTasksRequest(parent=created.name),
                                     timeout=5)).tasks
    seen: set[str] = set()
    for task in tasks:  # dependency order: every dependency listed before its dependant
        assert set(task.depends_on) <= seen, (task.name, list(task.depends_on))
        seen.add(task.name)
    assert {t.agent_role for t in tasks} <= {"planner", "executor", "critic", "summarizer"}
