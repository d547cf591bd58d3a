"""The warnings and warning_events tables: 预警劝阻单 and their chain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.domain.warnings import EVALUATED, FED_BACK, WarningEvent, WarningNotice
from bot.store.sqlite.base import SqliteBase, ts

_FIXED = (
    "issued_at, issuer, issuer_label, victim_name, victim_phone, victim_id_number, detected, "
    "risk, unit, assignee, sign_by, visit_by"
)
_MUTABLE = (
    "state, signed_at, visited_at, method, result, photo, feedback, fed_back_at, grade, "
    "grade_note, evaluated_at, evaluated_by"
)
_COLS = f"id, {_FIXED}, {_MUTABLE}"


class WarningTables(SqliteBase):
    """预警劝阻单 (warnings) and their events."""

    def add_warning(self, warning: WarningNotice) -> int:
        """Record a new warning and return its number."""
        w = warning
        fixed = (
            ts(w.issued_at),
            w.issuer,
            w.issuer_label,
            w.victim_name,
            w.victim_phone,
            w.victim_id_number,
            w.detected,
            w.risk,
            w.unit,
            w.assignee,
            ts(w.sign_by),
            ts(w.visit_by),
        )
        marks = ", ".join("?" * (len(fixed) + 12))
        # RETURNING works in SQLite ≥ 3.35 and PostgreSQL alike.
        return int(
            self._one(
                f"INSERT INTO warnings ({_FIXED}, {_MUTABLE}) VALUES ({marks}) RETURNING id",
                (*fixed, *self._mutable(w)),
            )
        )

    @staticmethod
    def _mutable(w: WarningNotice) -> tuple[Any, ...]:
        return (
            w.state,
            ts(w.signed_at),
            ts(w.visited_at),
            w.method,
            w.result,
            w.photo,
            w.feedback,
            ts(w.fed_back_at),
            w.grade,
            w.grade_note,
            ts(w.evaluated_at),
            w.evaluated_by,
        )

    def _warning(self, r: Sequence[Any], events: tuple[WarningEvent, ...] = ()) -> WarningNotice:
        return WarningNotice(
            id=int(r[0]),
            issued_at=self._dt_req(r[1]),
            issuer=r[2],
            issuer_label=r[3],
            victim_name=r[4],
            victim_phone=r[5],
            victim_id_number=r[6],
            detected=r[7],
            risk=r[8],
            unit=r[9],
            assignee=r[10],
            sign_by=self._dt_req(r[11]),
            visit_by=self._dt_req(r[12]),
            state=r[13],
            signed_at=self._dt(r[14]),
            visited_at=self._dt(r[15]),
            method=r[16],
            result=r[17],
            photo=r[18],
            feedback=r[19],
            fed_back_at=self._dt(r[20]),
            grade=r[21],
            grade_note=r[22],
            evaluated_at=self._dt(r[23]),
            evaluated_by=r[24],
            events=events,
        )

    def get_warning(self, warning_id: int) -> WarningNotice | None:
        """One warning with its events, oldest first."""
        row = self._x(f"SELECT {_COLS} FROM warnings WHERE id = ?", (warning_id,)).fetchone()
        if row is None:
            return None
        events = tuple(
            WarningEvent(self._dt_req(e[0]), e[1], e[2], e[3])
            for e in self._x(
                "SELECT at, who, kind, text FROM warning_events WHERE warning_id = ? ORDER BY id",
                (warning_id,),
            )
        )
        return self._warning(row, events)

    def warnings(
        self, unit: str | None = None, assignee: str | None = None, open_only: bool = False
    ) -> list[WarningNotice]:
        """Warnings, newest first (without events)."""
        where, params = ["1"], []
        if unit is not None:
            where.append("unit = ?")
            params.append(unit)
        if assignee is not None:
            where.append("assignee = ?")
            params.append(assignee)
        if open_only:
            where.append("state NOT IN (?, ?)")
            params += [FED_BACK, EVALUATED]
        rows = self._x(
            f"SELECT {_COLS} FROM warnings WHERE {' AND '.join(where)} ORDER BY id DESC", params
        )
        return [self._warning(r) for r in rows]

    def warnings_issued(self, since: datetime, until: datetime) -> list[WarningNotice]:
        """Warnings issued in [since, until), oldest first."""
        rows = self._x(
            f"SELECT {_COLS} FROM warnings WHERE issued_at >= ? AND issued_at < ? ORDER BY id",
            (ts(since), ts(until)),
        )
        return [self._warning(r) for r in rows]

    def save_warning(self, warning: WarningNotice) -> None:
        """Write a warning's state and step fields."""
        sets = ", ".join(f"{c.strip()} = ?" for c in _MUTABLE.split(","))
        self._x(f"UPDATE warnings SET {sets} WHERE id = ?", (*self._mutable(warning), warning.id))

    def add_warning_event(self, warning_id: int, event: WarningEvent) -> None:
        """Append one event to a warning's chain."""
        self._x(
            "INSERT INTO warning_events (warning_id, at, who, kind, text) VALUES (?, ?, ?, ?, ?)",
            (warning_id, ts(event.at), event.who, event.kind, event.text),
        )
