"""Conversion between the quality gate's protobuf messages and its domain models."""

from __future__ import annotations

from collections.abc import Iterable

from cognition.quality.v1 import policy_pb2, validation_pb2
from cognition.quality.v1 import quality_service_pb2 as pb
from services.ai_quality_gate.core.models import (
    Policy,
    PolicyMode,
    Rule,
    RuleKind,
    Validation,
    Verdict,
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
                               subject=Text())


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
    )


def mode_from_proto(value: int) -> PolicyMode:
    """Proto mode to domain; UNSPECIFIED means ENFORCE."""
    return enum_from_proto(policy_pb2.PolicyMode, value, PolicyMode, PolicyMode.ENFORCE)


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
    )


def policy_changes(message: policy_pb2.Policy, paths: set[str]) -> dict[str, object]:
    """The domain field values an UpdatePolicy request sets, for the masked paths."""
    return masked_changes(paths, {
        "display_name": lambda: message.display_name,
        "rules": lambda: rules_from_proto(message.rules),
        "mode": lambda: mode_from_proto(message.mode),
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


def validation_to_proto(validation: Validation) -> validation_pb2.Validation:
    return validation_pb2.Validation(
        name=names.format_name(validation.tenant, VALIDATIONS, validation.id),
        policy=names.format_name(validation.tenant, COLLECTION, validation.policy),
        subject=validation.subject,
        verdict=enum_to_proto(validation_pb2.Verdict, validation.verdict),
        findings=[validation_pb2.Finding(
            rule_index=f.rule_index, message=f.message,
            severity=enum_to_proto(validation_pb2.Severity, f.severity))
            for f in validation.findings],
        score=validation.score,
        create_time=timestamp(validation.create_time),
        mode=enum_to_proto(policy_pb2.PolicyMode, validation.mode),
    )



POLICIES = StandardResource(pb, "Policy", "Policies", COLLECTION, to_proto=policy_to_proto,
                            from_proto=new_policy, changes=policy_changes, filter=POLICY_FILTER)
VALIDATION_RESOURCE = StandardResource(pb, "Validation", "Validations", VALIDATIONS,
                                       to_proto=validation_to_proto, filter=VALIDATION_FILTER)
