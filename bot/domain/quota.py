"""The per-group receive quota of customer-group mass sends.

WeCom's current text: each customer group may receive at most as many mass sends per month
as the month has days; the corp can switch to 7 per week or 1 per day in 群发助手 → 设置群发规则.
Older text: 4 per natural month. The rule is a setting; this module says what it allows.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import datetime, timedelta

__all__ = ["QUOTA_RULES", "quota_left", "quota_window"]

QUOTA_RULES = ("days_in_month", "legacy4", "weekly7", "daily1")


def quota_window(rule: str, now: datetime) -> tuple[datetime, datetime, int]:
    """The current window (start, end) and how many sends a group may receive in it.

    `now` should be in the corp's zone (Asia/Shanghai): windows begin at local midnight."""
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if rule == "daily1":
        return day, day + timedelta(days=1), 1
    if rule == "weekly7":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7), 7
    start = day.replace(day=1)
    days = calendar.monthrange(start.year, start.month)[1]
    end = start + timedelta(days=days)
    if rule == "legacy4":
        return start, end, 4
    if rule == "days_in_month":
        return start, end, days
    raise ValueError(f"未知的群发接收规则 {rule!r}，可选：{'、'.join(QUOTA_RULES)}")


def quota_left(rule: str, now: datetime, received: Iterable[datetime]) -> int:
    """How many more mass sends a group may receive in the window around `now`, given the
    times it received earlier ones."""
    start, end, cap = quota_window(rule, now)
    used = sum(1 for at in received if start <= at < end)
    return max(0, cap - used)
