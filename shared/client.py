"""``ServiceClient``: how one service calls another.

One channel per peer, reused for every call; a deadline on every call; retries with
exponential backoff and jitter on UNAVAILABLE (and DEADLINE_EXCEEDED) for idempotent methods
only; a circuit breaker that fails fast while the peer is down; the caller's identity and
trace context carried in metadata; errors decoded back into :mod:`shared.errors`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any, Generic, TypeVar

import grpc

from shared import context, tracing
from shared.errors import DeadlineExceeded, Unavailable
from shared.resilience import CircuitBreaker, RetryPolicy, is_idempotent
from shared.rpc_status import from_rpc_error

S = TypeVar("S")

_RETRYABLE = {grpc.StatusCode.UNAVAILABLE}
_RETRYABLE_IF_IDEMPOTENT = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}
_CHANNEL_OPTIONS = [
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.enable_retries", 0),  # retries are this client's (with its breaker and budget)
    # Peers are near (one host, one cluster): after a refused connection try again within a
    # second, where gRPC's default backoff grows to two minutes.
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1_000),
]


class ServiceClient(Generic[S]):
    """A resilient client for one peer service.

    Args:
        address: ``host:port`` of the peer.
        stub_class: The generated stub, e.g. ``audit_service_pb2_grpc.AuditServiceStub``.
        deadline: Seconds allowed per call, retries included.
        retry: Backoff policy for retryable failures.
        breaker: Circuit breaker shared by every call to this peer.
    """

    def __init__(self, address: str, stub_class: type[S], *, deadline: float = 5.0,
                 retry: RetryPolicy | None = None, breaker: CircuitBreaker | None = None) -> None:
        self.address = address
        self.deadline = deadline
        self.retry = retry or RetryPolicy()
        self.breaker = breaker or CircuitBreaker()
        self._channel = grpc.aio.insecure_channel(
            address, interceptors=tracing.client_interceptors(), options=_CHANNEL_OPTIONS)
        self.stub: S = stub_class(self._channel)  # type: ignore[call-arg]

    async def call(self, method: str, request: Any, *, timeout: float | None = None,
                   idempotent: bool | None = None) -> Any:
        """Call unary RPC ``method`` (e.g. ``"GetGoal"``) with retries and the breaker.

        Args:
            method: RPC name on the stub.
            request: The request message.
            timeout: Overrides the client's deadline for this call.
            idempotent: Overrides the rule: read-only verbs, and any request carrying a
                ``request_id`` (the server replays its first response), are retried.

        Raises:
            CognitionError: The peer's error, decoded; Unavailable when the circuit is open.
        """
        if idempotent is None:
            idempotent = is_idempotent(method) or bool(getattr(request, "request_id", ""))
        retryable = idempotent
        codes = _RETRYABLE_IF_IDEMPOTENT if retryable else set()
        budget = self.deadline if timeout is None else timeout
        give_up_at = time.monotonic() + budget
        rpc = getattr(self.stub, method)
        attempt = 0
        while True:
            attempt += 1
            if not self.breaker.allow():
                raise Unavailable(f"circuit open for {self.address}", reason="CIRCUIT_OPEN",
                                  retry_after=self.breaker.reset_timeout)
            remaining = give_up_at - time.monotonic()
            if remaining <= 0:
                raise DeadlineExceeded(f"{method}: deadline of {budget:.1f}s exceeded")
            try:
                response = await rpc(request, timeout=remaining,
                                     metadata=context.outgoing_metadata())
            except grpc.aio.AioRpcError as error:
                if error.code() in _RETRYABLE | {grpc.StatusCode.DEADLINE_EXCEEDED}:
                    self.breaker.record_failure()
                else:
                    self.breaker.record_success()  # the peer answered; it is up
                delay = self.retry.delay(attempt)
                if (error.code() in codes and attempt < self.retry.max_attempts
                        and time.monotonic() + delay < give_up_at):
                    await asyncio.sleep(delay)
                    continue
                raise from_rpc_error(error) from error
            self.breaker.record_success()
            return response

    async def stream(self, method: str, request: Any, *,
                     timeout: float | None = None) -> AsyncIterator[Any]:
        """Call server-streaming RPC ``method`` and yield its messages (no retries)."""
        if not self.breaker.allow():
            raise Unavailable(f"circuit open for {self.address}", reason="CIRCUIT_OPEN")
        call = getattr(self.stub, method)(request, timeout=timeout,
                                          metadata=context.outgoing_metadata())
        try:
            async for message in call:
                yield message
        except grpc.aio.AioRpcError as error:
            raise from_rpc_error(error) from error

    async def reachable(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds until the channel to the peer is connected; returns
        whether it is. Not a call: the breaker does not count it, so a caller starting before
        its peer can wait here instead of failing calls until the circuit opens."""
        try:
            await asyncio.wait_for(self._channel.channel_ready(), timeout)
        except TimeoutError:
            return False
        return True

    async def close(self) -> None:
        """Close the channel."""
        await self._channel.close()

