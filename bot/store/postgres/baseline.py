"""The benchmark's floor on PostgreSQL: one plain executemany into a scratch table."""

from __future__ import annotations

import time
from collections.abc import Iterable

from bot.domain.model import Receipt
from bot.store.sqlite.baseline import BaselineTables


class PgBaselineTables(BaselineTables):
    """Bench only: `python -m bot bench` compares receipt ingest with this baseline."""

    def raw_insert_baseline(self, receipts: Iterable[tuple[Receipt, str | None]]) -> float:
        """Bench only: seconds a plain executemany takes to write these receipts (with their
        message ids) into a temporary table on the same server, in one transaction."""
        rows = [
            (r.push_id, r.member, r.unit, r.group_id, r.at.isoformat(), message_id)
            for r, message_id in receipts
        ]
        with self.transaction():
            self._x(
                "CREATE TEMP TABLE raw_receipts (push_id BIGINT, wechat TEXT, unit TEXT, "
                "group_id TEXT, at TEXT, message_id TEXT, PRIMARY KEY (push_id, wechat)) "
                "ON COMMIT DROP"
            )
            t0 = time.perf_counter()
            self._many("INSERT INTO raw_receipts VALUES (?, ?, ?, ?, ?, ?)", rows)
            elapsed = time.perf_counter() - t0
        return elapsed
