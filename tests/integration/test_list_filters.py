"""Every List whose request has a ``filter``, found in the contracts' descriptors (so a List
added later is covered too), through Envoy: a filter outside the grammar is INVALID_ARGUMENT
naming ``filter``, and a documented field really selects (the resource a filter keeps is
listed, the one it drops is not)."""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from buf.validate import validate_pb2
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message_factory import GetMessageClass

from cognition.audit.v1 import audit_entry_pb2
from cognition.audit.v1 import audit_service_pb2 as audit_pb
from cognition.audit.v1 import audit_service_pb2_grpc as audit_grpc
from cognition.auth.v1 import api_key_pb2, tenant_pb2, user_pb2
from cognition.auth.v1 import auth_service_pb2 as auth_pb
from cognition.auth.v1 import auth_service_pb2_grpc as auth_grpc
from cognition.explain.v1 import explain_service_pb2 as explain_pb
from cognition.explain.v1 import explain_service_pb2_grpc as explain_grpc
from cognition.explain.v1 import explanation_pb2
from cognition.memory.v1 import memory_pb2
from cognition.memory.v1 import memory_service_pb2 as memory_pb
from cognition.memory.v1 import memory_service_pb2_grpc as memory_grpc
from cognition.observability.v1 import alert_pb2, alert_rule_pb2
from cognition.observability.v1 import observability_service_pb2 as obs_pb
from cognition.observability.v1 import observability_service_pb2_grpc as obs_grpc
from cognition.orchestrator.v1 import agent_pb2
from cognition.orchestrator.v1 import orchestrator_service_pb2 as orch_pb
from cognition.orchestrator.v1 import orchestrator_service_pb2_grpc as orch_grpc
from cognition.planner.v1 import goal_pb2
from cognition.planner.v1 import planner_service_pb2 as planner_pb
from cognition.planner.v1 import planner_service_pb2_grpc as planner_grpc
from cognition.quality.v1 import policy_pb2
from cognition.quality.v1 import quality_service_pb2 as quality_pb
from cognition.quality.v1 import quality_service_pb2_grpc as quality_grpc
from cognition.runtime.v1 import experiment_pb2
from cognition.runtime.v1 import runtime_service_pb2 as runtime_pb
from cognition.runtime.v1 import runtime_service_pb2_grpc as runtime_grpc
from cognition.tools.v1 import tool_pb2
from cognition.tools.v1 import tools_service_pb2 as tools_pb
from cognition.tools.v1 import tools_service_pb2_grpc as tools_grpc
from cognition.workflow.v1 import workflow_pb2
from cognition.workflow.v1 import workflow_service_pb2 as workflow_pb
from cognition.workflow.v1 import workflow_service_pb2_grpc as workflow_grpc
from shared.errors import InvalidArgument
from shared.mesh.registry import SERVICES
from shared.rpc.status import from_rpc_error
from tests.helpers import assert_eventually
from tests.integration.conftest import Tokens

pytestmark = pytest.mark.timeout(240)

GARBAGE = ("no filter at all", 'state = "x" OR 1', "colour = RED", "state=", "AND AND")


def _filtered_lists() -> list[MethodDescriptor]:
    methods = []
    for spec in SERVICES:
        domain = spec.proto_package.split(".")[1]
        module = importlib.import_module(f"{spec.proto_package}.{domain}_service_pb2")
        service = module.DESCRIPTOR.services_by_name[spec.grpc_service]
        methods += [m for m in service.methods
                    if m.name.startswith("List") and "filter" in m.input_type.fields_by_name]
    return methods


FILTERED_LISTS = _filtered_lists()


def _path(method: MethodDescriptor) -> str:
    return f"{method.containing_service.name}/{method.name}"


def _parent(method: MethodDescriptor, tenant: str) -> dict[str, str]:
    """A ``parent`` of the form the contract's pattern asks for, in ``tenant``."""
    field = method.input_type.fields_by_name.get("parent")
    if field is None:
        return {}
    pattern = field.GetOptions().Extensions[validate_pb2.field].string.pattern
    parent = pattern.strip("^$").replace("[^/]+", tenant, 1).replace("[^/]+", "x")
    return {"parent": parent}


