"""Bulletin sections from workflows other than the relay (发案, 预警, 回访, campaigns).

Each workflow registers one function here; `bot.schedule.bulletins.gather` asks every one of
them for its sections of a bulletin of a given kind and period, in the order listed.
A contributor returns no section when it has nothing to say for that kind and period.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.context import Context
from bot.domain.bulletin import Section
from bot.domain.periods import Period
from bot.schedule.callback_section import callback_sections

Contributor = Callable[[Context, str, Period], Sequence[Section]]

# Appended to by each workflow's module list below; order = order in the bulletin.
CONTRIBUTORS: list[Contributor] = []
CONTRIBUTORS.append(callback_sections)  # 回访抽查


def sections_for(ctx: Context, kind: str, period: Period) -> tuple[Section, ...]:
    """Every registered workflow's sections for a bulletin of `kind` over `period`."""
    return tuple(s for contribute in CONTRIBUTORS for s in contribute(ctx, kind, period))
