"""``ServiceClient``: how one service calls another.

One channel per peer, reused for every call; a deadline on every call; retries with
exponential backoff and jitter on UNAVAILABLE (and DEADLINE_EXCEEDED) for idempotent methods
only; a circuit breaker that fails fast while the peer cannot be reached and lets a trial call
through as soon as the channel connects again; the caller's identity and trace context carried
in metadata; errors decoded back into :mod:`shared.errors`, a peer that could not be reached
with reason ``PEER_UNAVAILABLE`` (``CIRCUIT_OPEN`` while the circuit is open).

Calls name their method by a typed handle (:mod:`shared.mesh.methods`), never by a string, and
the channel comes from a factory: :func:`mesh_channel` in the mesh, an in-process channel
(:mod:`shared.mesh.in_process`) where a test serves the peer from an object.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message

from shared import context
from shared.errors import CognitionError, DeadlineExceeded, Unavailable
from shared.mesh.methods import ServerStream, Unary
from shared.mesh.resilience import (
    CIRCUIT_OPEN,
    PEER_UNAVAILABLE,
    BreakerState,
    CircuitBreaker,
    RetryPolicy,
)
from shared.rpc import tracing
from shared.rpc.status import from_rpc_error

Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp", bound=Message)
ChannelFactory = Callable[[str], grpc.aio.Channel]

_RETRYABLE_IF_IDEMPOTENT = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}
# Every service answers an error with google.rpc.Status details (the boundary interceptor):
# an UNAVAILABLE or DEADLINE_EXCEEDED without them came from the transport, not the peer.
_STATUS_DETAILS = "grpc-status-details-bin"
# Seconds between looks at the breaker while waiting for the channel to connect again.
_PROBE_RECHECK = 1.0
_CHANNEL_OPTIONS = [
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.enable_retries", 0),  # retries are this client's (with its breaker and budget)
    # Peers are near (one host, one cluster): after a refused connection try again within a
    # second, where gRPC's default backoff grows to two minutes.
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1_000),
]


def mesh_channel(address: str) -> grpc.aio.Channel:
    """A channel to a peer of the mesh: trace context on every call, quick reconnection."""
    return grpc.aio.insecure_channel(address, interceptors=tracing.client_interceptors(),
                                     options=_CHANNEL_OPTIONS)


class ServiceClient:
    """A resilient client for one peer service.

    Args:
        address: ``host:port`` of the peer.
        deadline: Seconds allowed per call, retries included.
        retry: Backoff policy for retryable failures.
        breaker: Circuit breaker shared by every call to this peer.
        credentials: Mints this service's credential for calls made on its own account
            (None: only an access token of the call being served is carried on).
        channel_factory: Opens the channel to ``address`` (default :func:`mesh_channel`).
    """

    def __init__(self, address: str, *, deadline: float = 5.0,
                 retry: RetryPolicy | None = None, breaker: CircuitBreaker | None = None,
                 credentials: context.CredentialSource | None = None,
                 channel_factory: ChannelFactory = mesh_channel) -> None:
        self.address = address
        self.credentials = credentials
        self.deadline = deadline
        self.retry = retry or RetryPolicy()
        self.breaker = breaker or CircuitBreaker()
        self._channel = channel_factory(address)
        self._callables: dict[str, Any] = {}
        self._probe: asyncio.Task[None] | None = None

    def _unary(self, method: Unary[Req, Resp]) -> Any:
        rpc = self._callables.get(method.path)
        if rpc is None:
            rpc = self._channel.unary_unary(
                method.path, request_serializer=method.request.SerializeToString,
                response_deserializer=method.response.FromString)
            self._callables[method.path] = rpc
        return rpc

    async def call(self, method: Unary[Req, Resp], request: Req, *,
                   timeout: float | None = None, idempotent: bool | None = None) -> Resp:
        """Call unary RPC ``method`` with retries and the breaker.

        Args:
            method: The RPC (``Unary.of(GetGoalRequest, GetGoalResponse)``).
            request: The request message.
            timeout: Overrides the client's deadline for this call.
            idempotent: Overrides the rule: read-only verbs, and any request carrying a
                ``request_id`` (the server replays its first response), are retried.

        Raises:
            CognitionError: The peer's error, decoded; Unavailable when the circuit is open.
        """
        if idempotent is None:
            idempotent = method.idempotent or bool(getattr(request, "request_id", ""))
        retryable = idempotent
        codes = _RETRYABLE_IF_IDEMPOTENT if retryable else set()
        budget = self.deadline if timeout is None else timeout
        give_up_at = time.monotonic() + budget
        rpc = self._unary(method)
        attempt = 0
        unreached = False
        while True:
            attempt += 1
            remaining = give_up_at - time.monotonic()
            if remaining <= 0:
                raise DeadlineExceeded(f"{method.name}: deadline of {budget:.1f}s exceeded",
                                       reason=PEER_UNAVAILABLE if unreached else None,
                                       metadata={"peer": self.address} if unreached else None)
            trial = self._admit()
            try:
                response = await rpc(request, timeout=remaining,
                                     metadata=self._metadata())
            except grpc.aio.AioRpcError as error:
                unreached = self._record(error)
                delay = self.retry.delay(attempt)
                if (error.code() in codes and attempt < self.retry.max_attempts
                        and time.monotonic() + delay < give_up_at):
                    await asyncio.sleep(delay)
                    continue
                raise self._decode(error, unreached) from error
            except BaseException:
                if trial:
                    self.breaker.record_abandoned()
                raise
            self.breaker.record_success()
            answer: Resp = response
            return answer

    async def stream(self, method: ServerStream[Req, Resp], request: Req, *,
                     timeout: float | None = None) -> AsyncIterator[Resp]:
        """Call server-streaming RPC ``method`` and yield its messages (no retries)."""
        trial = self._admit()
        call = self._channel.unary_stream(
            method.path, request_serializer=method.request.SerializeToString,
            response_deserializer=method.response.FromString)(
                request, timeout=timeout, metadata=self._metadata())
        settled = False  # whether the breaker heard how this call went
        try:
            async for message in call:
                if not settled:
                    settled = True
                    self.breaker.record_success()
                yield message
        except grpc.aio.AioRpcError as error:
            settled = True
            raise self._decode(error, self._record(error)) from error
        finally:
            if not settled and trial:
                self.breaker.record_abandoned()
        if not settled:
            self.breaker.record_success()

    def _metadata(self) -> list[tuple[str, str]]:
        return context.outgoing_metadata(None, self.credentials)

    async def reachable(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds until the channel to the peer is connected; returns
        whether it is. Not a call: the breaker does not count it, so a caller starting before
        its peer can wait here instead of failing calls until the circuit opens. Once it is
        connected, an open circuit lets a trial call through."""
        try:
            await asyncio.wait_for(self._channel.channel_ready(), timeout)
        except TimeoutError:
            return False
        self.breaker.peer_reachable()
        return True

    async def close(self) -> None:
        """Close the channel."""
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
        await self._channel.close()

    def _admit(self) -> bool:
        """Let a call through the breaker; returns whether it is the half-open circuit's
        trial call.

        Raises:
            Unavailable: The circuit is open (reason CIRCUIT_OPEN).
        """
        trial = self.breaker.state is BreakerState.HALF_OPEN
        if not self.breaker.allow():
            raise Unavailable(f"circuit open for {self.address}", reason=CIRCUIT_OPEN,
                              retry_after=self.breaker.retry_after() or None,
                              metadata={"peer": self.address})
        return trial

    def _record(self, error: grpc.aio.AioRpcError) -> bool:
        """Tell the breaker how a failed call went; returns whether the peer could not be
        reached (no process answered it, as opposed to an error the peer answered with)."""
        code = error.code()
        answered = any(key == _STATUS_DETAILS for key, _ in error.trailing_metadata() or ())
        if answered or code not in _RETRYABLE_IF_IDEMPOTENT:
            self.breaker.record_success()  # the peer answered; it is up
            return False
        self.breaker.record_failure()
        if self.breaker.state is BreakerState.OPEN:
            self._watch_for_reconnection()
        connected = self._channel.get_state() is grpc.ChannelConnectivity.READY
        # A deadline on a live connection is a slow peer, not a missing one.
        return code is grpc.StatusCode.UNAVAILABLE or not connected

    def _decode(self, error: grpc.aio.AioRpcError, unreached: bool) -> CognitionError:
        decoded = from_rpc_error(error)
        if unreached:
            decoded.reason = PEER_UNAVAILABLE
            decoded.metadata["peer"] = self.address
        return decoded

    def _watch_for_reconnection(self) -> None:
        if self._probe is None or self._probe.done():
            self._probe = asyncio.create_task(self._half_open_on_reconnection())

    async def _half_open_on_reconnection(self) -> None:
        """While the circuit is open, keep the channel connecting; once it connects again
        after being down (the peer is back), let a trial call through at once instead of
        waiting out the open time. A connection that never went down (a peer too slow to
        answer) leaves the breaker to its open time."""
        was_down = False
        while self.breaker.state is BreakerState.OPEN:
            state = self._channel.get_state(try_to_connect=True)
            if state is grpc.ChannelConnectivity.READY and was_down:
                self.breaker.peer_reachable()
                return
            was_down = was_down or state is not grpc.ChannelConnectivity.READY
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._channel.wait_for_state_change(state),
                                       _PROBE_RECHECK)