async def _list(channel: grpc.aio.Channel, tokens: Tokens, method: MethodDescriptor,
                tenant: str, filter_: str) -> Any:
    """The method's response to ``filter_`` (a large page), as an admin of ``tenant`` (the
    platform's for a List without a parent)."""
    request_class = GetMessageClass(method.input_type)
    call = channel.unary_unary(
        f"/{method.containing_service.full_name}/{method.name}",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=GetMessageClass(method.output_type).FromString)
    parent = _parent(method, tenant)
    request = request_class(page_size=1000, filter=filter_, **parent)
    metadata = await tokens.metadata(tenant if parent else "")
    return await call(request, metadata=metadata, timeout=30)


def _names(response: Any) -> set[str]:
    items = next(f for f in response.DESCRIPTOR.fields
                 if f.is_repeated and f.message_type is not None)
    return {item.name for item in getattr(response, items.name)}


async def _served(channel: grpc.aio.Channel, tokens: Tokens, method: MethodDescriptor,
                  tenant: str) -> bool:
    """Whether the method is served yet (the contract's methods not served answer
    UNIMPLEMENTED, whatever the request)."""
    try:
        await _list(channel, tokens, method, tenant, "")
    except grpc.aio.AioRpcError as error:
        if error.code() is grpc.StatusCode.UNIMPLEMENTED:
            return False
        raise
    return True


@pytest.mark.parametrize("method", FILTERED_LISTS, ids=_path)
async def test_a_filter_outside_the_grammar_is_invalid_argument_naming_filter(
        envoy_channel: grpc.aio.Channel, tokens: Tokens, tenant: str,
        method: MethodDescriptor) -> None:
    served = await _served(envoy_channel, tokens, method, tenant)
    for garbage in GARBAGE:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await _list(envoy_channel, tokens, method, tenant, garbage)
        if not served:
            assert refused.value.code() is grpc.StatusCode.UNIMPLEMENTED
            continue
        assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT, garbage
        error = from_rpc_error(refused.value)
        assert isinstance(error, InvalidArgument)
        assert [v.field for v in error.violations] == ["filter"], garbage


# Each served List: makes a resource in a fresh tenant and returns its name, a filter on a
# documented field that keeps it, and one on the same field that drops it.
Case = Callable[[grpc.aio.Channel, Tokens, str], Awaitable[tuple[str, str, str]]]
CASES: dict[str, Case] = {}


def case(path: str) -> Callable[[Case], Case]:
    def register(function: Case) -> Case:
        CASES[path] = function
        return function
    return register


@dataclass(frozen=True)
class FinishedGoal:
    """A goal of ``tenant`` the mesh ran to SUCCEEDED (with its assignments and completions)."""

    tenant: str
    name: str


async def _run_a_goal(channel: grpc.aio.Channel, tenant: str) -> str:
    planner = planner_grpc.PlannerServiceStub(channel)
    goal = (await planner.CreateGoal(planner_pb.CreateGoalRequest(
        parent=f"tenants/{tenant}", goal=goal_pb2.Goal(description="List two colours")),
        timeout=10)).goal

    async def succeeded() -> bool:
        now = (await planner.GetGoal(planner_pb.GetGoalRequest(name=goal.name),
                                     timeout=5)).goal
        assert now.state not in (goal_pb2.GOAL_STATE_FAILED, goal_pb2.GOAL_STATE_CANCELLED)
        return now.state == goal_pb2.GOAL_STATE_SUCCEEDED

    await assert_eventually(succeeded, timeout=120, interval=0.25,
                            message=f"{goal.name} succeeds")
    return goal.name


_finished: dict[str, FinishedGoal] = {}


async def finished_goal(channel: grpc.aio.Channel, tenant: str) -> FinishedGoal:
    """One goal run to the end for the whole module (its tenant is not the test's)."""
    if "goal" not in _finished:
        run_tenant = f"{tenant}-run"
        _finished["goal"] = FinishedGoal(run_tenant, await _run_a_goal(channel, run_tenant))
    return _finished["goal"]


@case("PlannerService/ListGoals")
async def _goals(channel: grpc.aio.Channel, tokens: Tokens, tenant: str) -> tuple[str, str, str]:
    goal = await finished_goal(channel, tenant)
    return goal.name, "state = GOAL_STATE_SUCCEEDED", "state = GOAL_STATE_RUNNING"


