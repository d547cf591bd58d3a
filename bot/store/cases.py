"""The part of the Store protocol for 发案统计: monthly cases and losses per unit, and the
population figures the office sets where the org file gives none."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.domain.cases import CaseFigure


class CaseStore(Protocol):
    """发案 figures (one per unit and month) and office-set populations."""

    def put_case_figure(self, figure: CaseFigure) -> CaseFigure | None:
        """Store a unit's figure for a month, replacing any earlier one; returns that one."""
        ...

    def case_figures(self, first: str, last: str, unit: str | None = None) -> list[CaseFigure]:
        """Figures of months first..last ("2026-01".."2026-11"), by month then unit."""
        ...

    def set_population(self, unit: str, people: int | None, at: datetime, by: str) -> None:
        """Set (None: clear) the office's population figure for a unit."""
        ...

    def set_populations(self) -> dict[str, int]:
        """The office's population figures by unit."""
        ...
