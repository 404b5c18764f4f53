"""ProviderGate (slots, a first-come-first-served queue, throughput) and how the router holds
providers to their slots and timeouts: the clock of a call starts with its turn."""

from __future__ import annotations

import asyncio

import pytest

from services.ai_runtime.core.admission import CallLimits, ProviderGate
from services.ai_runtime.core.models import AttemptOutcome, ChatMessage, MessageRole
from services.ai_runtime.core.providers.base import (
    ProviderRequest,
    ProviderResponse,
    StreamChunk,
)
from services.ai_runtime.core.router import ProviderRouter, Routed
from shared.errors import Unavailable
from tests.unit.ai_runtime.test_completions import FakeProvider

REQUEST = ProviderRequest("executor", "executor/v1", [ChatMessage(MessageRole.USER, "hi")], 16)


async def until(condition: object) -> None:
    """Let other tasks run until ``condition()`` holds (no clock involved)."""
    while not condition():  # type: ignore[operator]
        await asyncio.sleep(0)


async def test_calls_beyond_the_slots_wait_and_get_their_turn_in_arrival_order() -> None:
    gate = ProviderGate(slots=1)
    order: list[int] = []

    async def call(number: int, done: asyncio.Event) -> None:
        await gate.acquire()
        order.append(number)
        await done.wait()
        gate.release()

    finish = [asyncio.Event() for _ in range(4)]
    tasks = [asyncio.create_task(call(i, finish[i])) for i in range(4)]
    await until(lambda: gate.queued == 3)
    assert (gate.in_flight, order) == (1, [0])
    for i in range(3):
        finish[i].set()
        await until(lambda i=i: len(order) == i + 2)  # the next in line got the slot
    finish[3].set()
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2, 3]
    assert (gate.in_flight, gate.queued) == (0, 0)


async def test_a_cancelled_wait_leaves_the_queue_and_holds_no_slot() -> None:
    gate = ProviderGate(slots=1)
    await gate.acquire()
    waiting = asyncio.create_task(gate.acquire())
    behind = asyncio.create_task(gate.acquire())
    await until(lambda: gate.queued == 2)

    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert gate.queued == 1
    gate.release()
    await behind  # the slot went to the next call, not the one that gave up
    assert (gate.in_flight, gate.queued) == (1, 0)
    gate.release()
    assert gate.in_flight == 0


async def test_a_slot_handed_to_a_call_cancelled_at_that_moment_passes_on() -> None:
    gate = ProviderGate(slots=1)
    await gate.acquire()
    unlucky = asyncio.create_task(gate.acquire())
    next_one = asyncio.create_task(gate.acquire())
    await until(lambda: gate.queued == 2)

    gate.release()  # hands the slot to `unlucky`...
    unlucky.cancel()  # ...which is cancelled before it runs again
    with pytest.raises(asyncio.CancelledError):
        await unlucky
    await next_one
    assert (gate.in_flight, gate.queued) == (1, 0)


async def test_without_slots_every_call_runs_at_once() -> None:
    gate = ProviderGate()
    for _ in range(100):
        await gate.acquire()
    assert (gate.in_flight, gate.queued) == (100, 0)


def test_throughput_is_output_tokens_over_generation_time_of_the_recent_completions() -> None:
    gate = ProviderGate(window=2)
    assert gate.output_tokens_per_second == 0.0
    gate.served(100, 10.0)
    gate.served(30, 2.0)
    gate.served(50, 3.0)  # the first falls out of the window
    assert gate.completions == 3
    assert gate.output_tokens_per_second == pytest.approx(80 / 5.0)


class HeldProvider(FakeProvider):
    """Answers once ``go`` is set; counts the calls it started."""

    def __init__(self, name: str = "local") -> None:
        super().__init__(name, "{}")
        self.started = 0
        self.go = asyncio.Event()

    async def complete(self, request: ProviderRequest) -> ProviderResponse:
        self.started += 1
        await self.go.wait()
        return ProviderResponse("{}", self.model, 5, 8)


async def test_time_waiting_for_a_slot_is_not_counted_against_the_timeout() -> None:
    """The router's timeout is 0.01 s; the call waits for its slot five times longer, then
    runs within it."""
    provider = HeldProvider()
    provider.go.set()
    router = ProviderRouter({"local": provider}, {}, ["local"], ["local"], 0.01,
                            {"local": CallLimits(slots=1)})
    gate = router.gate("local")
    await gate.acquire()  # another call holds the only slot
    call = asyncio.create_task(router.complete(REQUEST))
    await until(lambda: gate.queued == 1)
    await asyncio.sleep(0.05)  # longer than the timeout, spent in the queue
    assert provider.started == 0
    gate.release()

    routed = await call
    assert [a.outcome for a in routed.attempts] == [AttemptOutcome.SUCCEEDED]


async def test_a_provider_gets_its_own_timeout_once_it_runs() -> None:
    provider = HeldProvider()  # never answers
    router = ProviderRouter({"local": provider}, {}, ["local"], ["local"], 60.0,
                            {"local": CallLimits(slots=1, timeout_seconds=0.01)})

    with pytest.raises(Unavailable) as error:
        await router.complete(REQUEST)

    assert "no answer within 0.01s" in error.value.message
    assert (router.gate("local").in_flight, router.gate("local").queued) == (0, 0)


async def test_a_stream_holds_its_slot_until_it_ends_and_is_counted() -> None:
    provider = HeldProvider()
    router = ProviderRouter({"local": provider}, {}, ["local"], ["local"], 5.0,
                            {"local": CallLimits(slots=1)})
    gate = router.gate("local")
    stream = router.stream(REQUEST)
    first = asyncio.create_task(anext(stream))
    await until(lambda: provider.started == 1)
    assert gate.in_flight == 1
    provider.go.set()
    assert (await first) == StreamChunk(delta="{}")
    assert gate.in_flight == 1  # mid-stream
    routed = await anext(stream)
    assert isinstance(routed, Routed) and gate.in_flight == 0  # free before it is recorded
    await stream.aclose()
    [load] = router.loads()
    assert (load.name, load.model, load.slots, load.completions) == ("local", "local-model",
                                                                      1, 1)


async def test_a_stream_closed_early_gives_back_its_slot() -> None:
    provider = HeldProvider()
    provider.go.set()
    router = ProviderRouter({"local": provider}, {}, ["local"], ["local"], 5.0,
                            {"local": CallLimits(slots=1)})
    stream = router.stream(REQUEST)
    await anext(stream)
    await stream.aclose()
    assert router.gate("local").in_flight == 0
    assert router.loads()[0].completions == 0
