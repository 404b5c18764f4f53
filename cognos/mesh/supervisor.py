"""The local mesh: every service (with N replicas each) and Envoy as supervised processes.

``Mesh.start`` prepares the local models (when the layout serves any) and launches their
server, launches the services, renders Envoy's configuration for the ports actually used,
launches Envoy and waits until every service reports SERVING both directly and through Envoy
and the model server lists its models. ``Mesh.supervise`` restarts a process that dies
unexpectedly (with backoff), and ``Mesh.stop`` stops Envoy first, then the services and the
model server, each with SIGTERM and a grace period.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.resources
import json
import logging
import os
import pathlib
import random
import socket
import sys
import time
import urllib.request
from dataclasses import dataclass, field

from cognos.mesh import health
from cognos.mesh.edge_auth import EdgeAuth
from cognos.mesh.envoy_config import EnvoyOptions, render, to_json
from cognos.mesh.model_server import ModelServer
from cognos.mesh.processes import ManagedProcess, venv_binary
from cognos.models.weights import Report
from shared.mesh.registry import ENVOY_ADMIN_PORT, ENVOY_LISTEN_PORT, SERVICES, ServiceSpec
from shared.private_files import private_directory

log = logging.getLogger(__name__)

MAX_RESTARTS = 5
# The local model server's port in the default layout.
MODEL_SERVER_PORT = 8091


# Below the kernel's ephemeral range (32768-60999 by default), so the port is not handed to
# some client socket between being picked here and bound by the service.
_PORT_RANGE = (20000, 32000)
_handed_out: set[int] = set()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago and not handed out before by this
    process."""
    for _ in range(1000):
        port = random.randint(*_PORT_RANGE)
        if port in _handed_out:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise OSError(f"no free port in {_PORT_RANGE}")


def make_private_var(var_dir: pathlib.Path) -> None:
    """Create ``var_dir`` and its data, log and run folders 0700, or tighten them to 0700: the
    mesh's data, logs and run files (the bootstrap key among them) are their owner's only."""
    for folder in (var_dir, *(var_dir / name for name in ("data", "log", "run"))):
        private_directory(folder)


def descriptor_set_path() -> pathlib.Path:
    """The generated descriptor set Envoy's transcoder loads."""
    return pathlib.Path(str(importlib.resources.files("cognition") / "descriptor.binpb"))


@dataclass(frozen=True)
class MeshLayout:
    """Where the mesh keeps its files and which ports it uses.

    Attributes:
        var_dir: Root of data (``data/``), logs (``log/``) and runtime files (``run/``).
        replicas: Service name -> number of replicas (default 1).
        ports: Service name -> ports of its replicas; missing ones use the registry port for
            the first replica and free ports for the others.
        envoy_port: Envoy's API listener.
        admin_port: Envoy's admin listener.
        env: Extra environment for every service process.
        edge_auth: Envoy demands a verified bearer token on every call but the open ones
            (health, reflection, token issue, key discovery). Needs the auth service in the
            layout (it publishes the keys).
        models: The local models served (registry names, the first the default of every
            role); none means no model server, and the ai-runtime's own default (offline).
        model_port: The model server's port.
    """

    var_dir: pathlib.Path = pathlib.Path("var")
    services: tuple[ServiceSpec, ...] = SERVICES
    replicas: dict[str, int] = field(default_factory=dict)
    ports: dict[str, list[int]] = field(default_factory=dict)
    envoy_port: int = ENVOY_LISTEN_PORT
    admin_port: int = ENVOY_ADMIN_PORT
    env: dict[str, str] = field(default_factory=dict)
    edge_auth: bool = True
    models: tuple[str, ...] = ()
    model_port: int = MODEL_SERVER_PORT

    def __post_init__(self) -> None:
        if self.edge_auth and not any(s.name == "auth" for s in self.services):
            raise ValueError("edge_auth needs the auth service in the layout")

    @property
    def bootstrap_key_file(self) -> pathlib.Path:
        """Where auth writes the platform's first admin API key (mode 0600) on first start."""
        return self.var_dir.resolve() / "run" / "bootstrap-admin.key"

    @classmethod
    def offset(cls, var_dir: pathlib.Path, offset: int,
               models: tuple[str, ...] = ()) -> MeshLayout:
        """The default ports, each moved by ``offset``."""
        return cls(var_dir=var_dir, ports={s.name: [s.port + offset] for s in SERVICES},
                   envoy_port=ENVOY_LISTEN_PORT + offset, admin_port=ENVOY_ADMIN_PORT + offset,
                   models=models, model_port=MODEL_SERVER_PORT + offset)

    @classmethod
    def ephemeral(cls, var_dir: pathlib.Path, *, services: tuple[ServiceSpec, ...] = SERVICES,
                  replicas: dict[str, int] | None = None, env: dict[str, str] | None = None,
                  edge_auth: bool | None = None, models: tuple[str, ...] = ()) -> MeshLayout:
        """A layout on free ports only, so it can run beside another mesh (tests, benches).

        ``edge_auth`` defaults to on whenever the auth service is part of the layout.
        """
        if edge_auth is None:
            edge_auth = any(s.name == "auth" for s in services)
        replicas = dict(replicas or {})
        ports = {s.name: [free_port() for _ in range(replicas.get(s.name, 1))] for s in services}
        return cls(var_dir=var_dir, services=services, replicas=replicas, ports=ports,
                   envoy_port=free_port(), admin_port=free_port(), env=dict(env or {}),
                   edge_auth=edge_auth, models=models, model_port=free_port())

    def replica_ports(self, spec: ServiceSpec) -> list[int]:
        count = self.replicas.get(spec.name, 1)
        ports = list(self.ports.get(spec.name, []))
        if not ports:
            ports.append(spec.port)
        while len(ports) < count:
            ports.append(free_port())
        return ports[:count]


