"""Who may read, write and administer a namespace.

A namespace's grants name principals: a user or service (``tenants/t/users/u``), an agent type
(``role:executor``) or everyone of the tenant (``*``). Writers may also read; admins may do
all three. A namespace without any grant is open to every principal of its tenant. Whether the
caller holds the scope (``memories.read`` / ``memories.write``) is the RPC boundary's check;
this one is per namespace.
"""

from __future__ import annotations

import dataclasses
import enum

from services.memory.core.models import Namespace
from shared import context
from shared.errors import PermissionDenied

EVERYONE = "*"
ROLE_PREFIX = "role:"


class Grant(enum.IntEnum):
    """What a principal may do with a namespace; each grant includes the ones below it."""

    READ = 1
    WRITE = 2
    ADMIN = 3


@dataclasses.dataclass(frozen=True)
class Principals:
    """The identities a call acts as: the caller (or whom a service acts for) and, for an
    agent run by a service of the mesh, its agent type."""

    names: frozenset[str]
    # Work of the service itself, outside any call (start-up, jobs): not restricted.
    internal: bool = False

    @classmethod
    def of(cls, subject: str, on_behalf_of: str = "", agent: str = "") -> Principals:
        """The principals of a caller ``subject``; an agent's run is the agent type alone,
        so it reads only what the agent's grants allow."""
        if agent:
            return cls(frozenset({ROLE_PREFIX + agent}))
        return cls(frozenset({on_behalf_of or subject}))


def caller(agent: str = "", *, optional: bool = False) -> Principals:
    """The principals of the call being served; ``agent`` is the agent type a service of the
    mesh acts for. Anyone else naming an agent is refused, or, when ``optional`` (a memory's
    source agent, which is a label on a user's write), not taken as the agent.

    Raises:
        PermissionDenied: A caller other than a service of the mesh named an agent.
    """
    ctx = context.current()
    if not ctx.subject:
        return Principals(frozenset(), internal=True)
    if agent and not ctx.is_service:
        if not optional:
            raise PermissionDenied("only a service of the mesh may act as an agent",
                                   reason="AGENT_NOT_ALLOWED", metadata={"agent": agent})
        agent = ""
    return Principals.of(ctx.subject, ctx.on_behalf_of, agent)


def granted(namespace: Namespace, principals: Principals) -> Grant | None:
    """The strongest grant ``principals`` hold on ``namespace``, or None."""
    if principals.internal or not (namespace.readers or namespace.writers or namespace.admins):
        return Grant.ADMIN
    for grant, holders in ((Grant.ADMIN, namespace.admins), (Grant.WRITE, namespace.writers),
                           (Grant.READ, namespace.readers)):
        if EVERYONE in holders or principals.names.intersection(holders):
            return grant
    return None


def require(namespace: Namespace, principals: Principals, needed: Grant) -> None:
    """Raise unless ``principals`` hold ``needed`` on ``namespace``.

    Raises:
        PermissionDenied: They do not.
    """
    held = granted(namespace, principals)
    if held is None or held < needed:
        who = ", ".join(sorted(principals.names))
        raise PermissionDenied(
            f"{who} may not {needed.name.lower()} namespace {namespace.id!r}",
            reason="NAMESPACE_ACCESS_DENIED",
            metadata={"namespace": namespace.id, "grant": needed.name.lower()})
