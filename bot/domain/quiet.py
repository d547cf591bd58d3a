"""Quiet hours (免打扰): when household-level groups must not be messaged."""

from __future__ import annotations

from datetime import datetime, time, timedelta


def quiet_until(now: datetime, start: time, end: time) -> datetime | None:
    """The end of the quiet period `now` falls in, or None outside it.

    `now` must be in the local zone the times refer to. A window may run overnight
    (22:00–07:00) or within a day (12:00–14:00); equal start and end mean no quiet hours.
    """
    if start == end:
        return None
    clock = now.time().replace(tzinfo=None)
    today_end = datetime.combine(now.date(), end, tzinfo=now.tzinfo)
    if start < end:
        return today_end if start <= clock < end else None
    if clock >= start:
        return today_end + timedelta(days=1)
    if clock < end:
        return today_end
    return None
