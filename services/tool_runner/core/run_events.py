"""What watchers of a run hear while this process runs it: its state changes and output."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
from collections.abc import Iterator

from services.tool_runner.core.models import ToolRun
from shared.resources.entity import utc_now


@dataclasses.dataclass(frozen=True)
class RunEvent:
    """One event of a run: ``tool_run.started``, ``tool_run.output`` or ``tool_run.ended``."""

    run: ToolRun
    type: str
    output_chunk: str = ""
    time: dt.datetime = dataclasses.field(default_factory=utc_now)

    @property
    def final(self) -> bool:
        """Whether no event follows."""
        return self.type == "tool_run.ended"


class RunEvents:
    """A fan-out of each running run's events to its watchers."""

    def __init__(self) -> None:
        self._watchers: dict[tuple[str, str], list[asyncio.Queue[RunEvent]]] = {}

    def publish(self, event: RunEvent) -> None:
        """Hand ``event`` to every watcher of its run."""
        for queue in self._watchers.get((event.run.tenant, event.run.id), ()):
            queue.put_nowait(event)

    @contextlib.contextmanager
    def subscribe(self, tenant: str, run_id: str) -> Iterator[asyncio.Queue[RunEvent]]:
        """A queue of the run's events from now on, for the duration of the block."""
        key = (tenant, run_id)
        queue: asyncio.Queue[RunEvent] = asyncio.Queue()
        self._watchers.setdefault(key, []).append(queue)
        try:
            yield queue
        finally:
            self._watchers[key].remove(queue)
            if not self._watchers[key]:
                del self._watchers[key]
