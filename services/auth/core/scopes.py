"""Scopes (``<resource>.<verb>``) and the scope set of each role.

A scope names one thing a token may do: ``goals.read``, ``tools.run``. Every scope of the mesh
is declared here, once; tokens carry the scopes of their principal (a user's roles, or an API
key's own list), narrowed to what the caller asked for.

The roles nest: viewer ⊂ developer ⊂ operator ⊂ admin. ``agent`` stands apart with exactly
what the agent pipeline needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from services.auth.core.models import Role

READ, WRITE, RUN, CANCEL, DISPATCH = "read", "write", "run", "cancel", "dispatch"

# Resource -> the verbs it has. Identity resources (users, API keys, tenants, signing keys)
# and the audit log are kept apart from the workload ones: only some roles see them.
WORKLOAD_RESOURCES: Mapping[str, tuple[str, ...]] = {
    "goals": (READ, WRITE, CANCEL),
    # tasks.dispatch: listing ready tasks to hand them to agents (the orchestrator's job).
    "tasks": (READ, WRITE, CANCEL, DISPATCH),
    "agents": (READ, WRITE),
    "memories": (READ, WRITE),
    "completions": (READ, WRITE),
    "prompts": (READ, WRITE),
    "experiments": (READ, WRITE),
    "policies": (READ, WRITE),
    "tools": (READ, WRITE, RUN),
    "workflows": (READ, WRITE, RUN, CANCEL),
    "explanations": (READ, WRITE),
    "traces": (READ, WRITE),
    "metrics": (READ,),
    "alerts": (READ, WRITE),
}
AUDIT_RESOURCES: Mapping[str, tuple[str, ...]] = {"audit": (READ, WRITE)}
IDENTITY_RESOURCES: Mapping[str, tuple[str, ...]] = {
    "users": (READ, WRITE),
    "apiKeys": (READ, WRITE),
    "tenants": (READ, WRITE),
    "keys": (READ, WRITE),
}
RESOURCES: Mapping[str, tuple[str, ...]] = {
    **WORKLOAD_RESOURCES, **AUDIT_RESOURCES, **IDENTITY_RESOURCES}


def scope(resource: str, verb: str) -> str:
    """``("goals", "read")`` -> ``goals.read``."""
    return f"{resource}.{verb}"


ALL_SCOPES: frozenset[str] = frozenset(
    scope(resource, verb) for resource, verbs in RESOURCES.items() for verb in verbs)


def _with(verb: str, resources: Iterable[str]) -> frozenset[str]:
    return frozenset(scope(r, verb) for r in resources if verb in RESOURCES[r])


_VIEWER = _with(READ, WORKLOAD_RESOURCES)
_DEVELOPER = _VIEWER | _with(WRITE, ("goals", "agents", "tools", "workflows", "memories",
                                     "prompts", "experiments", "policies"))
# Operators run and steer work: cancel anything cancellable, run tools and workflows, handle
# alerts and read the audit log.
_OPERATOR = (_DEVELOPER | _with(CANCEL, RESOURCES) | _with(RUN, RESOURCES)
             | {scope("alerts", WRITE), scope("audit", READ)})
_AGENT = frozenset({"goals.read", "tasks.write", "memories.read", "memories.write",
                    "completions.write", "tools.run", "audit.write"})

ROLE_SCOPES: Mapping[Role, frozenset[str]] = {
    Role.VIEWER: _VIEWER,
    Role.DEVELOPER: _DEVELOPER,
    Role.OPERATOR: _OPERATOR,
    Role.ADMIN: ALL_SCOPES,
    Role.AGENT: _AGENT,
}


def scopes_for_roles(roles: Iterable[Role | str]) -> frozenset[str]:
    """Every scope granted by ``roles`` (role members or their names, e.g. ``"VIEWER"``).

    Raises:
        ValueError: A name is not a role.
    """
    granted: frozenset[str] = frozenset()
    for role in roles:
        granted |= ROLE_SCOPES[Role(str(role).upper())]
    return granted


def unknown_scopes(scopes: Iterable[str]) -> list[tuple[int, str]]:
    """The (position, name) of every entry of ``scopes`` that is not a scope of the mesh."""
    return [(i, name) for i, name in enumerate(scopes) if name not in ALL_SCOPES]


def format_scope(scopes: Iterable[str]) -> str:
    """The ``scope`` claim: names sorted and space-separated (RFC 8693 style)."""
    return " ".join(sorted(set(scopes)))


def parse_scope(claim: str) -> frozenset[str]:
    """The scopes of a space-separated ``scope`` claim."""
    return frozenset(claim.split())
