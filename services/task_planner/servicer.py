"""gRPC servicer of cognition.planner.v1.PlannerService: proto in, domain call, proto out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import grpc

from cognition.planner.v1 import planner_service_pb2 as pb
from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from services.task_planner import convert
from services.task_planner.convert import GOALS
from services.task_planner.core.goals import GoalService
from services.task_planner.core.plans import UPDATABLE_TASK_FIELDS, PlanService
from shared.errors import InvalidArgument
from shared.proto.fields import mask_paths
from shared.resources import names
from shared.rpc.standard_methods import standard_methods

READY_PAGE_SIZE = 100
MAX_READY_PAGE_SIZE = 1000


class PlannerServicer(pb_grpc.PlannerServiceServicer):
    """Goals, their plans and the plans' tasks."""

    # Creating a goal may submit its plan too, and an update refuses an empty description
    # before reading the goal: those two are written out.
    GetGoal, ListGoals, DeleteGoal = standard_methods(GOALS, "_goals", "get", "list", "delete")

    def __init__(self, goals: GoalService, plans: PlanService,
                 on_goal_submitted: Callable[[], None] = lambda: None) -> None:
        self._goals = goals
        self._plans = plans
        self._on_goal_submitted = on_goal_submitted

    async def CreateGoal(self, request: pb.CreateGoalRequest,
                         context: grpc.aio.ServicerContext) -> pb.CreateGoalResponse:
        tenant = names.parse_parent(request.parent)
        goal_id = names.choose_id(request.goal_id, "goal_id")
        goal = convert.new_goal(tenant, goal_id, request.goal)
        if request.HasField("plan"):
            goal = await self._plans.create_goal(
                goal, convert.plan_draft(tenant, goal_id, request.plan))
        else:
            goal = await self._goals.create(goal)
            self._on_goal_submitted()
        return pb.CreateGoalResponse(goal=convert.goal_to_proto(goal))

    async def UpdateGoal(self, request: pb.UpdateGoalRequest,
                         context: grpc.aio.ServicerContext) -> pb.UpdateGoalResponse:
        tenant, goal_id = names.parse_name(request.goal.name, convert.COLLECTION, "goal.name")
        paths = mask_paths(request.update_mask, self._goals.updatable)
        if "description" in paths and not request.goal.description:
            raise InvalidArgument.for_field("goal.description", "must not be empty")
        goal = await self._goals.update(tenant, goal_id, convert.goal_changes(request.goal, paths),
                                        request.goal.etag)
        return pb.UpdateGoalResponse(goal=convert.goal_to_proto(goal))

    async def CancelGoal(self, request: pb.CancelGoalRequest,
                         context: grpc.aio.ServicerContext) -> pb.CancelGoalResponse:
        tenant, goal_id = names.parse_name(request.name, convert.COLLECTION)
        return pb.CancelGoalResponse(
            goal=convert.goal_to_proto(await self._plans.cancel_goal(tenant, goal_id,
                                                                     request.reason)))

    async def WatchGoal(self, request: pb.WatchGoalRequest,
                        context: grpc.aio.ServicerContext) -> AsyncIterator[pb.WatchGoalResponse]:
        tenant, goal_id = names.parse_name(request.name, convert.COLLECTION)
        async for event in self._plans.watch(tenant, goal_id):
            yield convert.goal_event_to_proto(event)

    async def GetPlan(self, request: pb.GetPlanRequest,
                      context: grpc.aio.ServicerContext) -> pb.GetPlanResponse:
        tenant, goal_id, plan_id = convert.parse_plan_name(request.name)
        plan = await self._plans.get(tenant, goal_id, plan_id)
        return pb.GetPlanResponse(plan=convert.plan_to_proto(plan))

    async def ListTasks(self, request: pb.ListTasksRequest,
                        context: grpc.aio.ServicerContext) -> pb.ListTasksResponse:
        tenant, goal_id = names.parse_name(request.parent, convert.COLLECTION, "parent")
        page = await self._plans.list_tasks(tenant, goal_id, request.page_size,
                                            request.page_token)
        return pb.ListTasksResponse(
            tasks=[convert.task_to_proto(tenant, goal_id, t) for t in page.items],
            next_page_token=page.next_page_token)

    async def CreatePlan(self, request: pb.CreatePlanRequest,
                         context: grpc.aio.ServicerContext) -> pb.CreatePlanResponse:
        tenant, goal_id = names.parse_name(request.parent, convert.COLLECTION, "parent")
        plan = await self._plans.create(tenant, goal_id,
                                        convert.plan_draft(tenant, goal_id, request.plan))
        return pb.CreatePlanResponse(plan=convert.plan_to_proto(plan))

    async def ReplanGoal(self, request: pb.ReplanGoalRequest,
                         context: grpc.aio.ServicerContext) -> pb.ReplanGoalResponse:
        tenant, goal_id = names.parse_name(request.name, convert.COLLECTION)
        plan = await self._plans.replan(tenant, goal_id, request.reason,
                                        convert.plan_draft(tenant, goal_id, request.plan))
        return pb.ReplanGoalResponse(plan=convert.plan_to_proto(plan))

    async def UpdateTask(self, request: pb.UpdateTaskRequest,
                         context: grpc.aio.ServicerContext) -> pb.UpdateTaskResponse:
        tenant, goal_id, task_id = convert.parse_task_name(request.task.name, "task.name")
        paths = mask_paths(request.update_mask, UPDATABLE_TASK_FIELDS)
        state = (convert.task_state_from_proto(request.task.state, "task.state")
                 if "state" in paths else None)
        result = request.task.result if "result" in paths else None
        attempts = convert.reported_attempts(request.task.attempts, paths)
        task = await self._plans.update_task(tenant, goal_id, task_id, state, result, attempts)
        return pb.UpdateTaskResponse(task=convert.task_to_proto(tenant, goal_id, task))

    async def PauseGoal(self, request: pb.PauseGoalRequest,
                        context: grpc.aio.ServicerContext) -> pb.PauseGoalResponse:
        tenant, goal_id = names.parse_name(request.name, convert.COLLECTION)
        return pb.PauseGoalResponse(
            goal=convert.goal_to_proto(await self._plans.pause_goal(tenant, goal_id,
                                                                    request.reason)))

    async def ResumeGoal(self, request: pb.ResumeGoalRequest,
                         context: grpc.aio.ServicerContext) -> pb.ResumeGoalResponse:
        tenant, goal_id = names.parse_name(request.name, convert.COLLECTION)
        return pb.ResumeGoalResponse(
            goal=convert.goal_to_proto(await self._plans.resume_goal(tenant, goal_id)))

    async def ListReadyTasks(self, request: pb.ListReadyTasksRequest,
                             context: grpc.aio.ServicerContext) -> pb.ListReadyTasksResponse:
        tenant = names.parse_parent(request.parent)
        limit = min(request.page_size or READY_PAGE_SIZE, MAX_READY_PAGE_SIZE)
        work = await self._plans.ready(None if tenant == "-" else tenant, limit,
                                       request.max_wait.ToTimedelta().total_seconds())
        return pb.ListReadyTasksResponse(ready_tasks=[convert.ready_to_proto(w) for w in work])
