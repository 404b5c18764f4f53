"""gRPC servicer of cognition.explain.v1.ExplainService: proto in, domain call, proto out."""

from __future__ import annotations

import grpc

from cognition.explain.v1 import explain_service_pb2 as pb
from cognition.explain.v1 import explain_service_pb2_grpc as pb_grpc
from services.explainability import convert
from services.explainability.core.explanations import ExplanationService
from shared.database import PageRequest
from shared.resources import names


class ExplainServicer(pb_grpc.ExplainServiceServicer):
    """Explanations of resources. ExplainTrace arrives with the trace store."""

    def __init__(self, explanations: ExplanationService) -> None:
        self._explanations = explanations

    async def CreateExplanation(self, request: pb.CreateExplanationRequest,
                                context: grpc.aio.ServicerContext) -> pb.CreateExplanationResponse:
        tenant = names.parse_parent(request.parent)
        explanation_id = names.choose_id(request.explanation_id, "explanation_id")
        explanation = await self._explanations.create(
            convert.new_explanation(tenant, explanation_id, request.explanation))
        return pb.CreateExplanationResponse(
            explanation=convert.explanation_to_proto(explanation))

    async def GetExplanation(self, request: pb.GetExplanationRequest,
                             context: grpc.aio.ServicerContext) -> pb.GetExplanationResponse:
        tenant, explanation_id = names.parse_name(request.name, convert.COLLECTION)
        explanation = await self._explanations.get(tenant, explanation_id)
        return pb.GetExplanationResponse(explanation=convert.explanation_to_proto(explanation))

    async def ListExplanations(self, request: pb.ListExplanationsRequest,
                               context: grpc.aio.ServicerContext) -> pb.ListExplanationsResponse:
        tenant = names.parse_parent(request.parent)
        matching = convert.EXPLANATION_FILTER.parse(request.filter, tenant)
        page = await self._explanations.list(
            tenant, PageRequest.of(request.page_size, request.page_token), matching)
        return pb.ListExplanationsResponse(
            explanations=[convert.explanation_to_proto(e) for e in page.items],
            next_page_token=page.next_page_token)

    async def DeleteExplanation(self, request: pb.DeleteExplanationRequest,
                                context: grpc.aio.ServicerContext) -> pb.DeleteExplanationResponse:
        tenant, explanation_id = names.parse_name(request.name, convert.COLLECTION)
        await self._explanations.delete(tenant, explanation_id)
        return pb.DeleteExplanationResponse()
