"""Agents: typed agent roles and the one pipeline every agent runs.

An agent type (``types/``) declares its role, its versioned prompt, its output message (a proto
in ``cognition.agents.v1``), its quality policy and its failure strategy. ``AgentPipeline`` runs
any of them the same way: gather memory context -> build the prompt -> call the model through
the AI runtime -> validate the output (its contract, then the quality gate) -> store the result
(the audit entry is written by the runtime of the service that stores it).
"""

from shared.agents.base import AgentFailure, AgentType, agent_type, known_roles, register
from shared.agents.pipeline import AgentPipeline

__all__ = ["AgentFailure", "AgentPipeline", "AgentType", "agent_type", "known_roles", "register"]
