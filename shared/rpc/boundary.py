"""The server-side RPC boundary: one interceptor every service installs.

For each call it verifies the caller's credential and binds the call's context (tenant, subject,
scopes, trace id) for logging and domain code, holds the caller to the scope the method
declares in its contract, validates the
request against the rules in its contract, applies a default deadline to calls that arrived
without one, replays mutations retried with the same ``request_id``, records every mutating
call in the audit trail, and maps errors: a :class:`shared.errors.CognitionError` becomes a
rich ``google.rpc.Status``; anything else becomes INTERNAL "internal error", logged once with
its trace id.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from google.protobuf.message import DecodeError
from opentelemetry import trace

from shared import context
from shared.errors import (
    CognitionError,
    DeadlineExceeded,
    Internal,
    InvalidArgument,
    Unimplemented,
)
from shared.mesh.resilience import is_idempotent
from shared.rpc import tracing
from shared.rpc.access import AccessPolicy
from shared.rpc.audit import AuditRecorder
from shared.rpc.idempotency import IdempotentCalls, takes_request_id
from shared.rpc.page_tokens import PageTokens, pages
from shared.rpc.status import to_grpc_status
from shared.rpc.validation import validate

log = logging.getLogger(__name__)

_UNCHECKED_PREFIXES = ("/grpc.health.", "/grpc.reflection.")
_CALLERS_DEADLINE = contextlib.nullcontext()


@dataclasses.dataclass(frozen=True)
class _Undecodable:
    """A request body that does not parse as the method's request message."""

    why: str

    def refuse(self) -> InvalidArgument:
        return InvalidArgument.for_field("request", f"the body does not parse: {self.why}",
                                         "request.decodable")


