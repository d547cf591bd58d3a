"""Read-confirm link taps; the unit counters `reads`/`read_acks` follow by trigger."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.store.sqlite.base import SqliteBase, ts


class ReadTapTables(SqliteBase):
    """The read_taps table."""

    def add_read_tap(
        self, push_id: int, group_id: str, unit: str | None, device: str, heard: bool, at: datetime
    ) -> bool:
        """Record a device's tap (False when that device already tapped this push)."""
        try:
            with self.transaction():
                self._x(
                    "INSERT INTO read_taps (push_id, device, group_id, unit, heard, at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (push_id, device, group_id, unit, int(heard), ts(at)),
                )
        except sqlite3.IntegrityError:
            return False
        return True

    def has_read_tap(self, push_id: int, device: str) -> bool:
        """Whether this device already tapped this push's link."""
        row = self._one(
            "SELECT 1 FROM read_taps WHERE push_id = ? AND device = ?", (push_id, device)
        )
        return row is not None

    def read_tap_counts(self, push_id: int) -> dict[str, int]:
        """Taps per group of a push."""
        rows = self._x(
            "SELECT group_id, COUNT(*) FROM read_taps WHERE push_id = ? GROUP BY group_id",
            (push_id,),
        )
        return {group: count for group, count in rows}
