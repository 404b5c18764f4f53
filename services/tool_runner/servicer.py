"""gRPC servicer of cognition.tools.v1.ToolService: proto in, domain call, proto out."""

from __future__ import annotations

from cognition.tools.v1 import tools_service_pb2_grpc as pb_grpc
from services.tool_runner.convert import TOOLS
from services.tool_runner.core.tools import ToolService
from shared.rpc.standard_methods import standard_methods


class ToolServicer(pb_grpc.ToolServiceServicer):
    """Tools. Running them (RunTool and the tool-run RPCs) arrives with the sandbox."""

    CreateTool, GetTool, ListTools, UpdateTool, DeleteTool = standard_methods(TOOLS, "_tools")

    def __init__(self, tools: ToolService) -> None:
        self._tools = tools
