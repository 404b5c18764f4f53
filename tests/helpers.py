"""Helpers for tests: polling instead of sleeping, and reading rich gRPC errors."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc

from shared.errors import InvalidArgument
from shared.rpc_status import from_rpc_error

T = TypeVar("T")


async def assert_eventually(probe: Callable[[], Awaitable[T]], *, timeout: float = 10.0,
                            interval: float = 0.05, message: str = "condition") -> T:
    """Poll ``probe`` until it returns a truthy value (returned) or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            result = await probe()
            if result:
                return result
            last = result
        except AssertionError as error:
            last = error
        await asyncio.sleep(interval)
    raise AssertionError(f"{message} not met within {timeout}s (last: {last!r})")


def bad_fields(error: grpc.aio.AioRpcError) -> list[str]:
    """The fields a google.rpc.BadRequest in ``error``'s details names."""
    decoded = from_rpc_error(error)
    return [v.field for v in decoded.violations] if isinstance(decoded, InvalidArgument) else []


def error_reason(error: grpc.aio.AioRpcError) -> str:
    """The reason of the google.rpc.ErrorInfo in ``error``'s details."""
    return from_rpc_error(error).reason
