"""gRPC servicer of cognition.workflow.v1.WorkflowService: proto in, domain call, proto out."""

from __future__ import annotations

import grpc

from cognition.workflow.v1 import workflow_service_pb2 as pb
from cognition.workflow.v1 import workflow_service_pb2_grpc as pb_grpc
from services.workflow_engine import convert
from services.workflow_engine.core.workflows import UPDATABLE_FIELDS, WorkflowService
from shared.database import PageRequest
from shared.proto.fields import mask_paths
from shared.resources import names


class WorkflowServicer(pb_grpc.WorkflowServiceServicer):
    """Workflows and their versions. Executions arrive with the engine that runs them."""

    def __init__(self, workflows: WorkflowService) -> None:
        self._workflows = workflows

    async def CreateWorkflow(self, request: pb.CreateWorkflowRequest,
                             context: grpc.aio.ServicerContext) -> pb.CreateWorkflowResponse:
        tenant = names.parse_parent(request.parent)
        workflow_id = names.choose_id(request.workflow_id, "workflow_id")
        workflow = await self._workflows.create(
            convert.new_workflow(tenant, workflow_id, request.workflow))
        return pb.CreateWorkflowResponse(workflow=convert.workflow_to_proto(workflow))

    async def GetWorkflow(self, request: pb.GetWorkflowRequest,
                          context: grpc.aio.ServicerContext) -> pb.GetWorkflowResponse:
        tenant, workflow_id = names.parse_name(request.name, convert.COLLECTION)
        workflow = await self._workflows.get(tenant, workflow_id)
        return pb.GetWorkflowResponse(workflow=convert.workflow_to_proto(workflow))

    async def ListWorkflows(self, request: pb.ListWorkflowsRequest,
                            context: grpc.aio.ServicerContext) -> pb.ListWorkflowsResponse:
        tenant = names.parse_parent(request.parent)
        matching = convert.WORKFLOW_FILTER.parse(request.filter, tenant)
        page = await self._workflows.list(
            tenant, PageRequest.of(request.page_size, request.page_token), matching)
        return pb.ListWorkflowsResponse(
            workflows=[convert.workflow_to_proto(w) for w in page.items],
            next_page_token=page.next_page_token)

    async def UpdateWorkflow(self, request: pb.UpdateWorkflowRequest,
                             context: grpc.aio.ServicerContext) -> pb.UpdateWorkflowResponse:
        tenant, workflow_id = names.parse_name(request.workflow.name, convert.COLLECTION,
                                               "workflow.name")
        paths = mask_paths(request.update_mask, UPDATABLE_FIELDS)
        workflow = await self._workflows.update(
            tenant, workflow_id, convert.workflow_changes(request.workflow, paths),
            request.workflow.etag)
        return pb.UpdateWorkflowResponse(workflow=convert.workflow_to_proto(workflow))

    async def DeleteWorkflow(self, request: pb.DeleteWorkflowRequest,
                             context: grpc.aio.ServicerContext) -> pb.DeleteWorkflowResponse:
        tenant, workflow_id = names.parse_name(request.name, convert.COLLECTION)
        await self._workflows.delete(tenant, workflow_id)
        return pb.DeleteWorkflowResponse()

    async def ListWorkflowRevisions(
        self, request: pb.ListWorkflowRevisionsRequest, context: grpc.aio.ServicerContext,
    ) -> pb.ListWorkflowRevisionsResponse:
        tenant, workflow_id = names.parse_name(request.name, convert.COLLECTION)
        page = await self._workflows.revisions(
            tenant, workflow_id, PageRequest.of(request.page_size, request.page_token))
        return pb.ListWorkflowRevisionsResponse(
            workflows=[convert.workflow_to_proto(w) for w in page.items],
            next_page_token=page.next_page_token)
