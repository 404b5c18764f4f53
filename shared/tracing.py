"""OpenTelemetry set-up: a tracer provider per process, spans exported by OTLP/gRPC.

Trace context travels between services in gRPC metadata (W3C ``traceparent``) through the
OpenTelemetry gRPC instrumentation installed on every server and client.
"""

from __future__ import annotations

import grpc
from opentelemetry import trace
from opentelemetry.instrumentation.grpc import aio_client_interceptors, aio_server_interceptor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

_configured = False


def configure(service_name: str, otlp_endpoint: str) -> None:
    """Install a tracer provider for ``service_name``; export to ``otlp_endpoint`` if set.

    Idempotent per process: the first call wins (tests start several servers in one process).
    """
    global _configured
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


def server_interceptor() -> grpc.aio.ServerInterceptor:
    """Starts a server span per call, continuing the caller's trace from metadata."""
    interceptor: grpc.aio.ServerInterceptor = aio_server_interceptor()
    return interceptor


def client_interceptors() -> list[grpc.aio.ClientInterceptor]:
    """Start a client span per call and inject ``traceparent`` into its metadata."""
    return list(aio_client_interceptors())
