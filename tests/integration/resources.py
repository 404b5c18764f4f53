"""One sample resource per service, and generic builders for its standard methods.

The same JSON body is used over REST (as the transcoder expects it) and, parsed into the
resource message, over gRPC.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from shared.mesh.registry import ServiceSpec, by_name


@dataclass(frozen=True)
class SampleResource:
    """The resource a service's round-trip tests create."""

    service: str
    kind: str  # message name, e.g. AuditEntry
    collection: str  # collection id in names and REST paths, e.g. auditEntries
    body: dict[str, Any]  # valid resource in proto JSON
    required_field: str  # a required field of the resource (proto name)
    # Narrows lists to what the tests made (a tenant's registry of tools holds the built-ins).
    list_filter: str = ""

    @property
    def spec(self) -> ServiceSpec:
        return by_name(self.service)

    @property
    def field(self) -> str:
        """Snake-case name of the resource field in requests (``audit_entry``)."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.kind).lower()

    @property
    def plural(self) -> str:
        """``AuditEntries`` for List method names."""
        return self.collection[0].upper() + self.collection[1:]

    @property
    def list_field(self) -> str:
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.collection).lower()

    def module(self, suffix: str = "_pb2") -> ModuleType:
        domain = self.spec.proto_package.split(".")[1]
        return importlib.import_module(f"{self.spec.proto_package}.{domain}_service{suffix}")

    def stub(self, channel: Any) -> Any:
        return getattr(self.module("_pb2_grpc"), f"{self.spec.grpc_service}Stub")(channel)

    def json_body(self, tenant: str) -> dict[str, Any]:
        """The sample body with ``{tenant}`` filled in."""
        return _fill(self.body, tenant)  # type: ignore[no-any-return]

    def resource_message(self, body: dict[str, Any]) -> Message:
        request_class = getattr(self.module(), f"Create{self.kind}Request")
        field = request_class.DESCRIPTOR.fields_by_name[self.field]
        return json_format.ParseDict(body, field.message_type._concrete_class())

    def same(self, first: Message | dict[str, Any], second: Message | dict[str, Any]) -> bool:
        """Whether two views of one resource agree on its name and on what was submitted.

        Output-only fields may move on in between (a goal is planned as soon as it exists).
        """
        views = [json_format.MessageToDict(v) if isinstance(v, Message) else v
                 for v in (first, second)]
        keys = ["name", *self.body]
        return all(views[0].get(k) == views[1].get(k) for k in keys)

    def create_request(self, tenant: str, body: dict[str, Any] | None = None) -> Message:
        request_class = getattr(self.module(), f"Create{self.kind}Request")
        resource = self.resource_message(self.json_body(tenant) if body is None else body)
        return request_class(parent=f"tenants/{tenant}", **{self.field: resource})

    def get_request(self, name: str) -> Message:
        return getattr(self.module(), f"Get{self.kind}Request")(name=name)

    def list_request(self, tenant: str, page_size: int = 0) -> Message:
        request = getattr(self.module(), f"List{self.plural}Request")(
            parent=f"tenants/{tenant}", page_size=page_size)
        if self.list_filter:
            request.filter = self.list_filter
        return request


SAMPLES: tuple[SampleResource, ...] = (
    SampleResource("auth", "User", "users",
                   {"displayName": "Ada Lovelace", "email": "ada@example.com",
                    "roles": ["ROLE_DEVELOPER"]}, "email"),
    SampleResource("task-planner", "Goal", "goals",
                   {"description": "Summarise the incident reports", "labels": {"team": "sre"}},
                   "description"),
    SampleResource("agent-orchestrator", "Agent", "agents",
                   {"displayName": "executor one", "role": "executor", "maxConcurrency": 4},
                   "display_name"),
    SampleResource("memory", "Memory", "memories",
                   {"namespace": "default", "content": "The deploy freeze starts on Friday.",
                    "kind": "MEMORY_KIND_SEMANTIC", "importance": 0.5}, "content"),
    SampleResource("ai-runtime", "Experiment", "experiments",
                   {"displayName": "terse prompts", "role": "executor",
                    "variants": [{"name": "a", "promptVersion": "executor/v1", "weight": 50},
                                 {"name": "b", "promptVersion": "executor/v2", "weight": 50}]},
                   "display_name"),
    SampleResource("ai-quality-gate", "Policy", "policies",
                   {"displayName": "short answers", "mode": "POLICY_MODE_ENFORCE",
                    "rules": [{"kind": "RULE_KIND_MAX_LENGTH", "config": "{\"max\": 2000}"}]},
                   "display_name"),
    SampleResource("tool-runner", "Tool", "tools",
                   {"displayName": "word count", "runtime": "TOOL_RUNTIME_PYTHON",
                    "entrypoint": "print(len(input().split()))"}, "entrypoint",
                   list_filter="runtime != TOOL_RUNTIME_BUILTIN"),
    SampleResource("workflow-engine", "Workflow", "workflows",
                   {"displayName": "nightly digest",
                    "definitionYaml": "steps:\n  - name: collect\n  - name: summarise\n"},
                   "definition_yaml"),
    SampleResource("audit-log", "AuditEntry", "auditEntries",
                   {"action": "planner.goal.create",
                    "resource": "tenants/{tenant}/goals/g1", "outcome": "OUTCOME_SUCCESS"},
                   "action"),
    SampleResource("explainability", "Explanation", "explanations",
                   {"subject": "tenants/{tenant}/goals/g1", "question": "why did it fail?"},
                   "subject"),
    SampleResource("observability", "AlertRule", "alertRules",
                   {"displayName": "error burst", "metric": "rpc_errors_total",
                    "comparison": "COMPARISON_GREATER_THAN", "threshold": 5,
                    "severity": "SEVERITY_WARNING"}, "metric"),
)


def every_scope() -> str:
    """All scopes any method of the contracts requires (what an admin's token carries)."""
    from shared.rpc.access import access_rule

    scopes = set()
    for item in SAMPLES:
        service = item.module().DESCRIPTOR.services_by_name[item.spec.grpc_service]
        for method in service.methods:
            rule = access_rule(f"/{service.full_name}/{method.name}")
            if rule is not None and rule.scope:
                scopes.add(rule.scope)
    return " ".join(sorted(scopes))


def _fill(value: Any, tenant: str) -> Any:
    if isinstance(value, str):
        return value.replace("{tenant}", tenant)
    if isinstance(value, dict):
        return {k: _fill(v, tenant) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, tenant) for v in value]
    return value


def sample(service: str) -> SampleResource:
    return next(s for s in SAMPLES if s.service == service)
