"""Access rules declared in the contracts, enforced at every server's RPC boundary.

Each method of the contracts carries ``(cognition.options.v1.access)``: the scope a caller's
credential must grant (``goals.write``), or ``anonymous`` for the few methods that need no
identity (issuing tokens, publishing signing keys). Every other call must present a credential
the server verifies itself (:mod:`shared.rpc.credentials`), whether it came through Envoy, from
another service, or straight to the port: a call with none is UNAUTHENTICATED.
"""

from __future__ import annotations

import dataclasses
import functools

from google.protobuf import descriptor_pool

from cognition.options.v1 import access_pb2
from shared.context import CallContext
from shared.errors import PermissionDenied, Unauthenticated
from shared.rpc.credentials import CallerVerifier
from shared.rpc.token_check import TokenCheck


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
    """Decides who is calling and whether they may.

    Args:
        verifier: Verifies credentials.
        tokens: Re-checks access tokens for revocation (None: not checked).
    """

    def __init__(self, verifier: CallerVerifier, tokens: TokenCheck | None = None) -> None:
        self._verifier = verifier
        self._tokens = tokens

    async def identify(self, method: str, call: CallContext, credential: str) -> CallContext:
        """``call`` with the identity ``credential`` proves (unchanged for an anonymous method,
        which proves identity through its request, if at all).

        Raises:
            Unauthenticated: No credential, or one that does not verify.
            Unavailable: The credential cannot be checked now (auth's keys unreachable).
        """
        rule = access_rule(method)
        if rule is not None and rule.anonymous:
            return call
        if not credential:
            raise Unauthenticated(f"{method} needs a credential: a bearer token",
                                  reason="CREDENTIAL_MISSING")
        caller = await self._verifier.verify(credential)
        return dataclasses.replace(call, tenant=caller.tenant, subject=caller.subject,
                                   scopes=caller.scopes, token=caller.token,
                                   on_behalf_of=caller.on_behalf_of)

    async def admit(self, method: str, ctx: CallContext) -> None:
        """:meth:`check`, then make sure an access token has not been revoked since.

        Raises:
            PermissionDenied: The caller's scopes lack the method's scope.
            Unauthenticated: A revoked token.
        """
        rule = self.check(method, ctx)
        if self._tokens is not None and ctx.token and rule is not None and not rule.anonymous:
            await self._tokens.check(ctx.token)

    @staticmethod
    def check(method: str, ctx: CallContext) -> access_pb2.AccessRule | None:
        """Raise unless the identified caller of ``method`` holds its scope; returns the rule.

        Raises:
            PermissionDenied: The caller's scopes lack the method's scope.
        """
        rule = access_rule(method)
        if rule is None or rule.anonymous:
            return rule
        if rule.scope and rule.scope not in ctx.scopes:
            raise PermissionDenied(f"this needs the scope {rule.scope}", reason="SCOPE_MISSING",
                                   metadata={"scope": rule.scope})
        return rule
