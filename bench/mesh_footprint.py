"""The whole mesh (11 services + Envoy) on this machine: time to ready and idle memory.

Usage: python -m bench.mesh_footprint [--idle 5]

Targets (foundation issue): ready in under 15 s, idle under 1.2 GiB RSS in total. The same run
also starts one service alone behind Envoy as the baseline, so the ratios show what the other
ten add.
"""

from __future__ import annotations

import argparse
import asyncio
import pathlib
import tempfile

from cognos.mesh.supervisor import Mesh, MeshLayout
from shared.mesh.registry import SERVICES, ServiceSpec, by_name

READY_TARGET_S = 15.0
RSS_TARGET_BYTES = 1.2 * 2**30


async def measure(services: tuple[ServiceSpec, ...],
                  idle: float) -> tuple[float, int, int, dict[str, int]]:
    """Seconds to ready, summed RSS, summed PSS, and each process's RSS (with the processes
    it started)."""
    with tempfile.TemporaryDirectory() as var:
        mesh = Mesh(MeshLayout.ephemeral(pathlib.Path(var), services=services))
        ready = await mesh.start(timeout=120)
        await asyncio.sleep(idle)
        processes = [r.process for r in mesh.replicas]
        assert mesh.envoy is not None
        processes.append(mesh.envoy)
        per_process = {p.name: p.rss_bytes() for p in processes}
        pss = sum(p.pss_bytes() for p in processes)
        await mesh.stop()
    return ready, sum(per_process.values()), pss, per_process


async def run(idle: float) -> None:
    one_ready, one_rss, _, _ = await measure((by_name("task-planner"),), idle)
    ready, rss, pss, per_process = await measure(SERVICES, idle)
    mib = 2**20
    print(f"baseline (1 service + envoy): ready {one_ready:.2f} s, "
          f"idle RSS {one_rss / mib:.0f} MiB")
    print(f"mesh (11 services + envoy):   ready {ready:.2f} s, idle RSS {rss / mib:.0f} MiB")
    print(f"  ratio to baseline: ready x{ready / one_ready:.2f}, RSS x{rss / one_rss:.2f}")
    print(f"  ready {ready:.2f} s / target {READY_TARGET_S:.0f} s = {ready / READY_TARGET_S:.2f} "
          f"{'PASS' if ready < READY_TARGET_S else 'MISS'}")
    print(f"  RSS {rss / mib:.0f} MiB / target {RSS_TARGET_BYTES / mib:.0f} MiB = "
          f"{rss / RSS_TARGET_BYTES:.2f} {'PASS' if rss < RSS_TARGET_BYTES else 'MISS'}")
    print(f"  PSS {pss / mib:.0f} MiB (pages the processes share, such as the libraries every "
          f"service maps, counted once)")
    for name, value in sorted(per_process.items(), key=lambda kv: -kv[1]):
        print(f"    {name:<22} {value / mib:6.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=float, default=5.0, help="seconds idle before measuring")
    asyncio.run(run(parser.parse_args().idle))


if __name__ == "__main__":
    main()
