"""``LoginThrottle``: brute-force protection for password sign-ins.

Failures are counted per (tenant, email) in a window that starts at the first failure. The
``limit``-th failure within ``window`` locks that email out for ``window`` from then on: every
attempt is refused with RESOURCE_EXHAUSTED and a retry delay, even with the right password, and
is not counted. A successful sign-in clears the count. Unknown emails are counted like known
ones, so the lockout does not reveal who has an account. The counters live in the service's
database, so every replica enforces the same limit.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Protocol

from services.auth.core.clock import Clock, system_clock
from shared.errors import ResourceExhausted

DEFAULT_LIMIT = 5
DEFAULT_WINDOW = dt.timedelta(minutes=5)


class LoginFailureStore(Protocol):
    """Failure counters, by (tenant, email)."""

    async def locked_until(self, tenant: str, email: str, now: dt.datetime
                           ) -> dt.datetime | None:
        """When the lockout of this email ends, if it is locked out at ``now``."""
        ...

    async def record_failure(self, tenant: str, email: str, now: dt.datetime,
                             window: dt.timedelta, limit: int) -> None:
        """Count one failure at ``now`` atomically (concurrent failures all count): start a new
        window when the last one passed, and lock until ``now + window`` on the
        ``limit``-th failure of a window."""
        ...

    async def clear(self, tenant: str, email: str) -> None: ...


class LoginThrottle:
    """Locks out an email after too many failed password sign-ins.

    Args:
        failures: Where failures are counted.
        clock: The current time.
        limit: Failures within ``window`` that lock the email out.
        window: The counting window, and how long a lockout lasts.
    """

    def __init__(self, failures: LoginFailureStore, clock: Clock = system_clock,
                 limit: int = DEFAULT_LIMIT, window: dt.timedelta = DEFAULT_WINDOW) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self._failures = failures
        self._clock = clock
        self._limit = limit
        self._window = window

    async def check(self, tenant: str, email: str) -> None:
        """Refuse an attempt while the email is locked out.

        Raises:
            ResourceExhausted: Locked out (reason TOO_MANY_FAILED_SIGN_INS), with the delay
                until the lockout ends.
        """
        now = self._clock()
        until = await self._failures.locked_until(tenant, email, now)
        if until is not None:
            seconds = max(1, math.ceil((until - now).total_seconds()))
            raise ResourceExhausted(
                f"too many failed sign-ins; try again in {seconds} s",
                retry_after=float(seconds), reason="TOO_MANY_FAILED_SIGN_INS")

    async def failed(self, tenant: str, email: str) -> None:
        """Count a failed attempt."""
        await self._failures.record_failure(tenant, email, self._clock(), self._window,
                                            self._limit)

    async def succeeded(self, tenant: str, email: str) -> None:
        """Forget the failures of an email that just signed in."""
        await self._failures.clear(tenant, email)
