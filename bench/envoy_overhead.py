"""Envoy's cost on a unary RPC: latency (p50, p99) and throughput at 32 concurrent streams,
through Envoy vs straight to the service, measured in the same run.

Usage: python -m bench.envoy_overhead [--calls 2000] [--seconds 5]

Both paths carry a service credential, which the planner verifies once and then remembers.
Targets (foundation issue): Envoy adds at most 0.5 ms at p50, and keeps at least 80% of the
direct throughput at 32 concurrent streams. Client, Envoy and server share this machine's
cores, so the direct run is the baseline and rounds alternate to spread the noise.
"""

from __future__ import annotations

import argparse
import asyncio
import pathlib
import secrets
import statistics
import tempfile
import time
from collections.abc import Sequence

import grpc

from cognition.planner.v1 import goal_pb2
from cognition.planner.v1 import planner_service_pb2 as pb
from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from cognos.credentials import bearer_credentials
from cognos.mesh.supervisor import Mesh, MeshLayout
from shared.mesh.keys import MeshKeys
from shared.mesh.registry import by_name
from shared.rpc.credentials import mesh_call_credential

PLANNER = by_name("task-planner")


Metadata = Sequence[tuple[str, str]] | None


async def latencies(stub: pb_grpc.PlannerServiceStub, request: pb.GetGoalRequest,
                    calls: int, metadata: Metadata = None) -> list[float]:
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        await stub.GetGoal(request, timeout=5, metadata=metadata)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def throughput(stub: pb_grpc.PlannerServiceStub, request: pb.GetGoalRequest,
                     seconds: float, streams: int = 32, metadata: Metadata = None) -> float:
    done = 0
    stop_at = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < stop_at:
            await stub.GetGoal(request, timeout=5, metadata=metadata)
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(streams)))
    return done / (time.perf_counter() - started)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1]


async def run(calls: int, seconds: float, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as var:
        mesh_secret = secrets.token_hex(32)
        mesh = Mesh(MeshLayout.ephemeral(pathlib.Path(var), services=(PLANNER,),
                                         env={"COGNOS_MESH_SECRET": mesh_secret}))
        await mesh.start()
        direct_address = mesh.replicas_of(PLANNER.name)[0].address
        credential = mesh_call_credential(MeshKeys.from_text(mesh_secret), "bench",
                                          ("goals.read", "goals.write"), tenant="bench")

        async def as_service(_request: object) -> str:
            return credential

        signed = bearer_credentials(as_service)
        try:
            async with grpc.aio.insecure_channel(direct_address,
                                                 interceptors=signed) as direct_channel, \
                    grpc.aio.insecure_channel(mesh.envoy_address,
                                              interceptors=signed) as envoy_channel:
                direct = pb_grpc.PlannerServiceStub(direct_channel)
                envoy = pb_grpc.PlannerServiceStub(envoy_channel)
                goal = (await direct.CreateGoal(pb.CreateGoalRequest(
                    parent="tenants/bench", goal=goal_pb2.Goal(description="bench")))).goal
                request = pb.GetGoalRequest(name=goal.name)
                await latencies(direct, request, 200)  # warm up both paths
                await latencies(envoy, request, 200)
                lat = {"direct": [], "envoy": []}  # type: dict[str, list[float]]
                rps = {"direct": [], "envoy": []}  # type: dict[str, list[float]]
                for _ in range(rounds):
                    for name, stub in (("direct", direct), ("envoy", envoy)):
                        lat[name] += await latencies(stub, request, calls // rounds)
                    for name, stub in (("direct", direct), ("envoy", envoy)):
                        rps[name].append(await throughput(stub, request, seconds / rounds))
        finally:
            await mesh.stop()
    report(lat, rps)


def report(lat: dict[str, list[float]], rps: dict[str, list[float]]) -> None:
    p50 = {k: statistics.median(v) for k, v in lat.items()}
    p99 = {k: percentile(v, 99) for k, v in lat.items()}
    total = {k: sum(v) / len(v) for k, v in rps.items()}
    added = p50["envoy"] - p50["direct"]
    kept = total["envoy"] / total["direct"]
    print(f"unary GetGoal, {len(lat['direct'])} sequential calls per path")
    print(f"  p50 direct {p50['direct']:.3f} ms | via envoy {p50['envoy']:.3f} ms | "
          f"added {added:+.3f} ms (target <= 0.500) {'PASS' if added <= 0.5 else 'MISS'}")
    print(f"  p99 direct {p99['direct']:.3f} ms | via envoy {p99['envoy']:.3f} ms")
    print(f"32 concurrent streams: direct {total['direct']:.0f} req/s | via envoy "
          f"{total['envoy']:.0f} req/s | ratio {kept:.2f} (target >= 0.80) "
          f"{'PASS' if kept >= 0.8 else 'MISS'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(run(args.calls, args.seconds, args.rounds))


if __name__ == "__main__":
    main()
