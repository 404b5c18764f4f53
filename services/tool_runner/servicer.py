"""gRPC servicer of cognition.tools.v1.ToolService: proto in, domain call, proto out."""

from __future__ import annotations

import grpc

from cognition.tools.v1 import tools_service_pb2 as pb
from cognition.tools.v1 import tools_service_pb2_grpc as pb_grpc
from services.tool_runner import convert
from services.tool_runner.core.tools import UPDATABLE_FIELDS, ToolService
from shared.database import PageRequest
from shared.proto.fields import mask_paths
from shared.resources import names


class ToolServicer(pb_grpc.ToolServiceServicer):
    """Tools. Running them (RunTool and the tool-run RPCs) arrives with the sandbox."""

    def __init__(self, tools: ToolService) -> None:
        self._tools = tools

    async def CreateTool(self, request: pb.CreateToolRequest,
                         context: grpc.aio.ServicerContext) -> pb.CreateToolResponse:
        tenant = names.parse_parent(request.parent)
        tool_id = names.choose_id(request.tool_id, "tool_id")
        tool = await self._tools.create(convert.new_tool(tenant, tool_id, request.tool))
        return pb.CreateToolResponse(tool=convert.tool_to_proto(tool))

    async def GetTool(self, request: pb.GetToolRequest,
                      context: grpc.aio.ServicerContext) -> pb.GetToolResponse:
        tenant, tool_id = names.parse_name(request.name, convert.COLLECTION)
        tool = await self._tools.get(tenant, tool_id)
        return pb.GetToolResponse(tool=convert.tool_to_proto(tool))

    async def ListTools(self, request: pb.ListToolsRequest,
                        context: grpc.aio.ServicerContext) -> pb.ListToolsResponse:
        tenant = names.parse_parent(request.parent)
        matching = convert.TOOL_FILTER.parse(request.filter, tenant)
        page = await self._tools.list(tenant, PageRequest.of(request.page_size, request.page_token),
                                      matching)
        return pb.ListToolsResponse(tools=[convert.tool_to_proto(t) for t in page.items],
                                    next_page_token=page.next_page_token)

    async def UpdateTool(self, request: pb.UpdateToolRequest,
                         context: grpc.aio.ServicerContext) -> pb.UpdateToolResponse:
        tenant, tool_id = names.parse_name(request.tool.name, convert.COLLECTION, "tool.name")
        paths = mask_paths(request.update_mask, UPDATABLE_FIELDS)
        tool = await self._tools.update(tenant, tool_id, convert.tool_changes(request.tool, paths),
                                        request.tool.etag)
        return pb.UpdateToolResponse(tool=convert.tool_to_proto(tool))

    async def DeleteTool(self, request: pb.DeleteToolRequest,
                         context: grpc.aio.ServicerContext) -> pb.DeleteToolResponse:
        tenant, tool_id = names.parse_name(request.name, convert.COLLECTION)
        await self._tools.delete(tenant, tool_id)
        return pb.DeleteToolResponse()
