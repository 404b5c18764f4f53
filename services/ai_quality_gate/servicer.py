"""gRPC servicer of cognition.quality.v1.QualityService: proto in, domain call, proto out."""

from __future__ import annotations

import grpc

from cognition.quality.v1 import quality_service_pb2 as pb
from cognition.quality.v1 import quality_service_pb2_grpc as pb_grpc
from services.ai_quality_gate import convert
from services.ai_quality_gate.core.policies import UPDATABLE_FIELDS, PolicyService
from services.ai_quality_gate.core.validations import ValidationService
from shared.database import PageRequest
from shared.proto.fields import mask_paths
from shared.resources import names


class QualityServicer(pb_grpc.QualityServiceServicer):
    """Policies, and output checked against them with a record of every verdict."""

    def __init__(self, policies: PolicyService, validations: ValidationService) -> None:
        self._policies = policies
        self._validations = validations

    async def CreatePolicy(self, request: pb.CreatePolicyRequest,
                           context: grpc.aio.ServicerContext) -> pb.CreatePolicyResponse:
        tenant = names.parse_parent(request.parent)
        policy_id = names.choose_id(request.policy_id, "policy_id")
        policy = await self._policies.create(
            convert.new_policy(tenant, policy_id, request.policy))
        return pb.CreatePolicyResponse(policy=convert.policy_to_proto(policy))

    async def GetPolicy(self, request: pb.GetPolicyRequest,
                        context: grpc.aio.ServicerContext) -> pb.GetPolicyResponse:
        tenant, policy_id = names.parse_name(request.name, convert.COLLECTION)
        policy = await self._policies.get(tenant, policy_id)
        return pb.GetPolicyResponse(policy=convert.policy_to_proto(policy))

    async def ListPolicies(self, request: pb.ListPoliciesRequest,
                           context: grpc.aio.ServicerContext) -> pb.ListPoliciesResponse:
        tenant = names.parse_parent(request.parent)
        matching = convert.POLICY_FILTER.parse(request.filter, tenant)
        page = await self._policies.list(tenant,
                                         PageRequest.of(request.page_size, request.page_token),
                                         matching)
        return pb.ListPoliciesResponse(
            policies=[convert.policy_to_proto(p) for p in page.items],
            next_page_token=page.next_page_token)

    async def UpdatePolicy(self, request: pb.UpdatePolicyRequest,
                           context: grpc.aio.ServicerContext) -> pb.UpdatePolicyResponse:
        tenant, policy_id = names.parse_name(request.policy.name, convert.COLLECTION,
                                             "policy.name")
        paths = mask_paths(request.update_mask, UPDATABLE_FIELDS)
        policy = await self._policies.update(tenant, policy_id,
                                             convert.policy_changes(request.policy, paths),
                                             request.policy.etag)
        return pb.UpdatePolicyResponse(policy=convert.policy_to_proto(policy))

    async def DeletePolicy(self, request: pb.DeletePolicyRequest,
                           context: grpc.aio.ServicerContext) -> pb.DeletePolicyResponse:
        tenant, policy_id = names.parse_name(request.name, convert.COLLECTION)
        await self._policies.delete(tenant, policy_id)
        return pb.DeletePolicyResponse()

    async def ValidateOutput(self, request: pb.ValidateOutputRequest,
                             context: grpc.aio.ServicerContext) -> pb.ValidateOutputResponse:
        tenant = names.parse_parent(request.parent)
        policy_id = convert.policy_id_of(tenant, request.policy)
        validation = await self._validations.validate(tenant, policy_id, request.content,
                                                      request.subject)
        return pb.ValidateOutputResponse(validation=convert.validation_to_proto(validation))

    async def GetValidation(self, request: pb.GetValidationRequest,
                            context: grpc.aio.ServicerContext) -> pb.GetValidationResponse:
        tenant, validation_id = names.parse_name(request.name, convert.VALIDATIONS)
        validation = await self._validations.get(tenant, validation_id)
        return pb.GetValidationResponse(validation=convert.validation_to_proto(validation))

    async def ListValidations(self, request: pb.ListValidationsRequest,
                              context: grpc.aio.ServicerContext) -> pb.ListValidationsResponse:
        tenant = names.parse_parent(request.parent)
        matching = convert.VALIDATION_FILTER.parse(request.filter, tenant)
        page = await self._validations.list(
            tenant, PageRequest.of(request.page_size, request.page_token), matching)
        return pb.ListValidationsResponse(
            validations=[convert.validation_to_proto(v) for v in page.items],
            next_page_token=page.next_page_token)