@case("OrchestratorService/ListAssignments")
async def _assignments(channel: grpc.aio.Channel, tokens: Tokens,
                       tenant: str) -> tuple[str, str, str]:
    goal = await finished_goal(channel, tenant)
    listed = await orch_grpc.OrchestratorServiceStub(channel).ListAssignments(
        orch_pb.ListAssignmentsRequest(parent=f"tenants/{goal.tenant}"), timeout=10)
    return (listed.assignments[0].name, "state = ASSIGNMENT_STATE_SUCCEEDED",
            "state = ASSIGNMENT_STATE_RUNNING")


@case("RuntimeService/ListCompletions")
async def _completions(channel: grpc.aio.Channel, tokens: Tokens,
                       tenant: str) -> tuple[str, str, str]:
    goal = await finished_goal(channel, tenant)
    listed = await runtime_grpc.RuntimeServiceStub(channel).ListCompletions(
        runtime_pb.ListCompletionsRequest(parent=f"tenants/{goal.tenant}"), timeout=10)
    first = listed.completions[0]
    return first.name, f'role = "{first.role}"', 'role = "no-such-role"'


@case("AuditService/ListAuditEntries")
async def _audit(channel: grpc.aio.Channel, tokens: Tokens, tenant: str) -> tuple[str, str, str]:
    created = await audit_grpc.AuditServiceStub(channel).CreateAuditEntry(
        audit_pb.CreateAuditEntryRequest(parent=f"tenants/{tenant}", audit_entry=(
            audit_entry_pb2.AuditEntry(action="tests.filter.kept",
                                       resource=f"tenants/{tenant}/goals/g1",
                                       outcome=audit_entry_pb2.OUTCOME_DENIED))), timeout=10)
    return (created.audit_entry.name,
            'action = "tests.filter.kept" AND outcome = OUTCOME_DENIED',
            "outcome = OUTCOME_SUCCESS")


@case("AuthService/ListUsers")
async def _users(channel: grpc.aio.Channel, tokens: Tokens, tenant: str) -> tuple[str, str, str]:
    created = await auth_grpc.AuthServiceStub(channel).CreateUser(auth_pb.CreateUserRequest(
        parent=f"tenants/{tenant}", user=user_pb2.User(
            display_name="Ada", email="ada@example.com", roles=[user_pb2.ROLE_VIEWER])),
        timeout=10)
    return created.user.name, "roles:ROLE_VIEWER", "roles:ROLE_ADMIN"


@case("AuthService/ListTenants")
async def _tenants(channel: grpc.aio.Channel, tokens: Tokens, tenant: str) -> tuple[str, str, str]:
    created = await auth_grpc.AuthServiceStub(channel).CreateTenant(auth_pb.CreateTenantRequest(
        tenant_id=f"{tenant}-new", tenant=tenant_pb2.Tenant(display_name="New")),
        metadata=await tokens.metadata(""), timeout=10)
    return created.tenant.name, "state = TENANT_STATE_ACTIVE", "state = TENANT_STATE_SUSPENDED"


@case("AuthService/ListApiKeys")
async def _api_keys(channel: grpc.aio.Channel, tokens: Tokens,
                    tenant: str) -> tuple[str, str, str]:
    auth = auth_grpc.AuthServiceStub(channel)
    created = await auth.CreateApiKey(auth_pb.CreateApiKeyRequest(
        parent=f"tenants/{tenant}", api_key=api_key_pb2.ApiKey(
            display_name="ci", scopes=["users.read"])), timeout=10)
    await auth.RevokeApiKey(auth_pb.RevokeApiKeyRequest(name=created.api_key.name), timeout=10)
    return created.api_key.name, "revoked = true", "revoked = false"


@case("ExplainService/ListExplanations")
async def _explanations(channel: grpc.aio.Channel, tokens: Tokens,
                        tenant: str) -> tuple[str, str, str]:
    subject = f"tenants/{tenant}/goals/g1"
    created = await explain_grpc.ExplainServiceStub(channel).CreateExplanation(
        explain_pb.CreateExplanationRequest(parent=f"tenants/{tenant}", explanation=(
            explanation_pb2.Explanation(subject=subject, question="why?"))), timeout=30)
    return (created.explanation.name, f'subject = "{subject}"',
            f'subject = "tenants/{tenant}/goals/g2"')


