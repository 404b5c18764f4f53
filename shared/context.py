"""Per-call context: who is calling, for which tenant, under which trace.

Set by the server interceptor from gRPC metadata, read by domain code and logging through
context variables, and copied into outgoing metadata by the shared client.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

TENANT_HEADER = "x-cognos-tenant"
SUBJECT_HEADER = "x-cognos-subject"
SCOPES_HEADER = "x-cognos-scopes"
REQUEST_ID_HEADER = "x-request-id"
AUTHORIZATION_HEADER = "authorization"


@dataclass(frozen=True)
class CallContext:
    """Identity and correlation of the call being served."""

    tenant: str = ""
    subject: str = ""
    scopes: frozenset[str] = frozenset()
    trace_id: str = ""
    request_id: str = ""
    method: str = ""
    # The caller's bearer token, forwarded by the edge; never logged or shown.
    token: str = field(default="", repr=False)


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
    """Build a context from incoming invocation metadata."""
    values = {k: v for k, v in (metadata or ()) if isinstance(v, str)}
    return CallContext(
        tenant=values.get(TENANT_HEADER, ""),
        subject=values.get(SUBJECT_HEADER, ""),
        scopes=frozenset(values.get(SCOPES_HEADER, "").split()),
        trace_id=trace_id,
        request_id=values.get(REQUEST_ID_HEADER, ""),
        method=method,
        token=values.get(AUTHORIZATION_HEADER, "").removeprefix("Bearer ").strip(),
    )


def outgoing_metadata(ctx: CallContext | None = None) -> list[tuple[str, str]]:
    """Metadata that carries identity on to the next hop."""
    ctx = ctx or current()
    pairs = [(TENANT_HEADER, ctx.tenant), (SUBJECT_HEADER, ctx.subject),
             (SCOPES_HEADER, " ".join(sorted(ctx.scopes))), (REQUEST_ID_HEADER, ctx.request_id),
             (AUTHORIZATION_HEADER, f"Bearer {ctx.token}" if ctx.token else "")]
    return [(k, v) for k, v in pairs if v]
