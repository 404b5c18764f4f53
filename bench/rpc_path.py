"""The RPC path's own cost: a Get of one resource through the whole stack of a service
against a bare grpc.aio unary call, client and server in this one process, the same run.

Usage: python -m bench.rpc_path [--calls 3000] [--seconds 6] [--rounds 3]

The stack is the task-planner as its process runs it (tracing, the boundary interceptor,
validation, the caller's credential and scope, SQLite, conversion; the garbage collector tuned
the same way) answering GetGoal to a caller with a service credential;
the baseline is a grpc.aio server whose GetGoal handler returns a fixed response (the same
Goal), no interceptors.
Both serve from this process's event loop, so the ratio is the stack's cost alone. Targets
(layout issue): at 32 streams at least 0.5x the bare throughput; p50 at most 2x the bare p50.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import tempfile
from typing import Any

import grpc

from bench.envoy_overhead import latencies, percentile, throughput
from cognition.planner.v1 import goal_pb2
from cognition.planner.v1 import planner_service_pb2 as pb
from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from services.task_planner.config import Settings
from services.task_planner.server import create_server
from shared.context import AUTHORIZATION_HEADER
from shared.mesh.keys import MeshKeys
from shared.rpc.credentials import mesh_call_credential
from shared.rpc.server import tune_garbage_collection

TENANT = "bench"


class BarePlanner(pb_grpc.PlannerServiceServicer):
    """GetGoal answered with one response held in memory: what grpc.aio costs with nothing
    else."""

    def __init__(self, goal: goal_pb2.Goal) -> None:
        self._response = pb.GetGoalResponse(goal=goal)

    async def GetGoal(self, request: pb.GetGoalRequest, context: Any) -> pb.GetGoalResponse:
        return self._response


async def bare_server(goal: goal_pb2.Goal) -> tuple[grpc.aio.Server, int]:
    server = grpc.aio.server()
    pb_grpc.add_PlannerServiceServicer_to_server(BarePlanner(goal), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, port


async def run(calls: int, seconds: float, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as var:
        mesh_secret = secrets.token_hex(32)
        settings = Settings(port=0, planning_interval_seconds=0,
                            mesh={"data_dir": var, "mesh_secret": mesh_secret})
        stack = await create_server(settings)
        tune_garbage_collection()  # as every service's process does once started
        credential = mesh_call_credential(MeshKeys.from_text(mesh_secret), "bench",
                                          ("goals.read", "goals.write"), tenant=TENANT)

        # Both paths' calls carry the credential as metadata, as the mesh's clients send it.
        metadata = [(AUTHORIZATION_HEADER, f"Bearer {credential}")]
        async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.port}") as stack_channel:
            full = pb_grpc.PlannerServiceStub(stack_channel)
            goal = (await full.CreateGoal(pb.CreateGoalRequest(
                parent=f"tenants/{TENANT}", goal=goal_pb2.Goal(description="bench")),
                metadata=metadata)).goal
            bare, bare_port = await bare_server(goal)
            request = pb.GetGoalRequest(name=goal.name)
            try:
                async with grpc.aio.insecure_channel(f"127.0.0.1:{bare_port}") as bare_channel:
                    stubs = {"bare": pb_grpc.PlannerServiceStub(bare_channel), "stack": full}
                    lat: dict[str, list[float]] = {name: [] for name in stubs}
                    rps: dict[str, list[float]] = {name: [] for name in stubs}
                    for stub in stubs.values():
                        await latencies(stub, request, 300, metadata)  # warm up
                    for _ in range(rounds):
                        for name, stub in stubs.items():
                            lat[name] += await latencies(stub, request, calls // rounds,
                                                         metadata)
                        for name, stub in stubs.items():
                            rps[name].append(await throughput(stub, request, seconds / rounds,
                                                              metadata=metadata))
            finally:
                await bare.stop(0)
        await stack.stop(0)
    report(lat, rps)


def report(lat: dict[str, list[float]], rps: dict[str, list[float]]) -> None:
    p50 = {k: statistics.median(v) for k, v in lat.items()}
    p99 = {k: percentile(v, 99) for k, v in lat.items()}
    total = {k: statistics.mean(v) for k, v in rps.items()}
    slower = p50["stack"] / p50["bare"]
    kept = total["stack"] / total["bare"]
    print(f"GetGoal, one process, {len(lat['bare'])} sequential calls per path")
    print(f"  p50 bare {p50['bare']:.3f} ms | full stack {p50['stack']:.3f} ms | "
          f"ratio {slower:.2f} (target <= 2.00) {'PASS' if slower <= 2 else 'MISS'}")
    print(f"  p99 bare {p99['bare']:.3f} ms | full stack {p99['stack']:.3f} ms")
    print(f"32 concurrent streams: bare {total['bare']:.0f} req/s | full stack "
          f"{total['stack']:.0f} req/s | ratio {kept:.2f} (target >= 0.50) "
          f"{'PASS' if kept >= 0.5 else 'MISS'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(run(args.calls, args.seconds, args.rounds))


if __name__ == "__main__":
    main()
