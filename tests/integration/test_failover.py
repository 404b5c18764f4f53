"""Failure handling of the mesh with real processes: a replica killed during calls, Envoy's
retries onto the other replica, ejection of the dead host and its return after recovery."""

from __future__ import annotations

import asyncio
import pathlib
import signal
import urllib.request
from collections.abc import AsyncIterator

import pytest

from cognition.planner.v1 import goal_pb2
from cognition.planner.v1 import planner_service_pb2 as pb
from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from cognos.mesh.supervisor import Mesh, MeshLayout
from shared.mesh.registry import by_name
from tests.helpers import assert_eventually, mesh_channel

PLANNER = by_name("task-planner")


@pytest.fixture
async def two_replicas(tmp_path: pathlib.Path) -> AsyncIterator[Mesh]:
    mesh = Mesh(MeshLayout.ephemeral(tmp_path, services=(PLANNER,),
                                     replicas={PLANNER.name: 2}))
    await mesh.start(timeout=60)
    yield mesh
    await mesh.stop(grace=2)


def _host_stats(mesh: Mesh) -> dict[str, dict[str, str]]:
    """Per-host stats of the planner cluster from Envoy's admin /clusters."""
    text = urllib.request.urlopen(f"{mesh.envoy_admin}/clusters", timeout=5).read().decode()
    hosts: dict[str, dict[str, str]] = {}
    for line in text.splitlines():
        parts = line.split("::")
        if len(parts) == 4 and parts[0] == PLANNER.name:
            hosts.setdefault(parts[1], {})[parts[2]] = parts[3]
    return hosts


def _cluster_stat(mesh: Mesh, name: str) -> int:
    url = f"{mesh.envoy_admin}/stats?filter=^cluster.{PLANNER.name}.{name}$"
    text = urllib.request.urlopen(url, timeout=5).read().decode().strip()
    return int(text.rsplit(":", 1)[1]) if text else 0


async def test_idempotent_calls_survive_a_replica_killed_mid_traffic(two_replicas: Mesh) -> None:
    mesh = two_replicas
    victim = mesh.replicas_of(PLANNER.name)[0]
    async with mesh_channel(mesh.envoy_address) as channel:
        stub = pb_grpc.PlannerServiceStub(channel)
        goal = (await stub.CreateGoal(pb.CreateGoalRequest(
            parent="tenants/failover", goal=goal_pb2.Goal(description="stay up")),
            timeout=10)).goal
        completed = 0
        killed = asyncio.Event()

        async def reader() -> None:
            nonlocal completed
            for _ in range(60):
                response = await stub.GetGoal(pb.GetGoalRequest(name=goal.name), timeout=10)
                assert response.goal.name == goal.name
                completed += 1
                if completed == 200 and not killed.is_set():
                    victim.process.signal(signal.SIGKILL)
                    killed.set()

        await asyncio.gather(*(reader() for _ in range(8)))
    assert killed.is_set() and completed == 480
    assert victim.process.exited() is not None
    # Calls hit the dead replica and were retried onto the live one.
    assert _cluster_stat(mesh, "upstream_rq_retry") > 0


async def test_dead_replica_is_ejected_and_returns_after_recovery(two_replicas: Mesh) -> None:
    mesh = two_replicas
    victim = mesh.replicas_of(PLANNER.name)[0]
    victim.process.signal(signal.SIGKILL)

    async def victim_marked_unhealthy() -> bool:
        flags = _host_stats(mesh)[victim.address]["health_flags"]
        return "failed_active_hc" in flags

    await assert_eventually(victim_marked_unhealthy, timeout=15, interval=0.2,
                            message="Envoy takes the dead replica out of rotation")
    async with mesh_channel(mesh.envoy_address) as channel:
        stub = pb_grpc.PlannerServiceStub(channel)
        for _ in range(20):  # all answered by the survivor, none fail
            await stub.ListGoals(pb.ListGoalsRequest(parent="tenants/failover"), timeout=5)

        await asyncio.to_thread(victim.process.wait_gone)
        victim.process.start()  # recovery: the replica comes back on its port

        async def victim_serving_again() -> bool:
            host = _host_stats(mesh)[victim.address]
            before = int(host.get("rq_success", "0"))
            for _ in range(10):
                await stub.ListGoals(pb.ListGoalsRequest(parent="tenants/failover"), timeout=5)
            after = int(_host_stats(mesh)[victim.address].get("rq_success", "0"))
            return host["health_flags"] == "healthy" and after > before

        await assert_eventually(victim_serving_again, timeout=20, interval=0.3,
                                message="the recovered replica takes traffic again")
