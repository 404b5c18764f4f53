"""The table `cognos status` prints: each process of a running mesh (as its supervisor last
recorded it, so a restarted one shows its new pid) with its health directly and through Envoy
(the local model server: whether it lists its models) and its resident memory, then the
total; below it, the background work of each service as the registry declares it, and the
model providers' queues. Narrow columns, so it fits a 60-column terminal."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from rich import box
from rich.table import Table
from rich.text import Text

from cognition.runtime.v1 import runtime_service_pb2, runtime_service_pb2_grpc
from cognos.mesh import health
from cognos.mesh.model_server import lists_models
from cognos.mesh.processes import rss_of
from shared.context import AUTHORIZATION_HEADER
from shared.mesh.registry import by_name

# Short words for a failed health probe, so the two health columns stay narrow.
HEALTH_WORDS = {"UNAVAILABLE": "DOWN", "DEADLINE_EXCEEDED": "TIMEOUT", "SERVICE_UNKNOWN": "UNKNOWN"}


@dataclass(frozen=True)
class ProcessRow:
    """One process as the table shows it."""

    name: str
    pid: int | None
    port: str
    direct: str
    via_envoy: str
    rss: int  # bytes; 0 when the process is gone

    @property
    def alive(self) -> bool:
        return self.rss > 0


async def probe(state: Mapping[str, Any]) -> list[ProcessRow]:
    """The rows of the mesh described by ``state`` (its supervisor's state file)."""
    envoy = state["envoy"]
    services: Sequence[Mapping[str, Any]] = state["services"]
    direct = [health.check(f"127.0.0.1:{entry['port']}", by_name(entry["service"]))
              for entry in services]
    routed = [health.check(envoy["address"], by_name(entry["service"]), via_envoy=True)
              for entry in services]
    statuses, envoy_state = await asyncio.gather(
        asyncio.gather(*direct, *routed), asyncio.to_thread(_envoy_ready, envoy["admin"]))
    rows = [ProcessRow(entry["name"], entry["pid"], str(entry["port"]), statuses[index],
                       statuses[len(services) + index], _rss(entry["pid"]))
            for index, entry in enumerate(services)]
    port = str(envoy["address"]).rpartition(":")[2]
    rows.append(ProcessRow("envoy", envoy["pid"], port, envoy_state, "", _rss(envoy["pid"])))
    model_server = state.get("model_server")
    if model_server:
        served = ("SERVING" if await asyncio.to_thread(lists_models, model_server["base_url"], 1)
                  else "DOWN")
        rows.append(ProcessRow("model-server", model_server["pid"],
                               str(model_server["address"]).rpartition(":")[2], served, "",
                               _rss(model_server["pid"])))
    return rows


def render(rows: Sequence[ProcessRow], admin: str) -> Table:
    """The table of ``rows`` with a total resident-memory row."""
    table = Table(title="CognitionOS mesh on 127.0.0.1", box=box.SIMPLE_HEAD, show_edge=False,
                  pad_edge=False, collapse_padding=True,
                  caption=f"Envoy admin {admin}", title_justify="left", caption_justify="left")
    table.add_column("process", no_wrap=True)
    table.add_column("pid", justify="right", no_wrap=True)
    table.add_column("port", justify="right", no_wrap=True)
    table.add_column("direct", overflow="fold")
    table.add_column("envoy", overflow="fold")
    table.add_column("MiB", justify="right", no_wrap=True)
    for row in rows:
        table.add_row(row.name, Text(str(row.pid or "-"), "" if row.alive else "red"), row.port,
                      _health(row.direct), _health(row.via_envoy), _mib(row.rss))
    table.add_section()
    table.add_row("total", "", "", "", "", _mib(sum(row.rss for row in rows)), style="bold")
    return table


def render_loops(services: Sequence[str]) -> Table:
    """The background loops of ``services`` (names), as the registry declares them."""
    table = Table(title="background work", box=box.SIMPLE_HEAD, show_edge=False,
                  pad_edge=False, collapse_padding=True, title_justify="left")
    table.add_column("service", no_wrap=True)
    table.add_column("loops", overflow="fold")
    for name in services:
        table.add_row(name, ", ".join(by_name(name).loops) or "-")
    return table


async def providers(envoy: str, token: str) -> list[runtime_service_pb2.Provider]:
    """The ai-runtime's providers with their queues (ListProviders through Envoy)."""
    async with grpc.aio.insecure_channel(envoy) as channel:
        response = await runtime_service_pb2_grpc.RuntimeServiceStub(channel).ListProviders(
            runtime_service_pb2.ListProvidersRequest(), timeout=5,
            metadata=[(AUTHORIZATION_HEADER, f"Bearer {token}")])
    return list(response.providers)


def render_providers(rows: Sequence[runtime_service_pb2.Provider]) -> Table:
    """Each model provider: its model, slots, calls running and waiting, output tokens/s."""
    table = Table(title="model providers", box=box.SIMPLE_HEAD, show_edge=False,
                  pad_edge=False, collapse_padding=True, title_justify="left")
    for column in ("provider", "model", "slots", "running", "queued", "calls", "tok/s"):
        table.add_column(column, no_wrap=column != "model", overflow="fold",
                         justify="left" if column in ("provider", "model") else "right")
    for row in rows:
        table.add_row(row.name.removeprefix("providers/"), row.model,
                      str(row.slots or "-"), str(row.in_flight), str(row.queued),
                      str(row.completion_count), f"{row.output_tokens_per_second:.1f}")
    return table


def _health(status: str) -> Text:
    if not status:
        return Text("")
    healthy = status in ("SERVING", "LIVE")
    return Text(HEALTH_WORDS.get(status, status), "green" if healthy else "red")


def _envoy_ready(admin: str) -> str:
    """Envoy's own state from its admin ``/ready`` (``LIVE`` when it serves)."""
    try:
        with urllib.request.urlopen(f"{admin}/ready", timeout=1) as reply:
            return str(reply.read().decode().strip())
    except urllib.error.HTTPError as error:  # 503 with the state while not yet live
        return str(error.read().decode().strip()) or "DOWN"
    except OSError:
        return "DOWN"


def _rss(pid: int | None) -> int:
    return rss_of(pid) if pid else 0


def _mib(resident: int) -> str:
    return f"{resident / 2**20:.0f}" if resident else "-"
