"""What verifying the caller's token costs a trivial RPC through Envoy.

Usage: python -m bench.token_overhead [--calls 3000] [--rounds 6]

Two meshes run side by side in this process's run: one whose Envoy passes calls through to
the planner with a service credential (HS256; the planner verifies it once, then remembers it:
the baseline), one whose Envoy verifies a user's access token (jwt_authn, EdDSA) and whose
planner verifies it again and re-checks it for revocation (cached). The same GetGoal goes to
both, alternating rounds. Target (identity issue): at most +10% at p50.
"""

from __future__ import annotations

import argparse
import asyncio
import pathlib
import secrets
import statistics
import tempfile

import grpc

from bench.envoy_overhead import latencies, percentile
from cognition.planner.v1 import goal_pb2
from cognition.planner.v1 import planner_service_pb2 as pb
from cognition.planner.v1 import planner_service_pb2_grpc as pb_grpc
from cognos.credentials import bearer_credentials, ensure_tenant, issue_token, read_secret
from cognos.mesh.supervisor import Mesh, MeshLayout
from shared.mesh.keys import MeshKeys
from shared.mesh.registry import by_name
from shared.rpc.credentials import mesh_call_credential

AUTH, PLANNER, AUDIT = by_name("auth"), by_name("task-planner"), by_name("audit-log")
TENANT = "bench"


async def run(calls: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as var:
        root = pathlib.Path(var)
        mesh_secret = secrets.token_hex(32)
        env = {"COGNOS_MESH_SECRET": mesh_secret}
        open_mesh = Mesh(MeshLayout.ephemeral(root / "open", services=(AUTH, PLANNER, AUDIT),
                                              edge_auth=False, env=env))
        secured = Mesh(MeshLayout.ephemeral(root / "secured", services=(AUTH, PLANNER, AUDIT),
                                            edge_auth=True, env=env))
        await open_mesh.start()
        await secured.start()
        try:
            secret = read_secret(secured.layout.bootstrap_key_file)
            await ensure_tenant(secured.envoy_address,
                                await issue_token(secured.envoy_address, secret), TENANT)
            token = await issue_token(secured.envoy_address, secret, tenant=TENANT,
                                      scopes=("goals.read", "goals.write"))

            service = mesh_call_credential(MeshKeys.from_text(mesh_secret), "bench",
                                           ("goals.read", "goals.write"), tenant=TENANT)

            async def bearer(_request: object) -> str:
                return token

            async def as_service(_request: object) -> str:
                return service

            async with grpc.aio.insecure_channel(open_mesh.envoy_address,
                                                 interceptors=bearer_credentials(as_service)
                                                 ) as plain, \
                    grpc.aio.insecure_channel(secured.envoy_address,
                                              interceptors=bearer_credentials(bearer)) as authed:
                stubs = {"service credential": pb_grpc.PlannerServiceStub(plain),
                         "verified token": pb_grpc.PlannerServiceStub(authed)}
                requests = {}
                for name, stub in stubs.items():
                    goal = (await stub.CreateGoal(pb.CreateGoalRequest(
                        parent=f"tenants/{TENANT}", goal=goal_pb2.Goal(description="bench")),
                        timeout=10)).goal
                    requests[name] = pb.GetGoalRequest(name=goal.name)
                    await latencies(stub, requests[name], 300)  # warm up
                samples: dict[str, list[float]] = {name: [] for name in stubs}
                for _ in range(rounds):
                    for name, stub in stubs.items():
                        samples[name] += await latencies(stub, requests[name], calls // rounds)
        finally:
            await secured.stop()
            await open_mesh.stop()
    report(samples)


def report(samples: dict[str, list[float]]) -> None:
    base = statistics.median(samples["service credential"])
    authed = statistics.median(samples["verified token"])
    ratio = authed / base
    print(f"unary GetGoal through Envoy, {len(samples['service credential'])} calls per path")
    print(f"  p50 service credential {base:.3f} ms | verified token {authed:.3f} ms | "
          f"ratio {ratio:.3f} (target <= 1.10) {'PASS' if ratio <= 1.10 else 'MISS'}")
    print(f"  p99 service credential {percentile(samples['service credential'], 99):.3f} ms | "
          f"verified token {percentile(samples['verified token'], 99):.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    asyncio.run(run(args.calls, args.rounds))


if __name__ == "__main__":
    main()
