"""A server whose spans nothing records still continues its caller's trace, so logs, audit
entries and the calls it makes carry the caller's trace id (shared/rpc/tracing.py)."""

from __future__ import annotations

from opentelemetry import propagate, trace

from shared.rpc.tracing import continued_trace

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{CALLER_TRACE}-00f067aa0ba902b7-01"


def _current() -> trace.SpanContext:
    return trace.get_current_span().get_span_context()


def test_the_callers_trace_goes_on_in_a_span_of_its_own() -> None:
    with continued_trace([("traceparent", TRACEPARENT), ("x-request-id", "r")]):
        here = _current()
        carried: dict[str, str] = {}
        propagate.inject(carried)
    assert f"{here.trace_id:032x}" == CALLER_TRACE
    assert f"{here.span_id:016x}" != "00f067aa0ba902b7"
    assert carried["traceparent"].split("-")[1] == CALLER_TRACE  # and on to the next hop
    assert not _current().is_valid  # the block's end restores the context


def test_a_call_without_a_trace_starts_one() -> None:
    with continued_trace([("x-request-id", "r")]):
        first = _current()
    with continued_trace([("traceparent", "garbage")]):
        second = _current()
    assert first.is_valid and second.is_valid
    assert first.trace_id != second.trace_id
