"""The drives and drive_receipts tables: 专项行动 and the households that volunteered."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.domain.drives import Drive, DriveReceipt, Milestone
from bot.store.sqlite.base import SqliteBase, ts

_COLS = "id, title, phrases, screenshot, starts, ends, targets, created_at, created_by"
_RCOLS = "drive_id, wechat, unit, group_id, at, via, message_id"


def _milestones(data: Sequence[Sequence[Any]]) -> tuple[Milestone, ...]:
    return tuple(Milestone(date.fromisoformat(d), float(r)) for d, r in data)


def _dump(milestones: Sequence[Milestone]) -> list[list[Any]]:
    return [[m.day.isoformat(), m.rate] for m in milestones]


class DriveTables(SqliteBase):
    """专项行动 and their receipts; SQL shared with PostgreSQL (RETURNING works in both)."""

    def add_drive(self, drive: Drive) -> int:
        """Record a new drive (its `id` is ignored) and return its number."""
        self._uncache()
        targets = {"default": _dump(drive.targets)}
        targets.update({unit: _dump(ms) for unit, ms in drive.overrides})
        rows = self._x(
            "INSERT INTO drives (title, phrases, screenshot, starts, ends, targets, created_at, "
            "created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                drive.title,
                json.dumps(list(drive.phrases), ensure_ascii=False),
                int(drive.screenshot),
                drive.starts.isoformat(),
                drive.ends.isoformat(),
                json.dumps(targets, ensure_ascii=False),
                ts(drive.created_at),
                drive.created_by,
            ),
        ).fetchall()
        return int(rows[0][0])

    def _drive(self, r: Sequence[Any]) -> Drive:
        targets = json.loads(r[6])
        default = _milestones(targets.pop("default"))
        return Drive(
            id=int(r[0]),
            title=r[1],
            phrases=tuple(json.loads(r[2])),
            screenshot=bool(r[3]),
            starts=date.fromisoformat(r[4]),
            ends=date.fromisoformat(r[5]),
            targets=default,
            overrides=tuple((u, _milestones(ms)) for u, ms in targets.items()),
            created_at=self._dt(r[7]),
            created_by=r[8],
        )

    def get_drive(self, drive_id: int) -> Drive | None:
        """One drive, or None."""
        row = self._x(f"SELECT {_COLS} FROM drives WHERE id = ?", (drive_id,)).fetchone()
        return None if row is None else self._drive(row)

    def drives(self, open_on: date | None = None) -> list[Drive]:
        """Every drive (or those open on `open_on`), newest first."""
        if open_on is None:
            rows = self._x(f"SELECT {_COLS} FROM drives ORDER BY id DESC")
        else:
            cache = self._cache()
            key = ("drives", open_on)
            if cache is not None and key in cache:
                return list(cache[key])
            day = open_on.isoformat()
            rows = self._x(
                f"SELECT {_COLS} FROM drives WHERE starts <= ? AND ends >= ? ORDER BY id DESC",
                (day, day),
            )
            if cache is not None:
                found = cache[key] = [self._drive(r) for r in rows]
                return list(found)
        return [self._drive(r) for r in rows]

    def add_drive_receipt(self, receipt: DriveReceipt) -> bool:
        """Count a household once per drive; False when it was already counted."""
        cur = self._x(
            f"INSERT OR IGNORE INTO drive_receipts ({_RCOLS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                receipt.drive_id,
                receipt.wechat,
                receipt.unit,
                receipt.group_id,
                ts(receipt.at),
                receipt.via,
                receipt.message_id or None,
            ),
        )
        return cur.rowcount == 1

    def drive_counts(self, drive_id: int, until: datetime | None = None) -> dict[str, int]:
        """Households counted per unit (receipts before `until`, when given)."""
        sql = "SELECT unit, COUNT(*) FROM drive_receipts WHERE drive_id = ? AND unit IS NOT NULL"
        params: list[Any] = [drive_id]
        if until is not None:
            sql += " AND at < ?"
            params.append(ts(until))
        rows = self._x(sql + " GROUP BY unit", params)
        return {str(u): int(n) for u, n in rows}

    def drive_receipts(self, drive_id: int) -> list[DriveReceipt]:
        """A drive's receipts, oldest first."""
        rows = self._x(
            f"SELECT {_RCOLS} FROM drive_receipts WHERE drive_id = ? ORDER BY at, wechat",
            (drive_id,),
        )
        return [
            DriveReceipt(int(r[0]), r[1], r[2], r[3], self._dt_req(r[4]), r[5], r[6] or "")
            for r in rows
        ]
