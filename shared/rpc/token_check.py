"""What servers ask the auth service about access tokens: its signing keys and revocations.

Each server verifies an access token's signature, issuer and expiry itself, with the public
keys auth publishes (:func:`auth_public_keys`), but cannot know that the token was revoked a
moment ago. It therefore re-asks auth (``VerifyToken``) about the tokens it sees, caching every
answer for a short time so a busy caller costs one check per interval: a revoked token stops
working within that interval everywhere.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections import OrderedDict
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from cognition.auth.v1 import auth_service_pb2
from shared.errors import CognitionError, Unauthenticated, Unavailable
from shared.mesh.client import ServiceClient
from shared.mesh.methods import Unary
from shared.rpc.credentials import JwksKeys

VERIFY_TOKEN = Unary.of(auth_service_pb2.VerifyTokenRequest, auth_service_pb2.VerifyTokenResponse)
GET_JWKS = Unary.of(auth_service_pb2.GetJwksRequest, auth_service_pb2.GetJwksResponse)


@dataclass(frozen=True)
class _Answer:
    until: float
    error: CognitionError | None


class TokenCheck:
    """Asks auth whether forwarded tokens still stand, with a short per-token cache.

    Args:
        client: A client of the auth service (None until :meth:`connect`: the auth service
            itself asks its own port, known once bound).
        ttl: Seconds an answer is trusted.
        max_entries: Most tokens remembered at once (oldest forgotten first).
    """

    def __init__(self, client: ServiceClient | None,
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

    def connect(self, client: ServiceClient) -> None:
        """Ask auth through ``client`` from now on."""
        self._client = client

    async def _ask(self, token: str) -> CognitionError | None:
        if self._client is None:
            raise Unavailable("cannot check the token yet", reason="TOKEN_CHECK_UNAVAILABLE")
        try:
            await self._client.call(VERIFY_TOKEN, auth_service_pb2.VerifyTokenRequest(token=token))
        except Unauthenticated as error:
            return error
        except CognitionError as error:
            raise Unavailable("cannot check the token with the auth service",
                              reason="TOKEN_CHECK_UNAVAILABLE") from error
        return None


def auth_public_keys(client: ServiceClient) -> JwksKeys:
    """Auth's token signing keys, fetched with ``GetJwks`` through ``client``."""

    async def fetch() -> dict[str, Ed25519PublicKey]:
        response = await client.call(GET_JWKS, auth_service_pb2.GetJwksRequest())
        keys = {}
        for jwk in response.keys:
            if jwk.kty != "OKP" or jwk.crv != "Ed25519":
                continue
            try:
                raw = base64.urlsafe_b64decode(jwk.x + "=" * (-len(jwk.x) % 4))
                keys[jwk.kid] = Ed25519PublicKey.from_public_bytes(raw)
            except (binascii.Error, ValueError):
                continue  # a key that is not one: it verifies nothing
        return keys

    return JwksKeys(fetch)
