"""The main job on the embedded profile: start the mesh, sign in, use it over gRPC and REST,
stop."""

from __future__ import annotations

import asyncio
import json
import pathlib

import grpc
from google.protobuf import json_format
from rich.console import Console
from rich.panel import Panel

from cognition.planner.v1 import goal_pb2, planner_service_pb2, planner_service_pb2_grpc
from cognos import rest
from cognos.credentials import BearerCredentials, issue_token, read_secret
from cognos.mesh.supervisor import Mesh, MeshLayout

TENANT = "demo"


async def run(var: pathlib.Path, console: Console) -> None:
    """Start all services and Envoy, get a token, submit a goal over gRPC, read it over REST,
    stop."""
    mesh = Mesh(MeshLayout.ephemeral(var / "demo"))
    with console.status("starting 11 services and Envoy"):
        seconds = await mesh.start()
    console.print(f"[green]mesh ready in {seconds:.1f}s[/green] — Envoy at {mesh.envoy_address}, "
                  f"{mesh.total_rss() / 2**20:.0f} MiB resident")
    try:
        await _calls(mesh, console)
    finally:
        with console.status("stopping"):
            await mesh.stop()
        console.print("mesh stopped")


async def _calls(mesh: Mesh, console: Console) -> None:
    base = f"http://{mesh.envoy_address}"
    status, body = await asyncio.to_thread(rest.call, base, "GET", f"/v1/tenants/{TENANT}/goals")
    console.print(Panel(json.dumps(body, indent=2) if not isinstance(body, str) else body,
                        title=f"REST via Envoy without a token -> {status}"))
    # The platform's bootstrap admin key (written by auth on first start, mode 0600) buys a
    # token acting in the demo tenant.
    token = await issue_token(mesh.envoy_address, read_secret(mesh.layout.bootstrap_key_file),
                              tenant=TENANT, scopes=("goals.read", "goals.write"))
    console.print(f"signed in: a bearer token for tenants/{TENANT} "
                  f"with scopes goals.read goals.write ({len(token)} characters)")

    async def bearer(_request: object) -> str:
        return token

    async with grpc.aio.insecure_channel(mesh.envoy_address,
                                         interceptors=[BearerCredentials(bearer)]) as channel:
        planner = planner_service_pb2_grpc.PlannerServiceStub(channel)
        created = await planner.CreateGoal(planner_service_pb2.CreateGoalRequest(
            parent=f"tenants/{TENANT}",
            goal=goal_pb2.Goal(description="Summarise this week's incident reports",
                               priority=goal_pb2.GOAL_PRIORITY_HIGH,
                               labels={"team": "sre"})), timeout=10)
    console.print(Panel(json_format.MessageToJson(created, indent=2),
                        title="gRPC via Envoy: PlannerService/CreateGoal"))
    headers = {"authorization": f"Bearer {token}"}
    status, body = await asyncio.to_thread(rest.call, base, "GET", f"/v1/{created.goal.name}",
                                           None, headers)
    console.print(Panel(json.dumps(body, indent=2),
                        title=f"REST via Envoy: GET /v1/{created.goal.name} -> {status}"))
    status, body = await asyncio.to_thread(rest.call, base, "POST", f"/v1/tenants/{TENANT}/goals",
                                           {"description": ""}, headers)
    console.print(Panel(json.dumps(body, indent=2),
                        title=f"REST via Envoy: a goal with an empty description -> {status}"))
