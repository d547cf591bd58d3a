"""The stretches of time a 通报 covers: a day, a Monday-to-Sunday week, a calendar month.

Pure: each period is computed from `now` in its own time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

DAILY = "日报"
WEEKLY = "周报"
MONTHLY = "月度排名"
KINDS = (DAILY, WEEKLY, MONTHLY)

WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class Period:
    """The stretch of time a bulletin covers: [start, end)."""

    kind: str
    start: datetime
    end: datetime
    key: str
    label: str

    @property
    def days(self) -> list[date]:
        """Every calendar day in the period."""
        first, last = self.start.date(), (self.end - timedelta(microseconds=1)).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _midnight(day: date, like: datetime) -> datetime:
    return datetime.combine(day, time(0), tzinfo=like.tzinfo)


def month_day(day: date) -> str:
    """A date as 11月25日 (no year)."""
    return f"{day.month}月{day.day}日"


def day_period(now: datetime) -> Period:
    """Today (the local day of `now`)."""
    start = _midnight(now.date(), now)
    label = f"{month_day(now.date())}（星期{WEEKDAYS[now.weekday()]}）"
    return Period(DAILY, start, start + timedelta(days=1), now.date().isoformat(), label)


def week_period(now: datetime, previous: bool) -> Period:
    """The Monday-to-Sunday week of `now`, or the week before it."""
    monday = now.date() - timedelta(days=now.weekday())
    if previous:
        monday -= timedelta(days=7)
    sunday = monday + timedelta(days=6)
    year, week, _ = monday.isocalendar()
    start = _midnight(monday, now)
    return Period(
        WEEKLY,
        start,
        start + timedelta(days=7),
        f"{year}-W{week:02d}",
        f"{month_day(monday)}—{month_day(sunday)}",
    )


def month_period(now: datetime, previous: bool) -> Period:
    """The calendar month of `now`, or the month before it."""
    first = now.date().replace(day=1)
    if previous:
        first = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(
        MONTHLY,
        _midnight(first, now),
        _midnight(following, now),
        f"{first:%Y-%m}",
        f"{first.year}年{first.month}月",
    )
