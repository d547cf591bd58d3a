"""Time sources. The core never reads the clock: the app asks one of these for `now`."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    """Where the app gets the time and how it waits."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait this long (simulated clocks just move forward)."""
        ...


class SystemClock:
    """The real wall clock in a given zone."""

    def __init__(self, tz: tzinfo = SHANGHAI) -> None:
        self.tz = tz

    def now(self) -> datetime:
        """Wall-clock time in the configured zone."""
        return datetime.now(self.tz)

    async def sleep(self, seconds: float) -> None:
        """Really wait."""
        await asyncio.sleep(max(0.0, seconds))


class SimClock:
    """A simulated clock for demo, replay and tests: waiting moves time, nothing blocks."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("SimClock needs a timezone-aware start time")
        self._now = start

    def now(self) -> datetime:
        """The simulated time."""
        return self._now

    def advance_to(self, when: datetime) -> None:
        """Move forward to `when` (never backwards)."""
        if when > self._now:
            self._now = when.astimezone(self._now.tzinfo)

    def advance(self, seconds: float) -> None:
        """Move forward by `seconds`."""
        self._now += timedelta(seconds=max(0.0, seconds))

    async def sleep(self, seconds: float) -> None:
        """Advance simulated time and yield to the loop once."""
        self.advance(seconds)
        await asyncio.sleep(0)
