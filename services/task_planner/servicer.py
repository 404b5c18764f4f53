"""gRPC servicer of cognition.planner.v1.PlannerService: proto in, domain call, proto out."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from cognition.planner.v1 import planner_service_pb2 as pb
from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from services.task_planner import convert
from services.task_planner.core.goals import UPDATABLE_FIELDS, GoalService
from shared import names
from shared.database import PageRequest
from shared.errors import InvalidArgument
from shared.protos import mask_paths, timestamp


class PlannerServicer(pb_grpc.PlannerServiceServicer):
    """Goals and plans. Plan-making and task RPCs arrive with the agent core."""

    def __init__(self, goals: GoalService) -> None:
        self._goals = goals

    async def CreateGoal(self, request: pb.CreateGoalRequest,
                         context: grpc.aio.ServicerContext) -> pb.CreateGoalResponse:
        tenant = names.parse_parent(request.parent)
        goal_id = names.choose_id(request.goal_id, "goal_id")
        goal = await self._goals.create(convert.new_goal(tenant, goal_id, request.goal))
        return pb.CreateGoalResponse(goal=convert.goal_to_proto(goal))

    async def GetGoal(self, request: pb.GetGoalRequest,
                      context: grpc.aio.ServicerContext) -> pb.GetGoalResponse:
        tenant, goal_id = names.parse_name(request.name, convert.COLLECTION)
        goal = await self._goals.get(tenant, goal_id)
        return pb.GetGoalResponse(goal=convert.goal_to_proto(goal))

    async def ListGoals(self, request: pb.ListGoalsRequest,
                        context: grpc.aio.ServicerContext) -> pb.ListGoalsResponse:
        tenant = names.parse_parent(request.parent)
        page = await self._goals.list(tenant, PageRequest.of(request.page_size, request.page_token))
        return pb.ListGoalsResponse(goals=[convert.goal_to_proto(g) for g in page.items],
                                    next_page_token=page.next_page_token)

    async def UpdateGoal(self, request: pb.UpdateGoalRequest,
                         context: grpc.aio.ServicerContext) -> pb.UpdateGoalResponse:
        tenant, goal_id = names.parse_name(request.goal.name, convert.COLLECTION, "goal.name")
        paths = mask_paths(request.update_mask, UPDATABLE_FIELDS)
        if "description" in paths and not request.goal.description:
            raise InvalidArgument.for_field("goal.description", "must not be empty")
        goal = await self._goals.update(tenant, goal_id, convert.goal_changes(request.goal, paths),
                                        request.goal.etag)
        return pb.UpdateGoalResponse(goal=convert.goal_to_proto(goal))

    async def DeleteGoal(self, request: pb.DeleteGoalRequest,
                         context: grpc.aio.ServicerContext) -> pb.DeleteGoalResponse:
        tenant, goal_id = names.parse_name(request.name, convert.COLLECTION)
        await self._goals.delete(tenant, goal_id)
        return pb.DeleteGoalResponse()

    async def CancelGoal(self, request: pb.CancelGoalRequest,
                         context: grpc.aio.ServicerContext) -> pb.CancelGoalResponse:
        tenant, goal_id = names.parse_name(request.name, convert.COLLECTION)
        return pb.CancelGoalResponse(
            goal=convert.goal_to_proto(await self._goals.cancel(tenant, goal_id)))

    async def WatchGoal(self, request: pb.WatchGoalRequest,
                        context: grpc.aio.ServicerContext) -> AsyncIterator[pb.WatchGoalResponse]:
        tenant, goal_id = names.parse_name(request.name, convert.COLLECTION)
        async for goal in self._goals.watch(tenant, goal_id):
            yield pb.WatchGoalResponse(goal=convert.goal_to_proto(goal),
                                       event_type=f"goal.{goal.state.value.lower()}",
                                       event_time=timestamp(goal.update_time))
