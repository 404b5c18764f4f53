"""Revocation of tokens the edge already verified.

Envoy checks a bearer token's signature, issuer and expiry locally, but cannot know that it was
revoked a moment ago. Each server therefore re-asks the auth service (``VerifyToken``) about the
tokens it sees, caching every answer for a short time so a busy caller costs one check per
interval: a revoked token stops working within that interval everywhere.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

from cognition.auth.v1 import auth_service_pb2, auth_service_pb2_grpc
from shared.client import ServiceClient
from shared.errors import CognitionError, Unauthenticated, Unavailable


@dataclass(frozen=True)
class _Answer:
    until: float
    error: CognitionError | None


class TokenCheck:
    """Asks auth whether forwarded tokens still stand, with a short per-token cache.

    Args:
        client: A client of the auth service.
        ttl: Seconds an answer is trusted.
        max_entries: Most tokens remembered at once (oldest forgotten first).
    """

    def __init__(self, client: ServiceClient[auth_service_pb2_grpc.AuthServiceStub],
                 ttl: float = 1.0, max_entries: int = 10_000) -> None:
        self._client = client
        self._ttl = ttl
        self._max_entries = max_entries
        self._answers: OrderedDict[str, _Answer] = OrderedDict()

    async def check(self, token: str) -> None:
        """Raise unless ``token`` is still valid.

        Raises:
            Unauthenticated: Auth says the token is revoked, expired or otherwise invalid.
            Unavailable: Auth cannot be asked (the call fails closed).
        """
        now = time.monotonic()
        answer = self._answers.get(token)
        if answer is None or answer.until <= now:
            answer = _Answer(now + self._ttl, await self._ask(token))
            self._answers[token] = answer
            self._answers.move_to_end(token)
            while len(self._answers) > self._max_entries:
                self._answers.popitem(last=False)
        if answer.error is not None:
            raise answer.error

    async def _ask(self, token: str) -> CognitionError | None:
        try:
            await self._client.call("VerifyToken",
                                    auth_service_pb2.VerifyTokenRequest(token=token))
        except Unauthenticated as error:
            return error
        except CognitionError as error:
            raise Unavailable("cannot check the token with the auth service",
                              reason="TOKEN_CHECK_UNAVAILABLE") from error
        return None

    async def close(self) -> None:
        await self._client.close()
