"""gRPC servicer of cognition.quality.v1.QualityService: proto in, domain call, proto out."""

from __future__ import annotations

import grpc

from cognition.quality.v1 import quality_service_pb2 as pb
from cognition.quality.v1 import quality_service_pb2_grpc as pb_grpc
from services.ai_quality_gate import convert
from services.ai_quality_gate.convert import POLICIES, VALIDATION_RESOURCE
from services.ai_quality_gate.core.policies import PolicyService
from services.ai_quality_gate.core.validations import ValidationService
from shared.proto.fields import datetime_of
from shared.resources import names
from shared.rpc.standard_methods import standard_methods


class QualityServicer(pb_grpc.QualityServiceServicer):
    """Policies, output judged against them with a record of every judgement, and the
    quality metrics of those records."""

    CreatePolicy, GetPolicy, ListPolicies, UpdatePolicy, DeletePolicy = standard_methods(
        POLICIES, "_policies")
    GetValidation, ListValidations = standard_methods(VALIDATION_RESOURCE, "_validations",
                                                      "get", "list")

    def __init__(self, policies: PolicyService, validations: ValidationService) -> None:
        self._policies = policies
        self._validations = validations

    async def ValidateOutput(self, request: pb.ValidateOutputRequest,
                             context: grpc.aio.ServicerContext) -> pb.ValidateOutputResponse:
        tenant = names.parse_parent(request.parent)
        validation = await self._validations.validate(
            tenant, convert.validation_request(tenant, request))
        return pb.ValidateOutputResponse(validation=convert.validation_to_proto(validation))

    async def GetQualityMetrics(self, request: pb.GetQualityMetricsRequest,
                                context: grpc.aio.ServicerContext
                                ) -> pb.GetQualityMetricsResponse:
        tenant = names.parse_parent(request.parent)
        rows = await self._validations.metrics(
            tenant, request.agent_type, request.prompt_version,
            datetime_of(request.start_time, request.HasField("start_time")),
            datetime_of(request.end_time, request.HasField("end_time")))
        return pb.GetQualityMetricsResponse(rows=[convert.metrics_to_proto(r) for r in rows])
