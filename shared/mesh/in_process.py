"""``InProcessChannel``: a peer served by an object in this process, with no socket.

The channel a :class:`shared.mesh.client.ServiceClient` opens through its factory, for tests
of a service's ``peers/`` (as httpx's MockTransport is for HTTP clients)::

    client = ServiceClient("runtime", channel_factory=lambda _: InProcessChannel(FakeRuntime()))

A call goes through the wire format both ways and reaches the servicer method of the same
name (any object with ``async def Method(request, context)``); a
:class:`shared.errors.CognitionError` it raises comes back as the status the mesh's servers
answer with (details included), so the client decodes, retries and counts it as it would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc

from shared.errors import CognitionError
from shared.rpc.status import to_grpc_status

Serializer = Callable[[Any], bytes]
Deserializer = Callable[[bytes], Any]


class _Context:
    """What a servicer method may ask of its call here: metadata and time."""

    def __init__(self, metadata: Any, timeout: float | None) -> None:
        self._metadata = tuple(metadata or ())
        self._timeout = timeout

    def invocation_metadata(self) -> tuple[tuple[str, Any], ...]:
        return self._metadata

    def time_remaining(self) -> float | None:
        return self._timeout


class InProcessChannel:
    """A channel whose peer is ``servicer``; errors carry ``domain`` in their ErrorInfo.

    Args:
        servicer: Serves the calls: a method per RPC, by the RPC's name.
        domain: The ErrorInfo domain of the statuses it answers with.
    """

    def __init__(self, servicer: object, domain: str = "peer.cognition") -> None:
        self._servicer = servicer
        self._domain = domain
        self.calls: list[tuple[str, Any]] = []

    def _handler(self, path: str) -> Callable[..., Any]:
        name = path.rsplit("/", 1)[-1]
        handler: Callable[..., Any] | None = getattr(self._servicer, name, None)
        if handler is None:
            raise grpc.aio.AioRpcError(grpc.StatusCode.UNIMPLEMENTED, grpc.aio.Metadata(),
                                       grpc.aio.Metadata(), details=f"{name} is not served")
        return handler

    def _failure(self, error: CognitionError) -> grpc.aio.AioRpcError:
        status = to_grpc_status(error, self._domain)
        return grpc.aio.AioRpcError(status.code, grpc.aio.Metadata(),
                                    grpc.aio.Metadata(*status.trailing_metadata),
                                    details=status.details)

    def unary_unary(self, path: str, request_serializer: Serializer,
                    response_deserializer: Deserializer) -> Callable[..., Any]:
        async def call(request: Any, *, timeout: float | None = None,
                       metadata: Any = None) -> Any:
            received = type(request).FromString(request_serializer(request))
            self.calls.append((path, received))
            try:
                response = await self._handler(path)(received, _Context(metadata, timeout))
            except CognitionError as error:
                raise self._failure(error) from error
            return response_deserializer(response.SerializeToString())

        return call

    def unary_stream(self, path: str, request_serializer: Serializer,
                     response_deserializer: Deserializer) -> Callable[..., AsyncIterator[Any]]:
        async def stream(request: Any, *, timeout: float | None = None,
                         metadata: Any = None) -> AsyncIterator[Any]:
            received = type(request).FromString(request_serializer(request))
            self.calls.append((path, received))
            try:
                async for message in self._handler(path)(received,
                                                         _Context(metadata, timeout)):
                    yield response_deserializer(message.SerializeToString())
            except CognitionError as error:
                raise self._failure(error) from error

        return stream

    async def channel_ready(self) -> None:
        """Always ready: the peer is in this process."""

    def get_state(self, try_to_connect: bool = False) -> grpc.ChannelConnectivity:
        return grpc.ChannelConnectivity.READY

    async def wait_for_state_change(self, last_observed_state: grpc.ChannelConnectivity
                                    ) -> None:
        await asyncio.Event().wait()  # the state never changes

    async def close(self) -> None:
        """Nothing to close."""
