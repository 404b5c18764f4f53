"""The real ai-quality-gate answers grpc.health.v1 within 100 ms while the costliest
validations run: an output at the size limit, a policy of the most patterns (one that
backtracks for ever in Python's engine among them), a JSON schema and a score to compute."""

from __future__ import annotations

import asyncio
import json
import pathlib
import time

from grpc_health.v1 import health_pb2, health_pb2_grpc

from cognition.quality.v1 import policy_pb2, validation_pb2
from cognition.quality.v1 import quality_service_pb2 as pb
from cognition.quality.v1 import quality_service_pb2_grpc as pb_grpc
from services.ai_quality_gate.config import Settings
from services.ai_quality_gate.core.rules import MAX_PATTERNS
from services.ai_quality_gate.core.validations import MAX_CONTENT_BYTES
from services.ai_quality_gate.server import create_server
from tests.helpers import mesh_channel

PROBE_LIMIT = 0.1  # seconds
CONCURRENT_VALIDATIONS = 3  # one more than the server's evaluation workers

# Exponential in Python's backtracking engine on "0,0,…": both branches match each "0,".
BACKTRACKS = r"(?:0,|0,)+x"


def worst_policy() -> policy_pb2.Policy:
    patterns = [BACKTRACKS, r"(\d+,\s*)+\]!", *(rf"0,{i}\d{{3}}z" for i in range(
        MAX_PATTERNS - 2))]
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
    """A JSON array of zeros just under the content limit: the costliest JSON to parse and a
    word for the score every two characters."""
    count = (MAX_CONTENT_BYTES - 2) // 2
    return "[" + ",".join(["0"] * count) + "]"


async def test_health_answers_within_100_ms_while_the_costliest_validations_run(
        tmp_path: pathlib.Path) -> None:
    running = await create_server(Settings(port=0, mesh={"data_dir": str(tmp_path)}))
    try:
        async with mesh_channel(f"127.0.0.1:{running.port}") as channel:
            stub = pb_grpc.QualityServiceStub(channel)
            health = health_pb2_grpc.HealthStub(channel)
            # Once, before the probes: what a process does on its first call of a method
            # (building the request validators) is not what is measured here.
            small = (await stub.CreatePolicy(pb.CreatePolicyRequest(
                parent="tenants/acme", policy=policy_pb2.Policy(display_name="warm-up")),
                timeout=60)).policy
            await stub.ValidateOutput(pb.ValidateOutputRequest(
                parent="tenants/acme", policy=small.name, content="hello"), timeout=60)
            content = worst_output()
            assert len(content.encode()) <= MAX_CONTENT_BYTES

            async def validate() -> validation_pb2.Validation:
                policy = (await stub.CreatePolicy(pb.CreatePolicyRequest(
                    parent="tenants/acme", policy=worst_policy()), timeout=60)).policy
                return (await stub.ValidateOutput(pb.ValidateOutputRequest(
                    parent="tenants/acme", policy=policy.name, content=content),
                    timeout=120)).validation

            work = asyncio.gather(*(validate() for _ in range(CONCURRENT_VALIDATIONS)))
            latencies: list[float] = []
            while not work.done() and max(latencies, default=0) <= PROBE_LIMIT:
                start = time.perf_counter()
                reply = await health.Check(health_pb2.HealthCheckRequest(), timeout=10)
                latencies.append(time.perf_counter() - start)
                assert reply.status == health_pb2.HealthCheckResponse.SERVING
                await asyncio.sleep(0.02)
            if not work.done():
                work.cancel()
            assert max(latencies) <= PROBE_LIMIT, (
                f"a health check took {max(latencies) * 1000:.0f} ms during validation")
            validations = await work
            assert len(latencies) >= 10  # the probes overlapped the validations
    finally:
        await running.stop(0)

    for validation in validations:
        assert validation.verdict == validation_pb2.VERDICT_FAIL
        failed_rules = {f.rule_index for f in validation.findings}
        assert failed_rules == {1, 2, 3}  # no forbidden pattern matches; the rest fail
