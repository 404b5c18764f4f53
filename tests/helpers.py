"""Helpers for tests: polling instead of sleeping."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

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
