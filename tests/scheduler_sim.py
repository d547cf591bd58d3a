"""Shared by the scheduler tests: times on the test day, jobs through the same checks as the
schedule files, one chat message and one scheduler tick on a simulated clock (nothing sleeps)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.clock import SHANGHAI, SimClock
from bot.runtime import Runtime
from bot.schedule.scheduler import JobSpec, Scheduler, parse_schedule
from bot.transport.base import ChatLine
from tests import chat

__all__ = ["GRACE", "NOTICE", "at", "say", "spec", "tick"]

NOTICE = (
    "推送\n截止:18:00\n【警惕刷单返利诈骗】所有刷单都是诈骗！先返小利、再骗大钱，"
    "遇到可疑情况请拨打96110咨询。"
)
GRACE = timedelta(hours=2)


def at(hhmm: str, day: str = "2026-11-23") -> datetime:
    """A Shanghai time on `day` (by default the test day, a Monday)."""
    return datetime.fromisoformat(f"{day}T{hhmm}:00+08:00")


def spec(**raw: Any) -> JobSpec:
    """A job from the same validation the schedule files go through."""
    parsed = parse_schedule(raw, "测试任务", SHANGHAI, GRACE)
    assert parsed is not None
    return parsed


async def say(rt: Runtime, who: str, text: str, group: str | None = "cmd") -> list[ChatLine]:
    """`who` writes `text` in `group` (default the command group); what the bot sent."""
    return await chat.say(rt, who, text, group)


async def tick(rt: Runtime, sch: Scheduler, clock: SimClock, when: datetime) -> list[ChatLine]:
    """Move the clock to `when`, run what is due, send it; return what went out."""
    clock.advance_to(when)
    await sch.run_due(when)
    await rt.app.settle()
    return rt.simulator.pop_sent()
