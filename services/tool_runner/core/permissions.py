"""Who may run a tool: a user's token must hold the tool's required scopes; an agent (a
service of the mesh acting for one) must be of an agent type the tool allows."""

from __future__ import annotations

from services.tool_runner.core.models import Tool
from shared import context
from shared.errors import PermissionDenied


def check_may_run(tool: Tool, agent_type: str) -> None:
    """Refuse the call being served when its caller may not run ``tool``.

    Raises:
        PermissionDenied: A caller other than a service of the mesh named an agent type; the
            agent type is not one the tool allows; the caller lacks a required scope.
    """
    ctx = context.current()
    if agent_type and ctx.subject and not ctx.is_service:
        raise PermissionDenied("only a service of the mesh may run a tool for an agent type",
                               reason="AGENT_TYPE_NOT_ALLOWED")
    if agent_type and tool.agent_types and agent_type not in tool.agent_types:
        raise PermissionDenied(
            f"agent type {agent_type!r} may not call {tool.id!r} (allowed: "
            f"{', '.join(tool.agent_types)})", reason="TOOL_NOT_ALLOWED_FOR_AGENT",
            metadata={"tool": tool.id, "agent_type": agent_type})
    if not ctx.subject or ctx.is_service:
        return
    missing = sorted(set(tool.required_scopes) - ctx.scopes)
    if missing:
        raise PermissionDenied(f"running {tool.id!r} needs the scopes {', '.join(missing)}",
                               reason="SCOPES_NOT_HELD",
                               metadata={"tool": tool.id, "scopes": ",".join(missing)})
