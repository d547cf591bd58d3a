"""The month-long demo's 发案统计: the office enters last year's and this year's history,
then October's figures; the 派出所 enters November's before the month ends; the 12-01
月度排名 ranks November, calls in the village at the top of all three indicators for the
second month running and shows 同比 and the 无诈村组 assessment.

Figures are fixed (no draw from the demo's random stream) and go through
`bot.cases.enter_figures`, the function behind the dashboard's form and Excel import.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot import cases
from bot.domain.cases import CaseFigure, month_label, month_of, shift_month
from bot.domain.model import Level

if TYPE_CHECKING:
    from bot.cli.demo import DemoScript
    from bot.runtime import Runtime

POLICE = "派出所"
# The village at the top in October and November (the demo town's 王家坝村, else the third).
HOTSPOT = "王家坝村"
# Cases per village per month last year (the base for 同比); units had none.
LAST_YEAR = (2, 1, 3, 2, 1, 0, 2, 1)


def _village_month(index: int, month: int, year_drop: bool) -> tuple[int, int]:
    """Fixed cases and loss (分) for a village and month: a little pattern, no randomness."""
    base = LAST_YEAR[index % len(LAST_YEAR)]
    cases = (base + month + index) % 3 if year_drop else (base + month) % 4
    return cases, cases * (3_000_00 + 1_700_00 * ((index + month) % 5))


def history(villages: Sequence[str], year: int, until_month: int) -> list[CaseFigure]:
    """Last year's twelve months and this year's January to `until_month`, by village."""
    figures = []
    for m in range(1, 13):
        for i, unit in enumerate(villages):
            cases, loss = _village_month(i, m, year_drop=False)
            figures.append(CaseFigure(unit, f"{year - 1}-{m:02d}", cases, loss))
    for m in range(1, until_month + 1):
        for i, unit in enumerate(villages):
            # 李家村 (the second village) gets worse this year: not 达标.
            cases, loss = _village_month(i, m, year_drop=i != 1)
            figures.append(CaseFigure(unit, f"{year}-{m:02d}", cases + (i == 1), loss))
    return figures


def month_figures(villages: Sequence[str], month: str, hotspot: str) -> list[CaseFigure]:
    """A month's figures: the hotspot tops cases, loss and 万人发案数; one or none elsewhere."""
    figures = []
    for i, unit in enumerate(villages):
        if unit == hotspot:
            figures.append(CaseFigure(unit, month, 4, 8_600_000))
        elif i % 3 == 0:
            figures.append(CaseFigure(unit, month, 1, 420_000 + 10_000 * i))
    return figures


def _villages(rt: Runtime) -> list[str]:
    units = rt.app.org.units
    village_units = {g.unit for g in rt.app.org.groups if g.level is Level.VILLAGE}
    return [u for u in units if u in village_units]


def _hotspot(villages: Sequence[str]) -> str:
    return HOTSPOT if HOTSPOT in villages else villages[min(2, len(villages) - 1)]


def plan(script: DemoScript, days: int) -> None:
    """History and October on the first working morning; November on the 30th, 17:00."""
    rt = script.rt
    start = script.clock.now()
    this_month = month_of(start)
    last_month = shift_month(this_month, -1)
    office = script.office.name

    async def enter_history() -> None:
        villages = _villages(rt)
        figures = history(villages, start.year, int(last_month[5:]) - 1)
        cases.enter_figures(rt.store, script.clock.now(), office, figures)

    async def enter_last_month() -> None:
        villages = _villages(rt)
        figures = month_figures(villages, last_month, _hotspot(villages))
        cases.enter_figures(rt.store, script.clock.now(), office, figures)

    async def enter_this_month() -> None:
        villages = _villages(rt)
        figures = month_figures(villages, this_month, _hotspot(villages))
        cases.enter_figures(rt.store, script.clock.now(), POLICE, figures)

    morning = start.replace(hour=10, minute=0) + timedelta(days=1)
    script.at(morning, enter_history)
    script.at(morning + timedelta(minutes=30), enter_last_month)
    month_end = _last_day(start).replace(hour=17, minute=0)
    if month_end < start + timedelta(days=days):
        script.at(month_end, enter_this_month)


def _last_day(day: datetime) -> datetime:
    following = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return following - timedelta(days=1)


def summary(rt: Runtime) -> str:
    """Who entered how many figures when, and what the latest month's ranking concluded."""
    entries = [
        e for e in reversed(rt.store.audit_log(limit=5000)) if e.action == cases.AUDIT_ACTION
    ]
    if not entries:
        return ""
    batches: dict[tuple[str, str], int] = {}
    for e in entries:
        key = (f"{e.at:%m-%d %H:%M}", e.actor)
        batches[key] = batches.get(key, 0) + 1
    lines = [
        f"{at} {actor} 录入 {n} 条（发案页同一录入函数，审计日志逐条记录）"
        for (at, actor), n in batches.items()
    ]
    month = max(f.month for f in rt.store.case_figures("2000-01", "2100-12"))
    ranking = cases.month_ranking(rt.store, rt.app.org, month)
    met = sum(1 for r in ranking.rows if r.ytd_yoy.target_met)
    missed = [r.unit for r in ranking.rows if r.ytd_yoy.target_met is False]
    lines.append(
        f"{month_label(month)}：全镇发案 {sum(r.cases for r in ranking.rows)} 起；"
        f"约谈 {'、'.join(ranking.interviews) or '无'}；"
        f"无诈村组达标 {met} 个，未达标 {'、'.join(missed) or '无'}（详见 12-01 的月度排名）"
    )
    return "\n".join(lines)
