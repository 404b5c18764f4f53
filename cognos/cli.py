"""The ``cognos`` command line: run the local mesh and talk to it."""

from __future__ import annotations

import asyncio
import os
import pathlib
import signal
import subprocess
import sys
import time
from collections.abc import Sequence

import grpc
import typer
from rich.console import Console
from rich.table import Table

from cognos import demo, mcp_cli, status_table
from cognos.credentials import ensure_tenant, issue_token, read_secret
from cognos.mesh.edge_auth import EdgeAuth
from cognos.mesh.envoy_config import EnvoyOptions, render, to_json
from cognos.mesh.supervisor import Mesh, MeshLayout, read_state
from cognos.models import cli as models_cli
from cognos.models.registry import DEFAULT_MODEL
from cognos.rpc_errors import RpcErrorReportingGroup
from shared.mesh.registry import ENVOY_LISTEN_PORT

app = typer.Typer(help="CognitionOS: an operating system for AI agents.", no_args_is_help=True,
                  cls=RpcErrorReportingGroup)
app.add_typer(models_cli.app, name="models")
app.add_typer(mcp_cli.app, name="mcp")
console = Console()

# Relative to the repository root, where the reference configuration is run from.
REFERENCE_DESCRIPTOR = pathlib.Path("gen/cognition/descriptor.binpb")
VAR = typer.Option(pathlib.Path("var"), "--var", help="Folder for data, logs and run files.")
MODEL = typer.Option(DEFAULT_MODEL, "--model", envvar="COGNOS_MODEL",
                     help="The local model every agent uses (cognos models list).")
OFFLINE = typer.Option(False, "--offline", help="No model server: every answer comes from the "
                                                "rule-based offline provider, not a model.")


def served_models(model: str, offline: bool) -> tuple[str, ...]:
    """The local models a mesh serves: none offline, else ``model``."""
    return () if offline else (model,)


def _status_table(var_dir: pathlib.Path) -> Table:
    state = read_state(var_dir)
    if state is None:
        return Table(title="no mesh is running here")
    envoy = state["envoy"]
    assert isinstance(envoy, dict)
    return status_table.render(asyncio.run(status_table.probe(state)), envoy["admin"])


def _print_status(var_dir: pathlib.Path) -> None:
    """The process table, then each service's background work and, with a local model, the
    model providers' queues."""
    console.print(_status_table(var_dir))
    state = read_state(var_dir)
    services = state.get("services") if state is not None else None
    if isinstance(services, list):
        console.print(status_table.render_loops([entry["service"] for entry in services]))
    if state is not None and state.get("model_server"):
        console.print(asyncio.run(_providers_table(var_dir)))


async def _providers_table(var: pathlib.Path) -> Table | str:
    """The providers' queues, asked of the ai-runtime with the bootstrap key's token."""
    try:
        envoy = _envoy_of(var)
        token = await _admin_token(envoy, MeshLayout(var_dir=var).bootstrap_key_file, "",
                                   ("completions.read",))
        return status_table.render_providers(await status_table.providers(envoy, token))
    except (grpc.RpcError, OSError) as error:
        return f"[yellow]model providers: not available ({type(error).__name__})[/yellow]"


@app.command()
def up(var: pathlib.Path = VAR,
       detach: bool = typer.Option(False, "--detach", "-d", help="Run in the background."),
       timeout: float = typer.Option(60.0, help="Seconds to wait for readiness."),
       port_offset: int = typer.Option(0, help="Added to every default port (50051.., 8080, "
                                                "9901, 8091), to run beside another mesh."),
       model: str = MODEL, offline: bool = OFFLINE) -> None:
    """Start every service, Envoy and the local model server, wait until all are ready, and
    supervise them."""
    if read_state(var) is not None:
        console.print("[yellow]a mesh is already running here; `cognos down` first[/yellow]")
        raise typer.Exit(1)
    if detach:
        _up_detached(var, timeout, port_offset, model, offline)
        return
    asyncio.run(_up_foreground(var, timeout, port_offset, served_models(model, offline)))


async def _up_foreground(var: pathlib.Path, timeout: float, port_offset: int,
                         models: tuple[str, ...]) -> None:
    mesh = Mesh(MeshLayout.offset(var, port_offset, models), report=console.print)
    seconds = await mesh.start(timeout)
    console.print(f"mesh ready in {seconds:.1f}s; gRPC and REST on {mesh.envoy_address}")
    console.print(await asyncio.to_thread(_status_table, var))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await mesh.supervise(stop)
    console.print("stopping the mesh")
    await mesh.stop()


def _up_detached(var: pathlib.Path, timeout: float, port_offset: int, model: str,
                 offline: bool) -> None:
    log_path = var / "log" / "supervisor.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        child = subprocess.Popen(
            [sys.executable, "-m", "cognos", "up", "--var", str(var), "--timeout", str(timeout),
             "--port-offset", str(port_offset), "--model", model,
             *(["--offline"] if offline else [])],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
    deadline = time.monotonic() + timeout + 5
    while read_state(var) is None:
        if child.poll() is not None or time.monotonic() > deadline:
            console.print(f"[red]the mesh did not start; see {log_path}[/red]")
            raise typer.Exit(1)
        time.sleep(0.2)
    _print_status(var)


