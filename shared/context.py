"""Per-call context: who is calling, for which tenant, under which trace.

Set by the server interceptor from the caller's verified credential and the call's metadata,
read by domain code and logging through context variables, and carried on to the next hop by
the shared client: the caller's own access token, or a credential of the calling service
(:mod:`shared.rpc.credentials`).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

REQUEST_ID_HEADER = "x-request-id"
AUTHORIZATION_HEADER = "authorization"
SERVICE_PREFIX = "services/"  # the subjects of the mesh's own services


@dataclass(frozen=True)
class CallContext:
    """Identity and correlation of the call being served."""

    tenant: str = ""
    subject: str = ""
    scopes: frozenset[str] = frozenset()
    trace_id: str = ""
    request_id: str = ""
    method: str = ""
    # The caller's access token, to forward and to check for revocation; empty for a service
    # of the mesh. Never logged or shown.
    token: str = field(default="", repr=False)
    # For a service of the mesh acting for someone (a built-in agent), that principal.
    on_behalf_of: str = ""

    @property
    def is_service(self) -> bool:
        """Whether a service of the mesh is calling (with its service credential)."""
        return not self.token and self.subject.startswith(SERVICE_PREFIX)


_current: contextvars.ContextVar[CallContext] = contextvars.ContextVar(
    "cognos_call_context", default=CallContext()  # noqa: B039 - frozen, so never shared-mutated
)


def current() -> CallContext:
    """The context of the call being served (empty outside a call)."""
    return _current.get()


@contextmanager
def bind(ctx: CallContext) -> Iterator[CallContext]:
    """Make ``ctx`` current for the duration of the block."""
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def from_metadata(metadata: Iterable[tuple[str, str | bytes]] | None, method: str,
                  trace_id: str) -> CallContext:
    """The context of an incoming call before its caller is verified: no identity yet."""
    request_id = next((v for k, v in (metadata or ()) if k == REQUEST_ID_HEADER
                       and isinstance(v, str)), "")
    return CallContext(trace_id=trace_id, request_id=request_id, method=method)


def bearer_token(metadata: Iterable[tuple[str, str | bytes]] | None) -> str:
    """The credential an incoming call presents (``authorization: Bearer …``), or empty."""
    for key, value in metadata or ():
        if key == AUTHORIZATION_HEADER and isinstance(value, str):
            scheme, _, token = value.strip().partition(" ")
            return token.strip() if scheme.lower() == "bearer" else ""
    return ""


class CredentialSource(Protocol):
    """Mints the credentials of a service's own calls (:class:`shared.rpc.credentials.
    ServiceCredentials`)."""

    subject: str

    def mint(self, tenant: str, scopes: Iterable[str], on_behalf_of: str = "") -> str: ...


def outgoing_metadata(ctx: CallContext | None = None,
                      credentials: CredentialSource | None = None) -> list[tuple[str, str]]:
    """Metadata that carries identity on to the next hop: the caller's access token when the
    context has one, else a credential of this service acting as the context says."""
    ctx = ctx or current()
    pairs = [(REQUEST_ID_HEADER, ctx.request_id)]
    if ctx.token:
        pairs.append((AUTHORIZATION_HEADER, f"Bearer {ctx.token}"))
    elif credentials is not None:
        principal = ctx.on_behalf_of or ctx.subject
        pairs.append((AUTHORIZATION_HEADER, "Bearer " + credentials.mint(
            ctx.tenant, ctx.scopes, principal if principal != credentials.subject else "")))
    return [(k, v) for k, v in pairs if v]