@case("MemoryService/ListMemories")
async def _memories(channel: grpc.aio.Channel, tokens: Tokens,
                    tenant: str) -> tuple[str, str, str]:
    created = await memory_grpc.MemoryServiceStub(channel).CreateMemory(
        memory_pb.CreateMemoryRequest(parent=f"tenants/{tenant}", memory=memory_pb2.Memory(
            namespace="default", content="The freeze starts on Friday.",
            kind=memory_pb2.MEMORY_KIND_SEMANTIC, metadata={"source": "chat"})), timeout=10)
    return (created.memory.name, 'kind = MEMORY_KIND_SEMANTIC AND metadata.source = "chat"',
            'namespace = "default" AND metadata.source != "chat"')


@case("ObservabilityService/ListAlertRules")
async def _alert_rules(channel: grpc.aio.Channel, tokens: Tokens,
                       tenant: str) -> tuple[str, str, str]:
    created = await obs_grpc.ObservabilityServiceStub(channel).CreateAlertRule(
        obs_pb.CreateAlertRuleRequest(parent=f"tenants/{tenant}", alert_rule=(
            alert_rule_pb2.AlertRule(display_name="errors", metric="rpc_errors_total",
                                     comparison=alert_rule_pb2.COMPARISON_GREATER_THAN,
                                     threshold=5, severity=alert_rule_pb2.SEVERITY_WARNING))),
        timeout=10)
    return (created.alert_rule.name, "severity = SEVERITY_WARNING",
            "severity = SEVERITY_CRITICAL")


@case("ObservabilityService/ListAlerts")
async def _alerts(channel: grpc.aio.Channel, tokens: Tokens, tenant: str) -> tuple[str, str, str]:
    created = await obs_grpc.ObservabilityServiceStub(channel).CreateAlert(
        obs_pb.CreateAlertRequest(parent=f"tenants/{tenant}", alert=alert_pb2.Alert(
            summary="disk full", severity=alert_rule_pb2.SEVERITY_WARNING,
            labels={"goal": "g1"})), timeout=10)
    return created.alert.name, 'labels.goal = "g1"', 'labels.goal = "g2"'


@case("OrchestratorService/ListAgents")
async def _agents(channel: grpc.aio.Channel, tokens: Tokens, tenant: str) -> tuple[str, str, str]:
    created = await orch_grpc.OrchestratorServiceStub(channel).CreateAgent(
        orch_pb.CreateAgentRequest(parent=f"tenants/{tenant}", agent=agent_pb2.Agent(
            display_name="one", role="executor", max_concurrency=1)), timeout=10)
    return created.agent.name, 'role = "executor"', 'role = "critic"'


@case("QualityService/ListPolicies")
async def _policies(channel: grpc.aio.Channel, tokens: Tokens,
                    tenant: str) -> tuple[str, str, str]:
    created = await quality_grpc.QualityServiceStub(channel).CreatePolicy(
        quality_pb.CreatePolicyRequest(parent=f"tenants/{tenant}", policy=policy_pb2.Policy(
            display_name="trial", mode=policy_pb2.POLICY_MODE_AUDIT)), timeout=30)
    return created.policy.name, "mode = POLICY_MODE_AUDIT", "mode = POLICY_MODE_ENFORCE"


@case("QualityService/ListValidations")
async def _validations(channel: grpc.aio.Channel, tokens: Tokens,
                       tenant: str) -> tuple[str, str, str]:
    quality = quality_grpc.QualityServiceStub(channel)
    rule = policy_pb2.Rule(kind=policy_pb2.RULE_KIND_FORBIDDEN_PATTERNS,
                           config=json.dumps({"patterns": [r"(?i)as an ai\b"]}))
    policy = (await quality.CreatePolicy(quality_pb.CreatePolicyRequest(
        parent=f"tenants/{tenant}", policy=policy_pb2.Policy(display_name="p", rules=[rule])),
        timeout=30)).policy
    validated = await quality.ValidateOutput(quality_pb.ValidateOutputRequest(
        parent=f"tenants/{tenant}", policy=policy.name, content="As an AI, no.",
        subject="s1"), timeout=30)
    return (validated.validation.name, f'verdict = VERDICT_FAIL AND policy = "{policy.name}"',
            "verdict = VERDICT_PASS")