@app.command()
def down(var: pathlib.Path = VAR) -> None:
    """Stop a mesh started with `cognos up`."""
    state = read_state(var)
    if state is None:
        console.print("no mesh is running here")
        return
    pid = state["supervisor_pid"]
    assert isinstance(pid, int)
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        (var / "run" / "mesh.json").unlink(missing_ok=True)
        console.print("the supervisor was gone; state cleared")
        return
    while read_state(var) is not None:
        time.sleep(0.2)
    console.print("mesh stopped")


@app.command()
def status(var: pathlib.Path = VAR) -> None:
    """Show every process of the mesh with its health, directly and through Envoy."""
    if read_state(var) is None:
        console.print("no mesh is running here")
        raise typer.Exit(1)
    _print_status(var)


@app.command()
def token(var: pathlib.Path = VAR,
          tenant: str = typer.Option("", help="Act in this tenant (the platform key may; "
                                                "created when it does not exist)."),
          scope: list[str] = typer.Option([], help="Scopes to ask for (default: all)."),
          address: str = typer.Option("", help="Envoy's address (default: the running "
                                                "mesh's).")) -> None:
    """Print an access token bought with the bootstrap admin key of a running mesh."""
    key_file = MeshLayout(var_dir=var).bootstrap_key_file
    if not key_file.exists():
        console.print(f"[red]no bootstrap key at {key_file}; is the mesh running here?[/red]")
        raise typer.Exit(1)
    typer.echo(asyncio.run(_admin_token(address or _envoy_of(var), key_file, tenant, scope)))


async def _admin_token(envoy: str, key_file: pathlib.Path, tenant: str,
                       scopes: Sequence[str] = ()) -> str:
    """A token bought with the bootstrap admin key, acting in ``tenant`` (created first, with
    a note on stderr, when it does not exist)."""
    secret = read_secret(key_file)
    if tenant and await ensure_tenant(envoy, await issue_token(envoy, secret), tenant):
        typer.echo(f"created tenants/{tenant}", err=True)
    return await issue_token(envoy, secret, tenant=tenant, scopes=scopes)


def _envoy_of(var: pathlib.Path) -> str:
    """Envoy's address of the mesh running in ``var`` (the default port when unknown)."""
    state = read_state(var)
    envoy = state.get("envoy") if state else None
    if isinstance(envoy, dict) and envoy.get("address"):
        return str(envoy["address"])
    return f"127.0.0.1:{ENVOY_LISTEN_PORT}"


@app.command("run")
def run_goal(goal: str = typer.Argument(..., help="What you want done."),
             var: pathlib.Path = VAR,
             tenant: str = typer.Option("default", help="The tenant the goal belongs to "
                                                        "(created when it does not exist)."),
             address: str = typer.Option("", help="Envoy's address (default: the running "
                                                  "mesh's)."),
             timeout: float = typer.Option(600.0, help="Seconds to follow the goal."),
             ) -> None:
    """Submit a goal to a running mesh (`cognos up`) and follow it to its end with live
    progress, then print its plan, tasks, agents, cost and answer. Fails unless it succeeds."""
    key_file = MeshLayout(var_dir=var).bootstrap_key_file
    if not key_file.exists():
        console.print(f"[red]no bootstrap key at {key_file}; is the mesh running here?[/red]")
        raise typer.Exit(1)

    async def submit() -> bool:
        envoy = address or _envoy_of(var)
        access = await _admin_token(envoy, key_file, tenant)
        outcome = await demo.run_goal(envoy, access, tenant, goal, console, timeout=timeout)
        return outcome.succeeded

    if not asyncio.run(submit()):
        raise typer.Exit(1)


@app.command("envoy-config")
def envoy_config(output: pathlib.Path = typer.Option(pathlib.Path("envoy/envoy.json")),
                 check: bool = typer.Option(False, help="Fail if the file is stale.")) -> None:
    """Render Envoy's configuration for the default ports (the reference deployment)."""
    text = to_json(render(EnvoyOptions(
        descriptor_set=REFERENCE_DESCRIPTOR,
        edge_auth=EdgeAuth("127.0.0.1", ENVOY_LISTEN_PORT))))
    if check:
        if not output.exists() or output.read_text() != text:
            console.print(f"[red]{output} is stale; run `cognos envoy-config`[/red]")
            raise typer.Exit(1)
        console.print(f"{output} is up to date")
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    console.print(f"wrote {output}; run it from the repository root: "
                  f"envoy -c {output} (descriptor set {REFERENCE_DESCRIPTOR})")


@app.command("demo")
def run_demo(var: pathlib.Path = VAR,
             goal: str = typer.Option(demo.DEFAULT_GOAL, "--goal", help="The goal to run."),
             timeout: float = typer.Option(600.0, help="Seconds the goal may take; the command "
                                                       "fails when it has not succeeded by then."),
             model: str = MODEL, offline: bool = OFFLINE) -> None:
    """The main job: start the mesh with its local model, run a goal end to end through Envoy
    with live progress, print its plan, tasks, agents, models, cost and answer, stop. Fails
    unless the goal succeeds."""
    if not asyncio.run(demo.run(var, console, goal=goal, timeout=timeout,
                                models=served_models(model, offline))):
        raise typer.Exit(1)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
