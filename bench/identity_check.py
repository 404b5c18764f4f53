"""What a server's own check of its caller costs per call, in process.

Usage: python -m bench.identity_check [--calls 20000]

Every call's credential is verified by the server it reaches (shared/rpc/access.py): the access
token a user's call carries (EdDSA) or the credential a service signs its own calls with
(HS256), then the method's scope; an access token is also re-checked for revocation (an answer
cached for a second; here a stand-in that answers at once). A credential is remembered until it
expires, so a caller pays for one signature check, then a lookup per call. The baseline, in the
same run, is what every call pays anyway: reading the call's metadata into its context.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

import cognition.planner.v1.planner_service_pb2  # noqa: F401 - registers the planner contract
from shared.context import from_metadata
from shared.rpc.access import AccessPolicy
from shared.rpc.credentials import CallerVerifier, ServiceCredentials

GET_GOAL = "/cognition.planner.v1.PlannerService/GetGoal"
MESH_KEY = b"k" * 32
SIGNING = Ed25519PrivateKey.generate()


class Keys:
    async def get(self, kid: str) -> Ed25519PublicKey | None:
        return SIGNING.public_key() if kid == "k1" else None


class NotRevoked:
    async def check(self, token: str) -> None:
        return None


def access_token(jti: str) -> str:
    now = int(time.time())
    return jwt.encode({"iss": "cognitionos", "sub": "tenants/bench/users/ada", "tenant": "bench",
                       "scope": "goals.read", "iat": now, "nbf": now, "exp": now + 900,
                       "jti": jti}, SIGNING, algorithm="EdDSA", headers={"kid": "k1"})


async def timed(calls: int, step: Callable[[int], Awaitable[object]]) -> float:
    """Median microseconds of ``step(i)`` over ``calls`` calls."""
    samples = []
    for i in range(calls):
        started = time.perf_counter()
        await step(i)
        samples.append((time.perf_counter() - started) * 1e6)
    return statistics.median(samples)


async def run(calls: int) -> None:
    policy = AccessPolicy(CallerVerifier(MESH_KEY, Keys(), "cognitionos"),
                          NotRevoked())  # type: ignore[arg-type]
    token = access_token("warm")
    credential = ServiceCredentials("agent-orchestrator", MESH_KEY).mint("bench", ["goals.read"])
    fresh_tokens = [access_token(f"j{i}") for i in range(calls // 10)]
    fresh_credentials = [ServiceCredentials(f"s{i}", MESH_KEY).mint("bench", ["goals.read"])
                         for i in range(calls // 10)]
    metadata = [("authorization", f"Bearer {token}"), ("x-request-id", "r"),
                ("traceparent", "00-" + "a" * 32 + "-" + "b" * 16 + "-01")]

    async def baseline(_i: int) -> object:
        return from_metadata(metadata, GET_GOAL, "a" * 32)

    def checked(credential_of: Callable[[int], str]) -> Callable[[int], Awaitable[object]]:
        async def step(i: int) -> object:
            call = await policy.identify(GET_GOAL, from_metadata(metadata, GET_GOAL, "a" * 32),
                                         credential_of(i))
            await policy.admit(GET_GOAL, call)
            return call
        return step

    rows = {
        "metadata only (baseline)": await timed(calls, baseline),
        "access token, seen before": await timed(calls, checked(lambda i: token)),
        "service credential, seen before": await timed(calls, checked(lambda i: credential)),
        "access token, first sight (EdDSA)": await timed(
            len(fresh_tokens), checked(lambda i: fresh_tokens[i])),
        "service credential, first sight (HS256)": await timed(
            len(fresh_credentials), checked(lambda i: fresh_credentials[i])),
    }
    base = rows["metadata only (baseline)"]
    print(f"a server's check of its caller, median of {calls} calls (first sight: {calls // 10})")
    for name, median in rows.items():
        extra = "" if median is base else f"  +{median - base:.1f} us over the baseline"
        print(f"  {name:42s} {median:7.1f} us{extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    asyncio.run(run(parser.parse_args().calls))


if __name__ == "__main__":
    main()
