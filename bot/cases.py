"""发案统计 over the store: entering figures (dashboard form, Excel import and the demo all
come through `enter_figures`), a month's ranking, and the 月度排名's 发案 section.

Every change is audited with the old and the new figure; a batch is written all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.context import Context
from bot.domain.bulletin import Section
from bot.domain.cases import (
    CaseFigure,
    MonthRanking,
    Population,
    figures_window,
    month_label,
    month_of,
    populations,
    rank_month,
    yuan_text,
)
from bot.domain.cases_texts import SECTION_TITLE, ranking_chart, ranking_lines
from bot.domain.model import Org
from bot.domain.periods import MONTHLY, Period
from bot.store import Store

AUDIT_ACTION = "发案录入"


@dataclass(frozen=True)
class Entered:
    """What one batch changed: figures new or replaced, and those left as they were."""

    changed: tuple[str, ...]
    unchanged: int


def figure_text(f: CaseFigure | None) -> str:
    """ "3起/1.5万元" ("未填" for none)."""
    return "未填" if f is None else f"{f.cases}起/{yuan_text(f.loss_fen)}"


def unknown_units(org: Org, figures: Sequence[CaseFigure]) -> list[str]:
    """Units of `figures` that are no village/unit of the roster."""
    known = set(org.units)
    return sorted({f.unit for f in figures if f.unit not in known})


def enter_figures(store: Store, now: datetime, who: str, figures: Sequence[CaseFigure]) -> Entered:
    """Store figures (each replaces the unit's figure for its month), all or nothing; every
    change is audited as "李家村 2026年11月：2起/5000元→3起/1.5万元"."""
    changed, unchanged = [], 0
    with store.transaction():
        for figure in figures:
            new = replace(figure, by=who, at=now)
            old = store.put_case_figure(new)
            if old is not None and (old.cases, old.loss_fen) == (new.cases, new.loss_fen):
                unchanged += 1
                continue
            detail = f"{new.unit} {month_label(new.month)}：{figure_text(old)}→{figure_text(new)}"
            store.audit(now, who, AUDIT_ACTION, detail)
            changed.append(detail)
    return Entered(tuple(changed), unchanged)


def population_table(store: Store, org: Org) -> dict[str, Population]:
    """Each unit's population and its source (org file, office figure, roster households)."""
    return populations(org, store.set_populations())


def month_ranking(store: Store, org: Org, month: str) -> MonthRanking:
    """The 发案 ranking of a month over the roster's villages/units."""
    first, last = figures_window(month)
    figures = store.case_figures(first, last)
    return rank_month(figures, month, org.units, population_table(store, org))


def bulletin_sections(ctx: Context, kind: str, period: Period) -> list[Section]:
    """The 月度排名's 发案 section (other bulletins have none). A town that has never entered
    a figure (since last January) gets no section; one that has, but not for this month,
    is told the month is missing. The section carries a chart of 万人发案数 per unit with the
    约谈 units flagged, drawn as the bulletin's second image."""
    if kind != MONTHLY:
        return []
    app, month = ctx.app, month_of(period.start)
    if not app.store.case_figures(*figures_window(month)):
        return []
    ranking = month_ranking(app.store, app.org, month)
    chart = ranking_chart(ranking, app.org.town)
    return [Section(SECTION_TITLE, tuple(ranking_lines(ranking)), chart)]
