"""Read-confirm link taps: a second tap by the same device is a unique violation here."""

from __future__ import annotations

from datetime import datetime

import psycopg

from bot.store.sqlite.base import ts
from bot.store.sqlite.readlink import ReadTapTables


class PgReadTapTables(ReadTapTables):
    """The read_taps table; the unit counters follow by the plpgsql trigger."""

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
        except psycopg.errors.UniqueViolation:
            return False
        return True
