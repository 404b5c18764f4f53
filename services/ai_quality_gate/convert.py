"""Conversion between the quality gate's protobuf messages and its domain models."""

from __future__ import annotations

from collections.abc import Iterable

from cognition.quality.v1 import policy_pb2, validation_pb2
from cognition.quality.v1 import quality_service_pb2 as pb
from services.ai_quality_gate.core.models import (
    DEFAULT_MAX_REPAIR_ROUNDS,
    DEFAULT_PASS_SCORE,
    Action,
    Policy,
    PolicyMode,
    QualityMetrics,
    Rule,
    RuleKind,
    Submission,
    Validation,
    ValidationRequest,
    Verdict,
    Verification,
)
from shared.errors import InvalidArgument, NotFound
from shared.proto.fields import enum_from_proto, enum_to_proto, masked_changes, timestamp
from shared.resources import names
from shared.resources.filters import EnumValue, FilterSpec, ResourceName, Text
from shared.rpc.standard_methods import StandardResource

COLLECTION = "policies"
VALIDATIONS = "validations"

# The fields of the List filters, as their contracts document them.
POLICY_FILTER = FilterSpec(mode=EnumValue(policy_pb2.PolicyMode, PolicyMode))
VALIDATION_FILTER = FilterSpec(verdict=EnumValue(validation_pb2.Verdict, Verdict),
                               policy=ResourceName(COLLECTION),
                               subject=Text(),
                               action=EnumValue(policy_pb2.Action, Action),
                               agent_type=Text(),
                               prompt_version=Text())


def policy_to_proto(policy: Policy) -> policy_pb2.Policy:
    return policy_pb2.Policy(
        name=names.format_name(policy.tenant, COLLECTION, policy.id),
        display_name=policy.display_name,
        rules=[policy_pb2.Rule(kind=enum_to_proto(policy_pb2.RuleKind, rule.kind),
                               config=rule.config) for rule in policy.rules],
        mode=enum_to_proto(policy_pb2.PolicyMode, policy.mode),
        create_time=timestamp(policy.create_time),
        update_time=timestamp(policy.update_time),
        etag=policy.etag,
        agent_type=policy.agent_type,
        revision=policy.revision,
        on_failure=enum_to_proto(policy_pb2.Action, policy.on_failure),
        max_repair_rounds=policy.max_repair_rounds,
        pass_score=policy.pass_score,
    )


def mode_from_proto(value: int) -> PolicyMode:
    """Proto mode to domain; UNSPECIFIED means ENFORCE."""
    return enum_from_proto(policy_pb2.PolicyMode, value, PolicyMode, PolicyMode.ENFORCE)


def on_failure_from_proto(value: int) -> Action:
    """Proto on_failure to domain; UNSPECIFIED means REPAIR."""
    return enum_from_proto(policy_pb2.Action, value, Action, Action.REPAIR)


def max_repair_rounds_of(message: policy_pb2.Policy) -> int:
    """The policy's max_repair_rounds; unset means DEFAULT_MAX_REPAIR_ROUNDS."""
    if message.HasField("max_repair_rounds"):
        return message.max_repair_rounds
    return DEFAULT_MAX_REPAIR_ROUNDS


def pass_score_of(message: policy_pb2.Policy) -> float:
    """The policy's pass_score (a float32 on the wire, rounded back to the decimal sent);
    unset means DEFAULT_PASS_SCORE."""
    if message.HasField("pass_score"):
        return round(message.pass_score, 6)
    return DEFAULT_PASS_SCORE


def rules_from_proto(rules: Iterable[policy_pb2.Rule], field: str = "policy.rules") -> list[Rule]:
    """Proto rules to domain.

    Raises:
        InvalidArgument: A rule has no kind.
    """
    result = []
    for i, rule in enumerate(rules):
        if rule.kind == policy_pb2.RULE_KIND_UNSPECIFIED:
            raise InvalidArgument.for_field(f"{field}[{i}].kind", "must be set")
        kind = enum_from_proto(policy_pb2.RuleKind, rule.kind, RuleKind, RuleKind.JSON_SCHEMA)
        result.append(Rule(kind, rule.config))
    return result


def new_policy(tenant: str, policy_id: str, message: policy_pb2.Policy) -> Policy:
    """The domain policy to create from a CreatePolicy request's policy."""
    return Policy(
        tenant=tenant,
        id=policy_id,
        display_name=message.display_name,
        rules=rules_from_proto(message.rules),
        mode=mode_from_proto(message.mode),
        agent_type=message.agent_type,
        on_failure=on_failure_from_proto(message.on_failure),
        max_repair_rounds=max_repair_rounds_of(message),
        pass_score=pass_score_of(message),
    )


