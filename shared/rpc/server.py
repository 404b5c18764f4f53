"""The one bootstrap every service uses to become a grpc.aio server.

``create_server`` builds the server with the shared interceptors, the service's servicer,
the standard health service and server reflection, bound to its port (0 = any free port).
``run_until_signal`` serves until SIGTERM/SIGINT, then marks the service NOT_SERVING, stops
accepting calls and drains in-flight ones within the grace period.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import pathlib
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from shared import logs
from shared.config import ServiceSettings
from shared.database import DatabaseConnection
from shared.database.audit_outbox import AuditOutbox
from shared.database.idempotency import IdempotencyStore
from shared.database.migration_child import run_migrations
from shared.mesh.client import ChannelFactory, mesh_channel
from shared.mesh.registry import ServiceSpec
from shared.rpc import tracing
from shared.rpc.access import AccessPolicy
from shared.rpc.audit import AuditPublisher, AuditRecorder
from shared.rpc.boundary import RpcBoundaryInterceptor
from shared.rpc.composition import BackgroundLoop, Peers, Register, ServiceParts
from shared.rpc.credentials import SERVICE_CREDENTIALS, CallerVerifier, PublicKeys
from shared.rpc.idempotency import IdempotentCalls
from shared.rpc.page_tokens import PageTokens
from shared.rpc.token_check import TokenCheck, auth_public_keys

log = logging.getLogger(__name__)

AUDIT_LOG = "audit-log"
AUTH = "auth"



@dataclass
class RunningServer:
    """A started server and what it needs to stop cleanly."""

    server: grpc.aio.Server
    port: int
    health: health.aio.HealthServicer
    spec: ServiceSpec
    on_stop: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    loops: dict[str, BackgroundLoop] = field(default_factory=dict)

    async def stop(self, grace: float) -> None:
        """Report NOT_SERVING, refuse new calls, let in-flight calls finish within ``grace``,
        then run the stop hooks, last registered first; one that fails does not keep the
        others from running."""
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)
        for hook in reversed(self.on_stop):
            try:
                await hook()
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise  # this stop itself is being cancelled
                log.exception("stop hook %s of %s was cancelled", hook, self.spec.name)
            except Exception:
                log.exception("stop hook %s of %s failed", hook, self.spec.name)


async def create_server(
    spec: ServiceSpec,
    settings: ServiceSettings,
    register: Register,
    *,
    extra_service_names: Sequence[str] = (),
    idempotency: IdempotencyStore | None = None,
    audit: AuditRecorder | None = None,
    access: AccessPolicy | None = None,
    on_bound: Callable[[int], None] | None = None,
) -> RunningServer:
    """Build, bind and start the server of ``spec``.

    Args:
        spec: The service's registry entry.
        settings: Its settings (listen address, limits, mesh).
        register: Adds the service's servicer(s) to the server.
        extra_service_names: Further fully-qualified services ``register`` adds, for
            reflection and health.
        idempotency: Where mutations' request ids are remembered (None: not honoured).
        audit: Records mutating calls in the audit trail (None: not audited).
        access: Verifies callers and their scopes (None: every caller is trusted, for a
            server tested alone).
        on_bound: Told the port once bound, before the server serves.

    Returns:
        The running server and the port it is bound to.
    """
    tracing.configure(spec.name, settings.mesh.otlp_endpoint)
    options = [
        ("grpc.max_receive_message_length", settings.max_message_bytes),
        ("grpc.max_send_message_length", settings.max_message_bytes),
        ("grpc.so_reuseport", 0),
    ]
    server = grpc.aio.server(
        interceptors=[
            *tracing.server_interceptors(),
            RpcBoundaryInterceptor(
                spec.error_domain, settings.default_deadline_seconds,
                IdempotentCalls(idempotency) if idempotency else None,
                audit, access,
                PageTokens(settings.mesh.mesh_keys().key(f"page-tokens/{spec.name}"))),
        ],
        options=options,
        maximum_concurrent_rpcs=settings.max_concurrent_rpcs,
    )
    register(server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    names = (spec.full_service_name, *extra_service_names)
    reflection.enable_server_reflection(
        (*names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
         reflection.SERVICE_NAME),
        server,
    )
    port = server.add_insecure_port(f"{settings.host}:{settings.listen_port(spec)}")
    if port == 0:
        raise OSError(f"{spec.name}: cannot bind {settings.host}:{settings.listen_port(spec)}")
    if on_bound is not None:
        on_bound(port)
    await server.start()
    for name in ("", *names):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    log.info("%s serving on %s:%d", spec.name, settings.host, port)
    return RunningServer(server, port, health_servicer, spec)


async def run_until_signal(running: RunningServer, grace: float) -> None:
    """Serve until SIGTERM or SIGINT, then shut down gracefully."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("%s shutting down, draining for up to %.0fs", running.spec.name, grace)
    await running.stop(grace)
    log.info("%s stopped", running.spec.name)


