"""Access rules declared in the contracts, enforced at every server's RPC boundary.

Each method of the contracts carries ``(cognition.options.v1.access)``: the scope a caller's
token must have (``goals.write``), or ``anonymous`` for the few methods that need no identity
(issuing tokens, publishing signing keys). The caller's identity and scopes arrive in metadata:
set by Envoy from a verified token at the edge, carried on by ``ServiceClient`` between services.
"""

from __future__ import annotations

import functools

from google.protobuf import descriptor_pool

from cognition.options.v1 import access_pb2
from shared.context import CallContext
from shared.errors import PermissionDenied, Unauthenticated
from shared.token_check import TokenCheck


@functools.lru_cache(maxsize=1024)
def access_rule(method: str) -> access_pb2.AccessRule | None:
    """The rule of ``/pkg.Service/Method`` (None for methods outside the contracts)."""
    service, _, name = method.lstrip("/").rpartition("/")
    try:
        descriptor = descriptor_pool.Default().FindServiceByName(service).methods_by_name[name]
    except KeyError:
        return None
    options = descriptor.GetOptions()
    if not options.HasExtension(access_pb2.access):  # type: ignore[arg-type]
        return None
    rule: access_pb2.AccessRule = options.Extensions[access_pb2.access]  # type: ignore[index]
    return rule


class AccessPolicy:
    """Decides whether a call may proceed.

    Args:
        identity_required: Refuse calls that carry no identity (UNAUTHENTICATED). When False,
            such calls are trusted as internal; calls that do carry an identity are always
            held to their method's scope.
        tokens: Re-checks forwarded bearer tokens for revocation (None: not checked).
    """

    def __init__(self, identity_required: bool, tokens: TokenCheck | None = None) -> None:
        self.identity_required = identity_required
        self._tokens = tokens

    async def admit(self, method: str, ctx: CallContext) -> None:
        """:meth:`check`, then make sure a forwarded token has not been revoked since.

        Raises:
            Unauthenticated: No identity where one is required, or a revoked token.
            PermissionDenied: The caller's scopes lack the method's scope.
        """
        rule = self.check(method, ctx)
        if self._tokens is not None and ctx.token and rule is not None and not rule.anonymous:
            await self._tokens.check(ctx.token)

    def check(self, method: str, ctx: CallContext) -> access_pb2.AccessRule | None:
        """Raise unless the caller of ``method`` may call it; returns the method's rule.

        Raises:
            Unauthenticated: No identity where one is required.
            PermissionDenied: The caller's scopes lack the method's scope.
        """
        rule = access_rule(method)
        if rule is None or rule.anonymous:
            return rule
        if not ctx.subject:
            if self.identity_required:
                raise Unauthenticated(f"{method} needs a token", reason="IDENTITY_MISSING")
            return rule
        if rule.scope and rule.scope not in ctx.scopes:
            raise PermissionDenied(f"this needs the scope {rule.scope}", reason="SCOPE_MISSING",
                                   metadata={"scope": rule.scope})
        return rule
