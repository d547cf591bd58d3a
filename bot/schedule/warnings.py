"""预警劝阻单 on the schedule: deadline steps (reminders, escalations) and the monthly figures.

The scheduler asks `warning_steps` which steps fall in a window, like a push's deadline
steps, and runs `warning_step` once per step; a step whose warning has moved on does
nothing. `monthly_section` gives the 月度排名 its 预警劝阻 block, numbers only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.context import Context
from bot.domain.bulletin import Section
from bot.domain.periods import MONTHLY, Period
from bot.domain.warnings import (
    EVALUATED,
    GRADES,
    ISSUED,
    RESULTS,
    SIGNED,
    WarningNotice,
    WarningPolicy,
    WarningStep,
    steps,
)

if TYPE_CHECKING:
    from bot.app import App


def _policy(app: App) -> WarningPolicy:
    w = app.config.warning
    return WarningPolicy(
        w.sign_minutes, w.visit_hours, w.remind_before_minutes, w.escalate_after_minutes
    )


def warning_steps(app: App, since: datetime, until: datetime) -> list[WarningStep]:
    """Deadline steps in [since, until) of warnings still waiting for a signature or 劝阻."""
    policy = _policy(app)
    found = []
    for w in app.store.warnings(open_only=True):
        if w.state in (ISSUED, SIGNED):
            found += [s for s in steps(w, policy) if since <= s.at < until]
    return found


async def warning_step(ctx: Context) -> None:
    """Run one deadline step (options: warning_id, kind)."""
    app = ctx.app
    with app.store.transaction():
        app.chat.warnings.step(ctx, int(ctx.options["warning_id"]), str(ctx.options["kind"]))
    app.sender.wake()


def tally(warnings: Sequence[WarningNotice]) -> list[str]:
    """The month's figures, without names: issued, signed and 劝阻 in time, outcomes."""
    n = len(warnings)
    signed = [w for w in warnings if w.signed_at is not None]
    signed_in_time = sum(1 for w in signed if w.signed_at and w.signed_at <= w.sign_by)
    visited = [w for w in warnings if w.visited_at is not None]
    visited_in_time = sum(1 for w in visited if w.visited_at and w.visited_at <= w.visit_by)
    results = Counter(w.result for w in visited)
    methods = Counter(w.method for w in visited)
    grades = Counter(w.grade for w in warnings if w.state == EVALUATED)
    lines = [
        f"下发预警劝阻单 {n} 张；签收 {len(signed)} 张，其中按时签收 {signed_in_time} 张"
        f"（{_pct(signed_in_time, n)}）。",
        f"完成劝阻 {len(visited)} 张，其中按时 {visited_in_time} 张"
        f"（{_pct(visited_in_time, n)}）；"
        f"电话 {methods['电话']} 张、上门 {methods['上门']} 张。",
        "劝阻结果：" + "，".join(f"{r} {results[r]}" for r in RESULTS) + "。",
    ]
    if grades:
        lines.append("评价：" + "，".join(f"{g} {grades[g]}" for g in GRADES) + "。")
    open_count = sum(1 for w in warnings if w.open)
    if open_count:
        lines.append(f"尚未办结（未反馈）{open_count} 张。")
    return lines


def _pct(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.0f}%" if whole else "—"


def monthly_section(ctx: Context, kind: str, period: Period) -> Sequence[Section]:
    """The 月度排名's 预警劝阻 block (nothing in other bulletins, or with no warnings)."""
    if kind != MONTHLY:
        return ()
    issued = ctx.app.store.warnings_issued(period.start, period.end)
    if not issued:
        return ()
    return (Section("预警劝阻", tuple(tally(issued))),)
