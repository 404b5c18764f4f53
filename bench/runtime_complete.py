"""What a recorded completion costs on the ai-runtime, against a trivial read in the same run.

Usage: python -m bench.runtime_complete [--calls 300] [--latency-ms 0]

One in-process ai-runtime (embedded profile, offline provider with the simulated latency
COGNOS_AI_RUNTIME_OFFLINE_LATENCY_MS would set) serves, alternately: ListPromptVersions (the
baseline: no database write, no provider), Complete (prompt rendering, budget check, the
offline provider, the completion and its charge in one transaction) and StreamComplete. It
prints p50/p95 of each and their ratios to the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import pathlib
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable

import grpc

from cognition.runtime.v1 import completion_pb2
from cognition.runtime.v1 import runtime_service_pb2 as pb
from cognition.runtime.v1 import runtime_service_pb2_grpc as pb_grpc
from cognos.credentials import bearer_credentials
from services.ai_runtime.config import Settings
from services.ai_runtime.server import create_server
from shared.rpc.credentials import mesh_call_credential

GOAL = "Compare PostgreSQL, SQLite and DuckDB for analytics workloads"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def timed(call: Callable[[], Awaitable[object]], calls: int) -> list[float]:
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def run(calls: int, latency_ms: int) -> None:
    with tempfile.TemporaryDirectory() as var:
        settings = Settings(port=0, mesh={"data_dir": str(pathlib.Path(var))},  # type: ignore[arg-type]
                            offline_latency_ms=latency_ms)
        running = await create_server(settings)
        credential = mesh_call_credential(settings.mesh.mesh_keys(), "bench",
                                          ["completions.write", "prompts.read"])

        async def bearer(_request: object) -> str:
            return credential

        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{running.port}",
                                             interceptors=bearer_credentials(bearer)) as channel:
                stub = pb_grpc.RuntimeServiceStub(channel)
                message = completion_pb2.Message(role=completion_pb2.MESSAGE_ROLE_USER,
                                                 content=GOAL)

                async def baseline() -> object:
                    return await stub.ListPromptVersions(
                        pb.ListPromptVersionsRequest(role="planner"), timeout=10)

                async def complete() -> object:
                    return await stub.Complete(pb.CompleteRequest(
                        parent="tenants/bench", role="planner", messages=[message]), timeout=10)

                async def stream() -> object:
                    return [c async for c in stub.StreamComplete(pb.StreamCompleteRequest(
                        parent="tenants/bench", role="planner", messages=[message]),
                        timeout=10)]

                cases = {"ListPromptVersions (baseline)": baseline, "Complete": complete,
                         "StreamComplete": stream}
                for call in cases.values():  # warm up
                    await timed(call, 5)
                samples: dict[str, list[float]] = {name: [] for name in cases}
                for _ in range(5):  # alternate rounds so drift hits every case alike
                    for name, call in cases.items():
                        samples[name] += await timed(call, max(1, calls // 5))
        finally:
            await running.stop(0)
    base = statistics.median(samples["ListPromptVersions (baseline)"])
    print(f"offline latency {latency_ms} ms, {calls} calls per case")
    for name, values in samples.items():
        p50 = statistics.median(values)
        print(f"{name:32s} p50 {p50:7.2f} ms  p95 {percentile(values, 0.95):7.2f} ms  "
              f"x{p50 / base:5.1f} baseline")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--latency-ms", type=int, default=0)
    args = parser.parse_args()
    asyncio.run(run(args.calls, args.latency_ms))


if __name__ == "__main__":
    main()
