"""Calls made again while the mesh is unreachable, until the command's deadline."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from cognos.reconnect import Reconnecting


def _error(code: grpc.StatusCode) -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(),
                                details=f"{code.name.lower()} now")


class FlakyPeer:
    """Answers after failing with ``codes``, one per call."""

    def __init__(self, *codes: grpc.StatusCode) -> None:
        self._codes = list(codes)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self._codes:
            raise _error(self._codes.pop(0))
        return "answer"


async def test_a_call_is_made_again_until_the_peer_is_back() -> None:
    notes: list[str] = []
    reconnecting = Reconnecting(asyncio.get_running_loop().time() + 30, notes.append)
    peer = FlakyPeer(grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)

    assert await reconnecting.call(peer) == "answer"

    assert peer.calls == 3
    assert len(notes) == 2  # one outage, told once when lost and once when back
    assert notes[0] == "lost the mesh (UNAVAILABLE: unavailable now); reconnecting"
    assert notes[1].startswith("reconnected after ")


async def test_an_error_of_the_call_itself_is_not_retried() -> None:
    reconnecting = Reconnecting(asyncio.get_running_loop().time() + 30, lambda _: None)
    peer = FlakyPeer(grpc.StatusCode.PERMISSION_DENIED)

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await reconnecting.call(peer)

    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert peer.calls == 1


async def test_past_the_deadline_the_failure_is_final() -> None:
    reconnecting = Reconnecting(asyncio.get_running_loop().time(), lambda _: None)
    peer = FlakyPeer(grpc.StatusCode.UNAVAILABLE)

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await reconnecting.call(peer)

    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE
    assert peer.calls == 1
