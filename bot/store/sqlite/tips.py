"""The tips and tip_notes tables: households' fraud reports and what supervisors did."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.domain.desk import DONE, Tip, TipNote, TipTally
from bot.store.sqlite.base import SqliteBase, ts

_COLS = "id, at, wechat, group_id, unit, text, category, urgent, status, message_id"


class TipTables(SqliteBase):
    """线索 (tips) and their notes."""

    def add_tip(self, tip: Tip) -> int:
        """Record a new tip and return its number (a message already recorded: its tip)."""
        if tip.message_id:
            known = self._one("SELECT id FROM tips WHERE message_id = ?", (tip.message_id,))
            if known is not None:
                return int(known)
        cur = self._x(
            f"INSERT INTO tips ({_COLS}) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                ts(tip.at),
                tip.member,
                tip.group_id,
                tip.unit,
                tip.text,
                tip.category,
                int(tip.urgent),
                tip.status,
                tip.message_id or None,
            ),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def _tip(self, r: Sequence[Any], notes: tuple[TipNote, ...] = ()) -> Tip:
        return Tip(
            id=r[0],
            at=self._dt_req(r[1]),
            member=r[2],
            group_id=r[3],
            unit=r[4],
            text=r[5],
            category=r[6],
            urgent=bool(r[7]),
            status=r[8],
            message_id=r[9] or "",
            notes=notes,
        )

    def get_tip(self, tip_id: int) -> Tip | None:
        """One tip with its notes, oldest first."""
        row = self._x(f"SELECT {_COLS} FROM tips WHERE id = ?", (tip_id,)).fetchone()
        if row is None:
            return None
        notes = tuple(
            TipNote(self._dt_req(n[0]), n[1], n[2], n[3])
            for n in self._x(
                "SELECT at, who, text, status FROM tip_notes WHERE tip_id = ? ORDER BY id",
                (tip_id,),
            )
        )
        return self._tip(row, notes)

    def tips(self, unit: str | None = None, status: str | None = None) -> list[Tip]:
        """Tips, newest first (without notes); optionally of one unit and/or status."""
        where, params = ["1"], []
        if unit is not None:
            where.append("unit = ?")
            params.append(unit)
        if status is not None:
            where.append("status = ?")
            params.append(status)
        rows = self._x(
            f"SELECT {_COLS} FROM tips WHERE {' AND '.join(where)} ORDER BY id DESC", params
        )
        return [self._tip(r) for r in rows]

    def update_tip(
        self, tip_id: int, at: datetime, who: str, note: str, status: str | None = None
    ) -> None:
        """Append a note (and change the status, when given)."""
        self._x(
            "INSERT INTO tip_notes (tip_id, at, who, text, status) VALUES (?, ?, ?, ?, ?)",
            (tip_id, ts(at), who, note, status),
        )
        if status is not None:
            self._x("UPDATE tips SET status = ? WHERE id = ?", (status, tip_id))

    def tip_tally(self, since: datetime, until: datetime) -> TipTally:
        """Tips received in [since, until), the urgent ones, and all not yet 已处理."""
        new, urgent = self._x(
            "SELECT COUNT(*), COALESCE(SUM(urgent), 0) FROM tips WHERE at >= ? AND at < ?",
            (ts(since), ts(until)),
        ).fetchone()
        open_count = self._one(
            "SELECT COUNT(*) FROM tips WHERE status != ? AND at < ?", (DONE, ts(until))
        )
        return TipTally(int(new), int(urgent), int(open_count))
