"""Conversion between the orchestrator's protobuf messages and its domain models."""

from __future__ import annotations

from cognition.orchestrator.v1 import agent_pb2, assignment_pb2, execution_pb2
from cognition.orchestrator.v1 import orchestrator_service_pb2 as pb
from services.agent_orchestrator.core.agents import BUILTIN_PREFIX, is_builtin
from services.agent_orchestrator.core.models import (
    Agent,
    AgentState,
    Assignment,
    AssignmentState,
    AssignmentStrategy,
    Execution,
    FailureStrategy,
)
from shared.errors import InvalidArgument
from shared.proto.fields import enum_from_proto, enum_to_proto, masked_changes, timestamp
from shared.resources import names
from shared.resources.filters import EnumValue, FilterSpec, ResourceName, Text
from shared.rpc.standard_methods import StandardResource

COLLECTION = "agents"
ASSIGNMENTS = "assignments"
EXECUTIONS = "executions"

# The fields of the List filters, as their contracts document them.
AGENT_FILTER = FilterSpec(role=Text(), state=EnumValue(agent_pb2.AgentState, AgentState))
ASSIGNMENT_FILTER = FilterSpec(
    state=EnumValue(assignment_pb2.AssignmentState, AssignmentState),
    task=Text(),
    agent=ResourceName(COLLECTION))


def agent_to_proto(agent: Agent) -> agent_pb2.Agent:
    return agent_pb2.Agent(
        name=names.format_name(agent.tenant, COLLECTION, agent.id),
        display_name=agent.display_name,
        role=agent.role,
        capabilities=agent.capabilities,
        max_concurrency=agent.max_concurrency,
        assignment_strategy=enum_to_proto(agent_pb2.AssignmentStrategy,
                                          agent.assignment_strategy),
        failure_strategy=enum_to_proto(agent_pb2.FailureStrategy, agent.failure_strategy),
        state=enum_to_proto(agent_pb2.AgentState, agent.state),
        last_heartbeat_time=timestamp(agent.last_heartbeat_time),
        active_assignments=agent.active_assignments,
        create_time=timestamp(agent.create_time),
        update_time=timestamp(agent.update_time),
        etag=agent.etag,
    )


def assignment_strategy_from_proto(value: int) -> AssignmentStrategy:
    """Proto strategy to domain; UNSPECIFIED means ROUND_ROBIN."""
    return enum_from_proto(agent_pb2.AssignmentStrategy, value, AssignmentStrategy,
                           AssignmentStrategy.ROUND_ROBIN)


def failure_strategy_from_proto(value: int) -> FailureStrategy:
    """Proto strategy to domain; UNSPECIFIED means RETRY."""
    return enum_from_proto(agent_pb2.FailureStrategy, value, FailureStrategy,
                           FailureStrategy.RETRY)


def new_agent(tenant: str, agent_id: str, message: agent_pb2.Agent) -> Agent:
    """The domain agent to register from a CreateAgent request's agent."""
    return Agent(
        tenant=tenant,
        id=agent_id,
        display_name=message.display_name,
        role=message.role,
        capabilities=list(message.capabilities),
        max_concurrency=message.max_concurrency,
        assignment_strategy=assignment_strategy_from_proto(message.assignment_strategy),
        failure_strategy=failure_strategy_from_proto(message.failure_strategy),
        state=AgentState.HEALTHY,
    )


def agent_changes(message: agent_pb2.Agent, paths: set[str]) -> dict[str, object]:
    """The domain field values an UpdateAgent request sets, for the masked paths."""
    return masked_changes(paths, {
        "display_name": lambda: message.display_name,
        "role": lambda: message.role,
        "capabilities": lambda: list(message.capabilities),
        "max_concurrency": lambda: message.max_concurrency,
        "assignment_strategy": lambda: assignment_strategy_from_proto(message.assignment_strategy),
        "failure_strategy": lambda: failure_strategy_from_proto(message.failure_strategy),
    })


def assignment_to_proto(assignment: Assignment) -> assignment_pb2.Assignment:
    return assignment_pb2.Assignment(
        name=names.format_name(assignment.tenant, ASSIGNMENTS, assignment.id),
        task=assignment.task,
        agent=names.format_name(assignment.tenant, COLLECTION, assignment.agent),
        state=enum_to_proto(assignment_pb2.AssignmentState, assignment.state),
        attempt=assignment.attempt,
        create_time=timestamp(assignment.create_time),
        update_time=timestamp(assignment.update_time),
        goal=assignment.goal,
        next_attempt_time=timestamp(assignment.not_before
                                    if assignment.state is AssignmentState.PENDING else None),
        lease_expire_time=timestamp(assignment.lease_expire_time),
    )


def execution_to_proto(execution: Execution) -> execution_pb2.Execution:
    return execution_pb2.Execution(
        name=names.format_name(execution.tenant, EXECUTIONS, execution.id),
        task=execution.task,
        agent=names.format_name(execution.tenant, COLLECTION, execution.agent),
        assignment=names.format_name(execution.tenant, ASSIGNMENTS, execution.assignment),
        attempt=execution.attempt,
        state=enum_to_proto(execution_pb2.ExecutionState, execution.state),
        start_time=timestamp(execution.start_time),
        end_time=timestamp(execution.end_time),
        error=execution.error,
        output=execution.output,
    )


def agent_id_of(tenant: str, agent: str, field: str = "agent") -> str:
    """The id of an agent filter (``tenants/{tenant}/agents/{id}``); empty stays empty.

    Raises:
        InvalidArgument: The name is malformed or of another tenant than ``tenant``.
    """
    if not agent:
        return ""
    agent_tenant, agent_id = names.parse_name(agent, COLLECTION, field)
    if agent_tenant != tenant:
        raise InvalidArgument.for_field(field, "must be an agent of the parent tenant")
    return agent_id



def choose_agent_id(requested: str, field: str) -> str:
    """A new agent's id: the caller's (validated) or a new one; never a built-in's."""
    agent_id = names.choose_id(requested, field)
    if is_builtin(agent_id):
        raise InvalidArgument.for_field(field, f"the prefix {BUILTIN_PREFIX!r} is reserved for "
                                        "built-in agents")
    return agent_id


AGENTS = StandardResource(pb, "Agent", "Agents", COLLECTION, to_proto=agent_to_proto,
                          from_proto=new_agent, changes=agent_changes, filter=AGENT_FILTER,
                          choose_id=choose_agent_id)
ASSIGNMENT_RESOURCE = StandardResource(pb, "Assignment", "Assignments", ASSIGNMENTS,
                                       to_proto=assignment_to_proto)
EXECUTION_RESOURCE = StandardResource(pb, "Execution", "Executions", EXECUTIONS,
                                      to_proto=execution_to_proto)
