"""The case_figures and unit_population tables (发案统计)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.domain.cases import CaseFigure
from bot.store.sqlite.base import SqliteBase, ts

_COLS = "unit, month, cases, loss_fen, by_whom, at"


class CaseTables(SqliteBase):
    """One row per unit and month; re-entering replaces it."""

    def _figure(self, r: Sequence[Any]) -> CaseFigure:
        return CaseFigure(r[0], r[1], int(r[2]), int(r[3]), r[4], self._dt(r[5]))

    def put_case_figure(self, figure: CaseFigure) -> CaseFigure | None:
        """Store a unit's figure for a month, replacing any earlier one; returns that one."""
        with self.transaction():
            row = self._x(
                f"SELECT {_COLS} FROM case_figures WHERE unit = ? AND month = ?",
                (figure.unit, figure.month),
            ).fetchone()
            self._x(
                f"INSERT INTO case_figures ({_COLS}) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (unit, month) DO UPDATE SET cases = excluded.cases, "
                "loss_fen = excluded.loss_fen, by_whom = excluded.by_whom, at = excluded.at",
                (
                    figure.unit,
                    figure.month,
                    figure.cases,
                    figure.loss_fen,
                    figure.by,
                    ts(figure.at),
                ),
            )
        return None if row is None else self._figure(row)

    def case_figures(self, first: str, last: str, unit: str | None = None) -> list[CaseFigure]:
        """Figures of months first..last ("2026-01".."2026-11"), by month then unit."""
        where, params = "month >= ? AND month <= ?", [first, last]
        if unit is not None:
            where += " AND unit = ?"
            params.append(unit)
        rows = self._x(
            f"SELECT {_COLS} FROM case_figures WHERE {where} ORDER BY month, unit", params
        )
        return [self._figure(r) for r in rows]

    def set_population(self, unit: str, people: int | None, at: datetime, by: str) -> None:
        """Set (None: clear) the office's population figure for a unit."""
        if people is None:
            self._x("DELETE FROM unit_population WHERE unit = ?", (unit,))
            return
        self._x(
            "INSERT INTO unit_population (unit, people, by_whom, at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (unit) DO UPDATE SET people = excluded.people, "
            "by_whom = excluded.by_whom, at = excluded.at",
            (unit, people, by, ts(at)),
        )

    def set_populations(self) -> dict[str, int]:
        """The office's population figures by unit."""
        return {r[0]: int(r[1]) for r in self._x("SELECT unit, people FROM unit_population")}
