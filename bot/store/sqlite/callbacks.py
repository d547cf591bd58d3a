"""The callback_rounds and callback_calls tables (回访抽查); the same SQL runs on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from bot.domain.callbacks import Call, CallbackRound, OutcomeEntry, SampleRule, UnitSkips
from bot.store.sqlite.base import SqliteBase, ts

_ROUND_COLS = "id, created_at, created_by, seed, rule, units, skips, roster_version, completed_at"
_CALL_COLS = "wechat, unit, name, phone, groups, ord, outcome, note, recorded_at, recorded_by"


class CallbackTables(SqliteBase):
    """回访 rounds and their call lists."""

    def add_callback_round(self, round_: CallbackRound, calls: Sequence[Call]) -> int:
        """Record a round with its call list; returns its number."""
        skips = {u: asdict(s) for u, s in round_.skips.items()}
        round_id = int(
            self._one(
                "INSERT INTO callback_rounds (created_at, created_by, seed, rule, units, skips, "
                "roster_version) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    ts(round_.created_at),
                    round_.created_by,
                    round_.seed,
                    json.dumps(asdict(round_.rule)),
                    json.dumps(list(round_.units), ensure_ascii=False),
                    json.dumps(skips, ensure_ascii=False),
                    round_.roster_version,
                ),
            )
        )
        self._many(
            f"INSERT INTO callback_calls (round_id, {_CALL_COLS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, '', '', NULL, '')",
            [(round_id, c.wechat, c.unit, c.name, c.phone, c.groups, c.ord) for c in calls],
        )
        return round_id

    def _round(self, r: Sequence[Any]) -> CallbackRound:
        skips = {u: UnitSkips(**s) for u, s in json.loads(r[6]).items()}
        return CallbackRound(
            id=int(r[0]),
            created_at=self._dt_req(r[1]),
            created_by=r[2],
            seed=int(r[3]),
            rule=SampleRule(**json.loads(r[4])),
            units=tuple(json.loads(r[5])),
            skips=skips,
            roster_version=int(r[7]),
            completed_at=self._dt(r[8]),
        )

    def callback_round(self, round_id: int) -> CallbackRound | None:
        """One round."""
        row = self._x(
            f"SELECT {_ROUND_COLS} FROM callback_rounds WHERE id = ?", (round_id,)
        ).fetchone()
        return None if row is None else self._round(row)

    def callback_rounds(
        self, completed_since: datetime | None = None, completed_until: datetime | None = None
    ) -> list[CallbackRound]:
        """Rounds, newest first; with bounds, only those completed in [since, until)."""
        where, params = "", []
        if completed_since is not None and completed_until is not None:
            where = " WHERE completed_at >= ? AND completed_at < ?"
            params = [ts(completed_since), ts(completed_until)]
        rows = self._x(
            f"SELECT {_ROUND_COLS} FROM callback_rounds{where} ORDER BY id DESC", params
        )
        return [self._round(r) for r in rows]

    def callback_calls(self, round_id: int, unit: str | None = None) -> list[Call]:
        """A round's call list in drawing order; optionally one village's."""
        sql = f"SELECT {_CALL_COLS} FROM callback_calls WHERE round_id = ?"
        params: list[Any] = [round_id]
        if unit is not None:
            sql += " AND unit = ?"
            params.append(unit)
        rows = self._x(sql + " ORDER BY ord", params)
        return [
            Call(r[0], r[1], r[2], r[3], r[4], int(r[5]), r[6], r[7], self._dt(r[8]), r[9])
            for r in rows
        ]

    def record_callback_outcomes(
        self, round_id: int, entries: Sequence[OutcomeEntry], at: datetime, who: str
    ) -> None:
        """Set outcomes and notes; the round is completed once every household has one."""
        self._many(
            "UPDATE callback_calls SET outcome = ?, note = ?, recorded_at = ?, recorded_by = ? "
            "WHERE round_id = ? AND wechat = ?",
            [(e.outcome, e.note, ts(at), who, round_id, e.wechat) for e in entries],
        )
        pending = self._one(
            "SELECT COUNT(*) FROM callback_calls WHERE round_id = ? AND outcome = ''",
            (round_id,),
        )
        if not pending:
            self.complete_callback_round(round_id, at)

    def complete_callback_round(self, round_id: int, at: datetime) -> None:
        """Close a round (a round already completed keeps its time)."""
        self._x(
            "UPDATE callback_rounds SET completed_at = ? WHERE id = ? AND completed_at IS NULL",
            (ts(at), round_id),
        )

    def callbacks_drawn_since(self, since: datetime) -> set[str]:
        """WeChat ids of households drawn in rounds created at or after `since`."""
        rows = self._x(
            "SELECT DISTINCT c.wechat FROM callback_calls c JOIN callback_rounds r "
            "ON r.id = c.round_id WHERE r.created_at >= ?",
            (ts(since),),
        )
        return {r[0] for r in rows}