@dataclass
class Replica:
    """One running service process."""

    spec: ServiceSpec
    port: int
    process: ManagedProcess

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


class Mesh:
    """All services of the layout plus Envoy and the local model server, as local processes.

    Args:
        layout: What runs where.
        report: Told what preparing the local models does (installs, joins, verifies).
    """

    def __init__(self, layout: MeshLayout, report: Report = log.info) -> None:
        self.layout = layout
        self.var_dir = layout.var_dir.resolve()
        self.replicas: list[Replica] = []
        self.envoy: ManagedProcess | None = None
        self.model_server = (ModelServer(layout.models, layout.model_port, self.var_dir)
                             if layout.models else None)
        self._report = report
        self._stopping = False

    @property
    def envoy_address(self) -> str:
        return f"127.0.0.1:{self.layout.envoy_port}"

    @property
    def envoy_admin(self) -> str:
        return f"http://127.0.0.1:{self.layout.admin_port}"

    def replicas_of(self, name: str) -> list[Replica]:
        return [r for r in self.replicas if r.spec.name == name]

    def _service_env(self, spec: ServiceSpec, port: int, peers: dict[str, str]) -> dict[str, str]:
        own = {}
        if spec.name == "auth":
            own["COGNOS_AUTH_BOOTSTRAP_KEY_FILE"] = str(self.layout.bootstrap_key_file)
        if spec.name == "ai-runtime" and self.model_server is not None:
            own.update(self.model_server.runtime_env())
        elif spec.name == "ai-runtime":
            # No local models (--offline): the offline hash embeds too, and no model is loaded.
            own["COGNOS_AI_RUNTIME_EMBED_ROUTE"] = json.dumps(["offline"])
        return {
            **own,
            "COGNOS_DATA_DIR": str(self.var_dir / "data"),
            "COGNOS_PEERS": json.dumps(peers),
            f"{spec.env_prefix}PORT": str(port),
            f"{spec.env_prefix}HOST": "127.0.0.1",
            "PYTHONUNBUFFERED": "1",
            **self.layout.env,
        }

    def _plan(self) -> None:
        plan = {spec: self.layout.replica_ports(spec) for spec in self.layout.services}
        peers = {spec.name: f"127.0.0.1:{ports[0]}" for spec, ports in plan.items()}
        for spec, ports in plan.items():
            for index, port in enumerate(ports):
                suffix = f"-{index + 1}" if len(ports) > 1 else ""
                process = ManagedProcess(
                    name=spec.name + suffix,
                    argv=[sys.executable, "-m", f"services.{spec.package}"],
                    log_path=self.var_dir / "log" / f"{spec.name}{suffix}.log",
                    env=self._service_env(spec, port, peers),
                )
                self.replicas.append(Replica(spec, port, process))
        config = render(EnvoyOptions(
            descriptor_set=descriptor_set_path(),
            endpoints={spec.name: [("127.0.0.1", port) for port in ports]
                       for spec, ports in plan.items()},
            listen_host="127.0.0.1",
            listen_port=self.layout.envoy_port,
            admin_port=self.layout.admin_port,
            access_log=self.var_dir / "log" / "envoy-access.log",
            edge_auth=EdgeAuth("127.0.0.1", self.layout.envoy_port)
            if self.layout.edge_auth else None,
        ))
        config_path = self.var_dir / "run" / "envoy.json"
        config_path.parent.mkdir(parents=True, exist_ok=True)
        config_path.write_text(to_json(config))
        self.envoy = ManagedProcess(
            name="envoy",
            argv=[venv_binary("envoy"), "-c", str(config_path), "--log-level", "warn",
                  "--disable-hot-restart", "--concurrency", "1"],
            log_path=self.var_dir / "log" / "envoy.log",
        )

    async def start(self, timeout: float = 60.0) -> float:
        """Start everything and wait until ready; returns the seconds it took.

        Raises:
            TimeoutError: Something was not SERVING within ``timeout`` (the mesh is stopped).
        """
        started = time.monotonic()
        make_private_var(self.var_dir)
        if self.model_server is not None:
            await asyncio.to_thread(self.model_server.prepare, self._report)
            self.model_server.process.start()
        self._plan()
        for replica in self.replicas:
            replica.process.start()
        assert self.envoy is not None
        self.envoy.start()
        try:
            await self.wait_ready(timeout)
        except BaseException:
            await self.stop()
            raise
        self._write_state()
        return time.monotonic() - started

    async def wait_ready(self, timeout: float) -> None:
        """Poll health directly and through Envoy until every service is SERVING."""
        deadline = time.monotonic() + timeout
        pending = {r.process.name for r in self.replicas}
        if self.model_server is not None:
            pending.add(self.model_server.process.name)
        pending_envoy = {spec.name for spec in self.layout.services}
        while pending or pending_envoy:
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout:.0f}s: "
                                   f"{sorted(pending | pending_envoy)} (see {self.var_dir}/log)")
            for process in self._processes():
                code = process.exited()
                if code is not None:
                    raise RuntimeError(f"{process.name} exited with {code}; "
                                       f"see {process.log_path}")
            direct = [r for r in self.replicas if r.process.name in pending]
            routed = [s for s in self.layout.services if s.name in pending_envoy]
            results = await asyncio.gather(
                *(health.check(r.address, r.spec) for r in direct),
                *(health.check(self.envoy_address, s, via_envoy=True) for s in routed))
            for replica, status in zip(direct, results[: len(direct)], strict=True):
                if status == "SERVING":
                    pending.discard(replica.process.name)
            for spec, status in zip(routed, results[len(direct):], strict=True):
                if status == "SERVING":
                    pending_envoy.discard(spec.name)
            if self.model_server is not None and self.model_server.process.name in pending \
                    and await self.model_server.ready():
                pending.discard(self.model_server.process.name)
            if not pending and not pending_envoy:
                # Envoy's workers may lag its health view: ready means every replica has
                # actually been routed a call through Envoy.
                pending_envoy.update(await asyncio.to_thread(self.hosts_not_routed))
            if pending or pending_envoy:
                await asyncio.sleep(0.1)

    def hosts_not_routed(self) -> set[str]:
        """Services with a replica that is not healthy in Envoy or has had no call from it."""
        try:
            with urllib.request.urlopen(f"{self.envoy_admin}/clusters", timeout=2) as reply:
                text = reply.read().decode()
        except OSError:
            return {spec.name for spec in self.layout.services}
        wanted = {r.address: r.spec.name for r in self.replicas}
        healthy, routed = set(), set()
        for line in text.splitlines():
            cluster, _, rest = line.partition("::")
            address, _, stat = rest.partition("::")
            if wanted.get(address) != cluster:
                continue
            if stat == "health_flags::healthy":
                healthy.add(address)
            elif stat.startswith("rq_success::") and stat != "rq_success::0":
                routed.add(address)
        ready = healthy & routed
        return {name for address, name in wanted.items() if address not in ready}

    async def supervise(self, stop: asyncio.Event) -> None:
        """Restart processes that die, with backoff, until ``stop`` is set."""
        while not stop.is_set():
            for process in self._processes():
                code = process.exited()
                if code is None or self._stopping:
                    continue
                if process.restarts >= MAX_RESTARTS:
                    continue
                process.restarts += 1
                log.warning("%s exited with %s; restart %d/%d", process.name, code,
                            process.restarts, MAX_RESTARTS)
                await asyncio.sleep(min(2.0, 0.1 * 2 ** process.restarts))
                process.start()
                self._write_state()  # `cognos status` shows the new pid
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.5)

    def _processes(self) -> list[ManagedProcess]:
        return ([r.process for r in self.replicas] + ([self.envoy] if self.envoy else [])
                + ([self.model_server.process] if self.model_server else []))

    async def stop(self, grace: float = 10.0) -> None:
        """Stop Envoy, then every service (SIGTERM, then SIGKILL after ``grace``)."""
        self._stopping = True
        if self.envoy is not None:
            await asyncio.to_thread(self.envoy.stop, grace)
        others = [r.process for r in self.replicas]
        if self.model_server is not None:
            others.append(self.model_server.process)
        await asyncio.gather(*(asyncio.to_thread(process.stop, grace) for process in others))
        (self.var_dir / "run" / "mesh.json").unlink(missing_ok=True)

    def total_rss(self) -> int:
        """Resident memory of all processes of the mesh, in bytes."""
        return sum(p.rss_bytes() for p in self._processes())

    def _write_state(self) -> None:
        state = {
            "supervisor_pid": os.getpid(),
            "envoy": {"address": self.envoy_address, "admin": self.envoy_admin,
                      "pid": self.envoy.pid if self.envoy else None},
            "services": [{"name": r.process.name, "service": r.spec.name, "port": r.port,
                          "pid": r.process.pid, "log": str(r.process.log_path)}
                         for r in self.replicas],
            "model_server": self.model_server.state() if self.model_server else None,
        }
        path = self.var_dir / "run" / "mesh.json"
        # Written aside and renamed into place: a reader never sees half a file.
        written = path.with_name(f".{path.name}.{os.getpid()}")
        written.write_text(json.dumps(state, indent=2))
        written.replace(path)


def read_state(var_dir: pathlib.Path) -> dict[str, object] | None:
    """The state file of a mesh started with ``cognos up`` (None if none is running)."""
    path = var_dir / "run" / "mesh.json"
    if not path.exists():
        return None
    data: dict[str, object] = json.loads(path.read_text())
    return data
