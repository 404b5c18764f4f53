"""Conversion between the orchestrator's protobuf messages and its domain models."""

from __future__ import annotations

from cognition.orchestrator.v1 import agent_pb2
from services.agent_orchestrator.core.models import (
    Agent,
    AgentState,
    AssignmentStrategy,
    FailureStrategy,
)
from shared import names
from shared.protos import enum_from_proto, enum_to_proto, timestamp

COLLECTION = "agents"


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
    values: dict[str, object] = {
        "display_name": message.display_name,
        "role": message.role,
        "capabilities": list(message.capabilities),
        "max_concurrency": message.max_concurrency,
        "assignment_strategy": assignment_strategy_from_proto(message.assignment_strategy),
        "failure_strategy": failure_strategy_from_proto(message.failure_strategy),
    }
    return {path: values[path] for path in paths}