def _tolerant(deserialize: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    """``deserialize`` returning :class:`_Undecodable` instead of raising, so a malformed body
    (corrupt wire format, a string that is not UTF-8) is refused as INVALID_ARGUMENT by the
    boundary rather than as UNKNOWN by the gRPC runtime."""
    if deserialize is None:
        return None

    def parse(raw: bytes) -> Any:
        try:
            return deserialize(raw)
        except DecodeError as error:
            return _Undecodable(str(error).rsplit(": ", 1)[-1])

    return parse


def _trace_id(metadata: tuple[tuple[str, Any], ...]) -> str:
    span_context = trace.get_current_span().get_span_context()
    if span_context.is_valid:
        return f"{span_context.trace_id:032x}"
    for key, value in metadata:
        if key == "traceparent" and isinstance(value, str) and value.count("-") == 3:
            return value.split("-")[1]
    return secrets.token_hex(16)


class RpcBoundaryInterceptor(grpc.aio.ServerInterceptor):
    """Context, validation, default deadline and error mapping for every RPC of a server.

    Args:
        domain: ErrorInfo domain of this service, e.g. ``planner.cognition``.
        default_deadline: Seconds allowed to calls that arrive without a deadline.
        idempotent_calls: Replays mutations retried with the same ``request_id``; None when
            the service keeps no idempotency keys.
        audit: Records every mutating call in the audit trail; None for the audit-log itself.
        access: Verifies callers and holds them to the scopes their methods declare; None
            trusts every caller (a handler tested alone).
        page_tokens: Seals the page tokens of List methods; None hands out the handlers'
            cursors as they are (tests of a handler alone).
    """

    def __init__(self, domain: str, default_deadline: float,
                 idempotent_calls: IdempotentCalls | None = None,
                 audit: AuditRecorder | None = None,
                 access: AccessPolicy | None = None,
                 page_tokens: PageTokens | None = None) -> None:
        self._access = access
        self._page_tokens = page_tokens
        self._domain = domain
        self._default_deadline = default_deadline
        self._idempotent_calls = idempotent_calls
        self._audit = audit
        # Each method's handler wrapped once: (the server's handler, ours).
        self._wrapped: dict[str, tuple[grpc.RpcMethodHandler, grpc.RpcMethodHandler]] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or method.startswith(_UNCHECKED_PREFIXES):
            return handler
        known = self._wrapped.get(method)
        if known is not None and known[0] is handler:
            return known[1]
        wrapped = self._wrap(handler, method)
        self._wrapped[method] = (handler, wrapped)
        return wrapped

    def _wrap(self, handler: grpc.RpcMethodHandler, method: str) -> grpc.RpcMethodHandler:
        deserializer = _tolerant(handler.request_deserializer)
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self._wrap_unary(handler.unary_unary, method),
                request_deserializer=deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._wrap_stream(handler.unary_stream, method),
                request_deserializer=deserializer,
                response_serializer=handler.response_serializer,
            )
        return handler  # client-streaming methods are not part of the contracts

    async def _call_context(self, method: str, metadata: tuple[tuple[str, Any], ...]
                            ) -> context.CallContext | CognitionError:
        """The context of the call, its caller verified; or why the caller is refused."""
        call = context.from_metadata(metadata, method, _trace_id(metadata))
        if self._access is None:
            return call
        try:
            return await self._access.identify(method, call, context.bearer_token(metadata))
        except CognitionError as error:
            return error

    async def _fail(self, ctx: grpc.aio.ServicerContext, error: BaseException) -> None:
        if isinstance(error, asyncio.TimeoutError):
            error = DeadlineExceeded("deadline exceeded before the call finished")
        elif isinstance(error, NotImplementedError):
            error = Unimplemented(f"{context.current().method} is not served yet")
        if not isinstance(error, CognitionError):
            log.error("unhandled error in %s", context.current().method, exc_info=error)
            error = Internal("internal error")
        await ctx.abort_with_status(to_grpc_status(error, self._domain))

    def _deadline(self, ctx: grpc.aio.ServicerContext,
                  read: bool) -> contextlib.AbstractAsyncContextManager[object]:
        """The deadline the call runs under. gRPC cancels a call when the deadline its caller
        set passes; a read needs nothing more. A call without one gets the default, and a
        mutation always ends in a TimeoutError of its own, so its failure is audited."""
        remaining = ctx.time_remaining()
        if read and remaining is not None:
            return _CALLERS_DEADLINE
        return asyncio.timeout(self._default_deadline if remaining is None else remaining)

    def _wrap_unary(self, behavior: Callable[..., Any], method: str) -> Callable[..., Any]:
        page_tokens = self._page_tokens if pages(method) else None
        read = is_idempotent(method.rsplit("/", 1)[-1])
        run = self._runner(behavior, method)

        async def unary(request: Any, ctx: grpc.aio.ServicerContext) -> Any:
            metadata = tuple(ctx.invocation_metadata() or ())
            with tracing.continued_trace(metadata):
                return await traced(request, ctx, metadata)

        async def traced(request: Any, ctx: grpc.aio.ServicerContext,
                         metadata: tuple[tuple[str, Any], ...]) -> Any:
            call = await self._call_context(method, metadata)
            with context.bind(call if isinstance(call, context.CallContext)
                              else context.CallContext(method=method)):
                started = time.perf_counter()
                outcome = "OK"
                try:
                    await self._check(method, call, request)
                    if page_tokens is None:
                        validate(request)
                        async with self._deadline(ctx, read):
                            return await run(request, ctx)
                    binding, bad_token = page_tokens.open_request(method, request)
                    validate(request, bad_token)
                    async with self._deadline(ctx, read):
                        response = await run(request, ctx)
                    page_tokens.seal_response(response, binding)
                    return response
                except grpc.aio.AbortError:
                    outcome = "ABORTED_BY_HANDLER"
                    raise
                except Exception as error:
                    outcome = type(error).__name__
                    await self._fail(ctx, error)
                finally:
                    log.debug("rpc %s %s %.1fms", method, outcome,
                              (time.perf_counter() - started) * 1000)

        return unary

    async def _check(self, method: str, call: context.CallContext | CognitionError,
                     request: Any) -> None:
        """Refuse a caller whose credential did not verify, a body that does not parse, and a
        caller without the method's scope."""
        if isinstance(call, CognitionError):
            raise call
        if isinstance(request, _Undecodable):
            raise request.refuse()
        await self._admit(method, request)

    async def _admit(self, method: str, request: Any) -> None:
        """Check the caller may call ``method``; a refused mutation is still audited."""
        if self._access is None:
            return
        try:
            await self._access.admit(method, context.current())
        except CognitionError as error:
            if self._audit is not None and AuditRecorder.audits(method):
                await self._audit.record(method, request, None, error)
            raise

    def _runner(self, behavior: Callable[..., Any], method: str) -> Callable[..., Any]:
        """``behavior`` as the method runs it: through the idempotency keys when its request
        takes a ``request_id``, and audited when it mutates (decided once per method)."""
        keys = self._idempotent_calls if takes_request_id(method) else None
        audit = self._audit if self._audit and AuditRecorder.audits(method) else None

        async def behave(request: Any, ctx: grpc.aio.ServicerContext) -> Any:
            if keys is None:
                return await behavior(request, ctx)
            return await keys.run(method, request, lambda: behavior(request, ctx))

        if audit is None:
            return behave

        async def audited(request: Any, ctx: grpc.aio.ServicerContext) -> Any:
            with audit.serving(method, request) as call:
                try:
                    response = await behave(request, ctx)
                except Exception as error:
                    await audit.record(method, request, None, error)
                    raise
            if not call.written:  # the handler did not write it with its change
                await audit.record(method, request, response, None)
            return response

        return audited

    def _wrap_stream(self, behavior: Callable[..., Any], method: str) -> Callable[..., Any]:
        async def stream(request: Any, ctx: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            metadata = tuple(ctx.invocation_metadata() or ())
            with tracing.continued_trace(metadata):
                async for item in streamed(request, ctx, metadata):
                    yield item

        async def streamed(request: Any, ctx: grpc.aio.ServicerContext,
                           metadata: tuple[tuple[str, Any], ...]) -> AsyncIterator[Any]:
            call = await self._call_context(method, metadata)
            with context.bind(call if isinstance(call, context.CallContext)
                              else context.CallContext(method=method)):
                try:
                    await self._check(method, call, request)
                    validate(request)
                    result = behavior(request, ctx)
                    if inspect.isasyncgen(result):
                        async for item in result:
                            yield item
                    else:
                        await result
                except grpc.aio.AbortError:
                    raise
                except Exception as error:
                    await self._fail(ctx, error)

        return stream