def policy_changes(message: policy_pb2.Policy, paths: set[str]) -> dict[str, object]:
    """The domain field values an UpdatePolicy request sets, for the masked paths."""
    return masked_changes(paths, {
        "display_name": lambda: message.display_name,
        "rules": lambda: rules_from_proto(message.rules),
        "mode": lambda: mode_from_proto(message.mode),
        "agent_type": lambda: message.agent_type,
        "on_failure": lambda: on_failure_from_proto(message.on_failure),
        "max_repair_rounds": lambda: max_repair_rounds_of(message),
        "pass_score": lambda: pass_score_of(message),
    })


def policy_id_of(tenant: str, name: str, field: str = "policy") -> str:
    """The id of policy ``name``, which must belong to ``tenant``.

    Raises:
        InvalidArgument: ``name`` is not a policy name.
        NotFound: The policy belongs to another tenant (reason POLICY_NOT_FOUND, as for a
            policy that does not exist).
    """
    parts = name.split("/")
    if len(parts) == 4 and parts[0] == "tenants" and parts[1] != tenant:
        raise NotFound(f"policy {name!r} not found", reason="POLICY_NOT_FOUND",
                       metadata={"id": parts[3]})
    return names.parse_name(name, COLLECTION, field)[1]


def validation_request(tenant: str, request: pb.ValidateOutputRequest) -> ValidationRequest:
    """The domain request of a ValidateOutput request (an empty policy: the one that applies).

    Raises:
        InvalidArgument: ``policy`` is not a policy name.
        NotFound: ``policy`` is another tenant's.
    """
    return ValidationRequest(
        submission=Submission(request.content, request.output_schema,
                              tuple(request.known_tools), tuple(request.tools_used)),
        policy=policy_id_of(tenant, request.policy) if request.policy else "",
        subject=request.subject,
        agent_type=request.agent_type,
        prompt_version=request.prompt_version,
        round=request.round,
        task_description=request.task_description,
    )


def verification_to_proto(verification: Verification | None) -> validation_pb2.Verification | None:
    if verification is None:
        return None
    return validation_pb2.Verification(
        role=verification.role, model=verification.model, agrees=verification.agrees,
        score=verification.score, reasons=list(verification.reasons),
        completion=verification.completion)


def validation_to_proto(validation: Validation) -> validation_pb2.Validation:
    return validation_pb2.Validation(
        name=names.format_name(validation.tenant, VALIDATIONS, validation.id),
        policy=(names.format_name(validation.tenant, COLLECTION, validation.policy)
                if validation.policy else ""),
        subject=validation.subject,
        verdict=enum_to_proto(validation_pb2.Verdict, validation.verdict),
        findings=[validation_pb2.Finding(
            rule_index=f.rule_index, message=f.message,
            severity=enum_to_proto(validation_pb2.Severity, f.severity),
            kind=enum_to_proto(policy_pb2.RuleKind, f.kind) if f.kind else None,
            category=f.category)
            for f in validation.findings],
        score=validation.score,
        create_time=timestamp(validation.create_time),
        mode=enum_to_proto(policy_pb2.PolicyMode, validation.mode),
        reasons=validation.reasons,
        redacted_content=validation.redacted_content,
        action=enum_to_proto(policy_pb2.Action, validation.action),
        feedback=validation.feedback,
        agent_type=validation.agent_type,
        prompt_version=validation.prompt_version,
        round=validation.round,
        policy_revision=validation.policy_revision,
        verification=verification_to_proto(validation.verification),
        content_quality=validation.content_quality,
    )


def metrics_to_proto(row: QualityMetrics) -> pb.QualityMetrics:
    return pb.QualityMetrics(
        agent_type=row.agent_type, prompt_version=row.prompt_version,
        validations=row.validations, passed=row.passed, mean_score=row.mean_score,
        repairs=row.repairs, escalations=row.escalations, rejections=row.rejections)


POLICIES = StandardResource(pb, "Policy", "Policies", COLLECTION, to_proto=policy_to_proto,
                            from_proto=new_policy, changes=policy_changes, filter=POLICY_FILTER)
VALIDATION_RESOURCE = StandardResource(pb, "Validation", "Validations", VALIDATIONS,
                                       to_proto=validation_to_proto, filter=VALIDATION_FILTER)
