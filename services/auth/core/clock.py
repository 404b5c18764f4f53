"""``Clock``: where the auth domain reads the time, so tests can move it instead of sleeping."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from shared.resources.entity import utc_now

Clock = Callable[[], dt.datetime]
"""Returns the current time, timezone-aware, in UTC."""

system_clock: Clock = utc_now