AUDIT_DELIVERY = "audit-delivery"
Settings = TypeVar("Settings", bound=ServiceSettings)
Compose = Callable[[Settings, DatabaseConnection, Peers], ServiceParts]


async def start_service(spec: ServiceSpec, settings: Settings, migrations: pathlib.Path,
                        compose: Compose[Settings], *, public_keys: PublicKeys | None = None,
                        channel_factory: ChannelFactory = mesh_channel) -> RunningServer:
    """Open the service's database, migrate it, build its parts, serve and start its loops.

    Args:
        spec: The service's registry entry.
        settings: Its settings.
        migrations: Its Alembic folder.
        compose: Its composition root: its parts from its settings, database and peers.
        public_keys: Where access tokens' signing keys come from (default: auth's GetJwks).
        channel_factory: Opens the channels to its peers (tests may serve them in process).

    Raises:
        ValueError: The parts hold a loop the registry does not declare for the service.
    """
    db = DatabaseConnection(settings.resolved_database_url(spec), schema=spec.package)
    peers = Peers(settings, spec, channel_factory)
    keys = settings.mesh.mesh_keys()
    # The auth service asks itself, on the port it is bound to (known later), and verifies
    # tokens with the keys it holds.
    auth = None if spec.name == AUTH else peers.client(AUTH)
    tokens = TokenCheck(auth)
    if public_keys is None:
        if auth is None:
            raise ValueError("the auth service verifies tokens with its own public keys")
        public_keys = auth_public_keys(auth)
    verifier = CallerVerifier(keys.key(SERVICE_CREDENTIALS), public_keys,
                              settings.mesh.token_issuer)

    def bound(port: int) -> None:
        if auth is None:
            tokens.connect(peers.local(f"127.0.0.1:{port}"))

    loops: dict[str, BackgroundLoop] = {}
    parts: ServiceParts | None = None
    try:
        await run_migrations(db, migrations)
        recorder = None
        if spec.name != AUDIT_LOG:  # the audit log's own appends are the trail
            outbox = AuditOutbox(db)
            publisher = AuditPublisher(outbox, peers.client(AUDIT_LOG), spec.name)
            loops[AUDIT_DELIVERY] = publisher
            recorder = AuditRecorder(spec.error_domain.split(".")[0], outbox, publisher)
        parts = compose(settings, db, peers)
        undeclared = sorted(set(parts.loops) - set(spec.loops))
        if undeclared:
            raise ValueError(f"{spec.name}: loops {undeclared} are not in the registry")
        loops.update(parts.loops)
        running = await create_server(spec, settings, parts.register,
                                      idempotency=IdempotencyStore(db), audit=recorder,
                                      access=AccessPolicy(verifier, tokens), on_bound=bound)
    except BaseException:
        for close in reversed(parts.on_stop if parts is not None else ()):
            await close()
        await peers.close()
        await db.dispose()
        raise
    # Stop hooks run last registered first: the loops stop (the last started first), then
    # what the parts close, then the peers' clients, then the database.
    running.on_stop.extend([db.dispose, peers.close, *parts.on_stop])
    for name, loop in loops.items():
        loop.start()
        running.loops[name] = loop
        running.on_stop.append(loop.stop)
    return running


def tune_garbage_collection() -> None:
    """Keep the cyclic garbage collector off the request path.

    What start-up made (descriptors, tables, cached statements) lives as long as the process,
    so it leaves the collector's generations (``gc.freeze``); and a call allocates thousands of
    short-lived objects, so the default threshold (700) would run the young collection several
    times per call. Measured by bench/orchestration.py: about 8% less CPU per task.
    """
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def run_main(settings: Settings, start: Callable[[Settings], Awaitable[RunningServer]]) -> None:
    """Body of every service's ``__main__``: configure logging, serve until a signal."""
    logs.configure(settings.mesh.log_level, settings.mesh.log_format)

    async def serve() -> None:
        running = await start(settings)
        tune_garbage_collection()
        await run_until_signal(running, settings.grace_seconds)

    asyncio.run(serve())
