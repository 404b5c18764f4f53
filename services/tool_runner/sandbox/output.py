"""A run's stdout or stderr as it arrives: kept up to the output limit, decoded as UTF-8 and
handed on piece by piece."""

from __future__ import annotations

import asyncio
import codecs
from collections.abc import Awaitable, Callable

OutputCallback = Callable[[str, str], Awaitable[None]]
CHUNK = 1 << 16


class StreamOutput:
    """One stream of a run.

    Args:
        name: ``stdout`` or ``stderr``, as the callback is told.
        limit: Bytes kept; the first byte past them calls ``on_exceeded``.
        on_output: Called with ``(name, text)`` for each piece kept, if given.
        on_exceeded: Called once when the stream passes ``limit``.
    """

    def __init__(self, name: str, limit: int, on_output: OutputCallback | None,
                 on_exceeded: Callable[[], None]) -> None:
        self.name = name
        self._limit = limit
        self._on_output = on_output
        self._on_exceeded = on_exceeded
        self._data = bytearray()
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    @property
    def text(self) -> str:
        """What was kept, decoded."""
        return self._data.decode("utf-8", "replace")

    async def pump(self, reader: asyncio.StreamReader) -> None:
        """Read ``reader`` to its end; what is past the limit is dropped."""
        exceeded = False
        while chunk := await reader.read(CHUNK):
            if exceeded:
                continue  # read on, and drop, until the stopped run's pipe closes
            kept = chunk[:self._limit - len(self._data)]
            self._data += kept
            await self._hand_on(self._decoder.decode(kept))
            if len(kept) < len(chunk):
                exceeded = True
                self._on_exceeded()
        await self._hand_on(self._decoder.decode(b"", final=True))

    async def _hand_on(self, text: str) -> None:
        if text and self._on_output is not None:
            await self._on_output(self.name, text)
