"""gRPC servicer of cognition.explain.v1.ExplainService: proto in, domain call, proto out."""

from __future__ import annotations

from cognition.explain.v1 import explain_service_pb2_grpc as pb_grpc
from services.explainability.convert import EXPLANATIONS
from services.explainability.core.explanations import ExplanationService
from shared.rpc.standard_methods import standard_methods


class ExplainServicer(pb_grpc.ExplainServiceServicer):
    """Explanations of resources. ExplainTrace arrives with the trace store."""

    CreateExplanation, GetExplanation, ListExplanations, DeleteExplanation = standard_methods(
        EXPLANATIONS, "_explanations", "create", "get", "list", "delete")

    def __init__(self, explanations: ExplanationService) -> None:
        self._explanations = explanations
