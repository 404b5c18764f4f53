"""How promptly the ai-quality-gate answers health checks while its costliest validations run.

Usage: python -m bench.quality_gate_health [--rounds 3]

One real server in this process's run; grpc.health.v1 Check is probed every 20 ms, first with
nothing else running (the baseline), then while three validations (one more than the server's
evaluation workers) of the worst case run: an output at the size limit (a JSON array of
zeros: the costliest JSON to parse and a word for the score every two characters) against a
policy of the most patterns (one that backtracks for ever in Python's own engine among them),
a JSON schema, a minimum score and a required keyword. Target (hardening issue): every probe
answered within 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from cognition.quality.v1 import policy_pb2, validation_pb2
from cognition.quality.v1 import quality_service_pb2 as pb
from cognition.quality.v1 import quality_service_pb2_grpc as pb_grpc
from cognos.credentials import bearer_credentials
from services.ai_quality_gate.config import Settings
from services.ai_quality_gate.core.rules import MAX_PATTERNS
from services.ai_quality_gate.core.validations import MAX_CONTENT_BYTES
from services.ai_quality_gate.server import create_server
from shared.rpc.credentials import mesh_call_credential

CONCURRENT_VALIDATIONS = 3  # one more than the server's evaluation workers
PROBE_INTERVAL = 0.02
TARGET_MS = 100
# Exponential in Python's backtracking engine on "0,0,…": both branches match each "0,".
BACKTRACKS = r"(?:0,|0,)+x"


def worst_policy() -> policy_pb2.Policy:
    """The costliest policy a tenant may declare."""
    patterns = [BACKTRACKS, r"(\d+,\s*)+\]!",
                *(rf"0,{i}\d{{3}}z" for i in range(MAX_PATTERNS - 2))]
    schema = {"type": "array", "items": {"type": "integer", "maximum": 5}, "maxItems": 10}
    rules = [
        policy_pb2.Rule(kind=policy_pb2.RULE_KIND_FORBIDDEN_PATTERNS,
                        config=json.dumps({"patterns": patterns})),
        policy_pb2.Rule(kind=policy_pb2.RULE_KIND_JSON_SCHEMA, config=json.dumps(schema)),
        policy_pb2.Rule(kind=policy_pb2.RULE_KIND_MIN_SCORE, config='{"min": 0.9}'),
        policy_pb2.Rule(kind=policy_pb2.RULE_KIND_REQUIRED_KEYWORDS,
                        config='{"keywords": ["ZZZ"]}'),
    ]
    return policy_pb2.Policy(display_name="worst case", rules=rules)


def worst_output() -> str:
    """A JSON array of zeros just under the content limit."""
    return "[" + ",".join(["0"] * ((MAX_CONTENT_BYTES - 2) // 2)) + "]"


async def probe(health: Any, until: asyncio.Future[Any] | float) -> list[float]:
    """Seconds each health check took, probing until ``until`` is done (or a deadline)."""
    latencies = []
    while (not until.done()) if isinstance(until, asyncio.Future) else time.monotonic() < until:
        started = time.perf_counter()
        reply = await health.Check(health_pb2.HealthCheckRequest(), timeout=30)
        latencies.append(time.perf_counter() - started)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        await asyncio.sleep(PROBE_INTERVAL)
    return latencies


async def probe_during_worst_validations(stub: Any, health: Any
                                         ) -> tuple[list[float], list[validation_pb2.Validation]]:
    """Health latencies while CONCURRENT_VALIDATIONS worst-case validations run, and their
    results."""
    content = worst_output()

    async def validate() -> validation_pb2.Validation:
        policy = (await stub.CreatePolicy(pb.CreatePolicyRequest(
            parent="tenants/acme", policy=worst_policy()), timeout=60)).policy
        return (await stub.ValidateOutput(pb.ValidateOutputRequest(
            parent="tenants/acme", policy=policy.name, content=content), timeout=300)).validation

    work: asyncio.Future[list[validation_pb2.Validation]] = asyncio.gather(
        *(validate() for _ in range(CONCURRENT_VALIDATIONS)))
    latencies = await probe(health, work)
    return latencies, await work


async def warm_up(stub: Any) -> None:
    """What a process does on a method's first call (building validators) is not measured."""
    small = (await stub.CreatePolicy(pb.CreatePolicyRequest(
        parent="tenants/acme", policy=policy_pb2.Policy(display_name="warm-up")),
        timeout=60)).policy
    await stub.ValidateOutput(pb.ValidateOutputRequest(
        parent="tenants/acme", policy=small.name, content="hello"), timeout=60)


@contextlib.asynccontextmanager
async def serving_gate() -> AsyncIterator[tuple[Any, Any]]:
    """A gate server in this process, on a temporary data folder: its QualityService and
    health stubs, calling as a service of tenant ``acme``."""
    with tempfile.TemporaryDirectory() as var:
        settings = Settings(port=0, mesh={"data_dir": var})  # type: ignore[arg-type]
        running = await create_server(settings)
        credential = mesh_call_credential(settings.mesh.mesh_keys(), "bench",
                                          ["policies.write", "policies.read"], tenant="acme")

        async def bearer(_request: object) -> str:
            return credential

        try:
            async with grpc.aio.insecure_channel(
                    f"127.0.0.1:{running.port}", interceptors=bearer_credentials(bearer)) as ch:
                yield pb_grpc.QualityServiceStub(ch), health_pb2_grpc.HealthStub(ch)
        finally:
            await running.stop(0)


async def run(rounds: int) -> None:
    async with serving_gate() as (stub, health):
        await warm_up(stub)
        idle: list[float] = []
        busy: list[float] = []
        for _ in range(rounds):
            idle += await probe(health, time.monotonic() + 2)
            busy += (await probe_during_worst_validations(stub, health))[0]
    report(idle, busy)


def report(idle: list[float], busy: list[float]) -> None:
    def ms(values: list[float], p: float) -> float:
        return sorted(values)[min(len(values) - 1, int(p * len(values)))] * 1000

    worst = max(busy) * 1000
    print(f"grpc.health.v1 Check on the ai-quality-gate, {len(idle)} probes idle, "
          f"{len(busy)} during the worst validations")
    print(f"  p50 idle {statistics.median(idle) * 1000:.1f} ms | during "
          f"{statistics.median(busy) * 1000:.1f} ms")
    print(f"  p99 idle {ms(idle, 0.99):.1f} ms | during {ms(busy, 0.99):.1f} ms")
    print(f"  max during validation {worst:.1f} ms (target <= {TARGET_MS} ms) "
          f"{'PASS' if worst <= TARGET_MS else 'MISS'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(run(parser.parse_args().rounds))


if __name__ == "__main__":
    main()
