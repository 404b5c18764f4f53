"""gRPC servicer of cognition.quality.v1.QualityService: proto in, domain call, proto out."""

from __future__ import annotations

import grpc

from cognition.quality.v1 import quality_service_pb2 as pb
from cognition.quality.v1 import quality_service_pb2_grpc as pb_grpc
from services.ai_quality_gate import convert
from services.ai_quality_gate.convert import POLICIES, VALIDATION_RESOURCE
from services.ai_quality_gate.core.policies import PolicyService
from services.ai_quality_gate.core.validations import ValidationService
from shared.resources import names
from shared.rpc.standard_methods import standard_methods


class QualityServicer(pb_grpc.QualityServiceServicer):
    """Policies, and output checked against them with a record of every verdict."""

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
        policy_id = convert.policy_id_of(tenant, request.policy)
        validation = await self._validations.validate(tenant, policy_id, request.content,
                                                      request.subject)
        return pb.ValidateOutputResponse(validation=convert.validation_to_proto(validation))