@case("RuntimeService/ListExperiments")
async def _experiments(channel: grpc.aio.Channel, tokens: Tokens,
                       tenant: str) -> tuple[str, str, str]:
    variants = [experiment_pb2.Variant(name=name, prompt_version=f"executor/{name}", weight=50)
                for name in ("v1", "v2")]
    created = await runtime_grpc.RuntimeServiceStub(channel).CreateExperiment(
        runtime_pb.CreateExperimentRequest(parent=f"tenants/{tenant}", experiment=(
            experiment_pb2.Experiment(display_name="terse", role="executor",
                                      variants=variants))), timeout=10)
    return (created.experiment.name, "state = EXPERIMENT_STATE_RUNNING",
            "state = EXPERIMENT_STATE_STOPPED")


@case("ToolService/ListTools")
async def _tools(channel: grpc.aio.Channel, tokens: Tokens, tenant: str) -> tuple[str, str, str]:
    created = await tools_grpc.ToolServiceStub(channel).CreateTool(tools_pb.CreateToolRequest(
        parent=f"tenants/{tenant}", tool=tool_pb2.Tool(
            display_name="wc", runtime=tool_pb2.TOOL_RUNTIME_PYTHON,
            entrypoint="print(len(input().split()))")), timeout=10)
    return created.tool.name, "runtime = TOOL_RUNTIME_PYTHON", "runtime = TOOL_RUNTIME_SHELL"


@case("ToolService/ListToolRuns")
async def _tool_runs(channel: grpc.aio.Channel, tokens: Tokens,
                     tenant: str) -> tuple[str, str, str]:
    calculator = f"tenants/{tenant}/tools/calculator"
    run = (await tools_grpc.ToolServiceStub(channel).RunTool(tools_pb.RunToolRequest(
        name=calculator, input='{"expression": "6 * 7"}', wait=True), timeout=30)).tool_run
    return (run.name, f'tool = "{calculator}" AND state = TOOL_RUN_STATE_SUCCEEDED',
            "state = TOOL_RUN_STATE_FAILED")


@case("WorkflowService/ListWorkflows")
async def _workflows(channel: grpc.aio.Channel, tokens: Tokens,
                     tenant: str) -> tuple[str, str, str]:
    created = await workflow_grpc.WorkflowServiceStub(channel).CreateWorkflow(
        workflow_pb.CreateWorkflowRequest(parent=f"tenants/{tenant}", workflow=(
            workflow_pb2.Workflow(display_name="nightly",
                                  definition_yaml="steps:\n  - name: collect\n",
                                  state=workflow_pb2.WORKFLOW_STATE_DISABLED))), timeout=10)
    return (created.workflow.name, "state = WORKFLOW_STATE_DISABLED",
            "state = WORKFLOW_STATE_ACTIVE")


async def test_every_served_filtered_list_has_a_case_below(envoy_channel: grpc.aio.Channel,
                                                           tokens: Tokens, tenant: str) -> None:
    served = {_path(m) for m in FILTERED_LISTS
              if await _served(envoy_channel, tokens, m, tenant)}
    assert served == set(CASES)


@pytest.mark.parametrize("method", [m for m in FILTERED_LISTS if _path(m) in CASES],
                         ids=_path)
async def test_a_documented_field_really_filters(envoy_channel: grpc.aio.Channel,
                                                 tokens: Tokens, tenant: str,
                                                 method: MethodDescriptor) -> None:
    name, keeps, drops = await CASES[_path(method)](envoy_channel, tokens, tenant)
    list_tenant = re.match(r"tenants/([^/]+)/", name + "/")
    assert list_tenant is not None
    in_tenant = list_tenant.group(1) if _parent(method, "t") else tenant
    assert name in _names(await _list(envoy_channel, tokens, method, in_tenant, ""))
    assert name in _names(await _list(envoy_channel, tokens, method, in_tenant, keeps))
    assert name not in _names(await _list(envoy_channel, tokens, method, in_tenant, drops))
