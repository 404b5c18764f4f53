"""gRPC servicer of cognition.workflow.v1.WorkflowService: proto in, domain call, proto out."""

from __future__ import annotations

import grpc

from cognition.workflow.v1 import workflow_service_pb2 as pb
from cognition.workflow.v1 import workflow_service_pb2_grpc as pb_grpc
from services.workflow_engine import convert
from services.workflow_engine.convert import WORKFLOWS
from services.workflow_engine.core.workflows import WorkflowService
from shared.database import PageRequest
from shared.resources import names
from shared.rpc.standard_methods import standard_methods


class WorkflowServicer(pb_grpc.WorkflowServiceServicer):
    """Workflows and their versions. Executions arrive with the engine that runs them."""

    (CreateWorkflow, GetWorkflow, ListWorkflows, UpdateWorkflow,
     DeleteWorkflow) = standard_methods(WORKFLOWS, "_workflows")

    def __init__(self, workflows: WorkflowService) -> None:
        self._workflows = workflows

    async def ListWorkflowRevisions(
        self, request: pb.ListWorkflowRevisionsRequest, context: grpc.aio.ServicerContext,
    ) -> pb.ListWorkflowRevisionsResponse:
        tenant, workflow_id = names.parse_name(request.name, convert.COLLECTION)
        page = await self._workflows.revisions(
            tenant, workflow_id, PageRequest.of(request.page_size, request.page_token))
        return pb.ListWorkflowRevisionsResponse(
            workflows=[convert.workflow_to_proto(w) for w in page.items],
            next_page_token=page.next_page_token)
