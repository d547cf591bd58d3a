"""Bulletin sections from workflows other than the relay (发案, 预警, 回访, campaigns).

Each workflow registers one function here; `bot.schedule.bulletins.gather` asks every one of
them for its sections of a bulletin of a given kind and period, in the order listed.
A contributor returns no section when it has nothing to say for that kind and period.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot import cases
from bot.context import Context
from bot.domain.bulletin import Section
from bot.domain.periods import Period
from bot.schedule.callback_section import callback_sections
from bot.schedule.drives import drive_sections
from bot.schedule.warnings import monthly_section as warning_section

Contributor = Callable[[Context, str, Period], Sequence[Section]]

# Order = order in the bulletin: 发案统计 (bot.cases: ranking by 发案数, 损失, 万人发案数,
# 约谈, 同比), 回访抽查 (知晓率), 预警劝阻单 (statistics without names), 专项行动.
CONTRIBUTORS: list[Contributor] = [
    cases.bulletin_sections,
    callback_sections,
    warning_section,
    drive_sections,
]


def sections_for(ctx: Context, kind: str, period: Period) -> tuple[Section, ...]:
    """Every registered workflow's sections for a bulletin of `kind` over `period`."""
    return tuple(s for contribute in CONTRIBUTORS for s in contribute(ctx, kind, period))
