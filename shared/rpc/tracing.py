"""OpenTelemetry set-up: a tracer provider per process, spans exported by OTLP/gRPC.

Trace context travels between services in gRPC metadata (W3C ``traceparent``) through the
OpenTelemetry gRPC instrumentation on every client, and on every server whose spans are
exported. A server whose spans nothing reads continues the caller's trace with
:func:`continued_trace` instead: the same ids for logs, audit entries and the calls it makes,
without the instrumentation's span machinery on every call.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import grpc
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.instrumentation.grpc import aio_client_interceptors, aio_server_interceptor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

_configured = False
_exporting = False
_ids = RandomIdGenerator()
_NOTHING_PROPAGATED = otel_context.Context()


def configure(service_name: str, otlp_endpoint: str) -> None:
    """Install a tracer provider for ``service_name``; export to ``otlp_endpoint`` if set.

    Idempotent per process: the first call wins (tests start several servers in one process).
    """
    global _configured, _exporting
    if _configured:
        return
    # Without an exporter nothing reads the spans: they are not recorded, but still get trace
    # and span ids, which travel on and label logs and audit entries.
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}),
                              sampler=None if otlp_endpoint else ALWAYS_OFF)
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint, insecure=True))
        )
    trace.set_tracer_provider(provider)
    _configured = True
    _exporting = bool(otlp_endpoint)


def server_interceptors() -> list[grpc.aio.ServerInterceptor]:
    """A server span per call, continuing the caller's trace from metadata, when spans are
    exported; none otherwise (see :func:`continued_trace`)."""
    if not _exporting:
        return []
    interceptor: grpc.aio.ServerInterceptor = aio_server_interceptor()
    return [interceptor]


@contextmanager
def continued_trace(metadata: Iterable[tuple[str, str | bytes]]) -> Iterator[None]:
    """Within the block, the call whose ``metadata`` is given is a span of the caller's trace
    (a new trace without one): unrecorded, with ids of its own, as OpenTelemetry's server
    instrumentation makes it when nothing samples. Nothing happens when that instrumentation
    is installed (spans are exported)."""
    if _exporting:
        yield
        return
    carrier = {k: v for k, v in metadata if isinstance(v, str)}
    propagated = propagate.get_global_textmap()
    caller = (propagate.extract(carrier) if not propagated.fields.isdisjoint(carrier)
              else _NOTHING_PROPAGATED)
    parent = trace.get_current_span(caller).get_span_context()
    if parent.is_valid:
        trace_id, flags = parent.trace_id, parent.trace_flags
    else:
        trace_id, flags = _ids.generate_trace_id(), trace.TraceFlags(trace.TraceFlags.DEFAULT)
    span = trace.NonRecordingSpan(trace.SpanContext(
        trace_id=trace_id, span_id=_ids.generate_span_id(), is_remote=False, trace_flags=flags))
    token = otel_context.attach(trace.set_span_in_context(span, caller))
    try:
        yield
    finally:
        otel_context.detach(token)


def client_interceptors() -> list[grpc.aio.ClientInterceptor]:
    """Start a client span per call and inject ``traceparent`` into its metadata."""
    return list(aio_client_interceptors())
