"""What a service is made of, as its composition root builds it.

Every service has one function, ``compose(settings, db, peers) -> ServiceParts`` in its
``server.py``: from its typed settings, its database and its peers it builds its domain and
returns what it serves (``register``, the servicers), the work it does in the background
(``loops``, by name, as the registry declares them) and what to close when it stops.
:func:`shared.rpc.server.start_service` runs the rest: migrations, the RPC boundary, the
loops once the server serves, and an orderly stop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import grpc

from shared.config import ServiceSettings
from shared.mesh.client import ChannelFactory, ServiceClient, mesh_channel
from shared.mesh.registry import ServiceSpec, by_name
from shared.rpc.credentials import SERVICE_CREDENTIALS, ServiceCredentials

Register = Callable[[grpc.aio.Server], None]
Closer = Callable[[], Awaitable[None]]


class BackgroundLoop(Protocol):
    """Work a service does besides answering calls: started once the server serves, stopped
    (and given the time it takes to finish what it is doing) before the server closes."""

    def start(self) -> None: ...

    async def stop(self) -> None: ...


class LoopTask:
    """A background loop from a coroutine that runs until its stop event is set.

    Args:
        name: The task's name (in logs and task dumps).
        run: The loop; returns once the event is set.
        grace: Seconds it is given to return after the event is set, before it is cancelled.
    """

    def __init__(self, name: str, run: Callable[[asyncio.Event], Awaitable[None]],
                 grace: float = 0.0) -> None:
        self._name = name
        self._run = run
        self._grace = grace
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        async def run() -> None:
            await self._run(self._stopping)

        self._task = asyncio.get_running_loop().create_task(run(), name=self._name)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stopping.set()
        done, _ = await asyncio.wait({self._task}, timeout=self._grace)
        if not done:
            self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


@dataclass(frozen=True)
class ServiceParts:
    """What a composition root built.

    Attributes:
        register: Adds the service's servicers to the server.
        loops: Its background loops by name; each name is one the registry declares for it.
        on_stop: Closed after the loops stop (clients, worker pools), last first.
    """

    register: Register
    loops: Mapping[str, BackgroundLoop] = field(default_factory=dict)
    on_stop: Sequence[Closer] = ()


class Peers:
    """Clients of the services one service calls, made on first use and closed with it.

    Calls a service makes on its own account carry its service credential. The channels come
    from ``channel_factory`` (the mesh's by default), the seam through which a test serves a
    peer in process.

    Args:
        settings: The calling service's settings (the mesh's addresses and keys).
        caller: The calling service.
        channel_factory: Opens a channel to a peer's address.
    """

    def __init__(self, settings: ServiceSettings, caller: ServiceSpec,
                 channel_factory: ChannelFactory = mesh_channel) -> None:
        self._settings = settings
        self._credentials = ServiceCredentials(
            caller.name, settings.mesh.mesh_keys().key(SERVICE_CREDENTIALS))
        self._channel_factory = channel_factory
        self._clients: list[ServiceClient] = []

    def client(self, peer: str, **options: Any) -> ServiceClient:
        """A client of the service ``peer`` (``options`` as for :class:`ServiceClient`)."""
        client = ServiceClient(self._settings.mesh.peer_address(by_name(peer)),
                               credentials=self._credentials,
                               channel_factory=self._channel_factory, **options)
        self._clients.append(client)
        return client

    def local(self, address: str) -> ServiceClient:
        """A client of this very service at ``address`` (the auth service asks itself)."""
        client = ServiceClient(address, channel_factory=self._channel_factory)
        self._clients.append(client)
        return client

    async def close(self) -> None:
        """Close every client made."""
        for client in reversed(self._clients):
            await client.close()


class Started:
    """Background work given as its two ends: a start function and a stop coroutine function
    (a worker pool's ``start`` and ``close``)."""

    def __init__(self, start: Callable[[], None], stop: Callable[[], Awaitable[None]]) -> None:
        self._start = start
        self._stop = stop

    def start(self) -> None:
        self._start()

    async def stop(self) -> None:
        await self._stop()
