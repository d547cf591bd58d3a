"""The benchmark's floor: plain sqlite-utils inserts, nothing of ours in the way."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterable

from sqlite_utils import Database

from bot.domain.model import Receipt
from bot.store.sqlite.base import SqliteBase


class BaselineTables(SqliteBase):
    """Bench only: `python -m bot bench` compares receipt ingest with this baseline."""

    def raw_insert_baseline(self, receipts: Iterable[tuple[Receipt, str | None]]) -> float:
        """Bench only: seconds one sqlite-utils `insert_all` (batches of 1,000) takes to write
        these receipts (with their message ids) into a fresh WAL database beside this one.

        The scratch database is deleted afterwards; this store is not written to.
        """
        folder = None if str(self.path) == ":memory:" else self.path.parent
        with tempfile.TemporaryDirectory(prefix="fanzha-baseline-", dir=folder) as tmp:
            raw = Database(f"{tmp}/raw.db")
            raw.enable_wal()
            rows = (
                {
                    "push_id": r.push_id,
                    "wechat": r.member,
                    "unit": r.unit,
                    "group_id": r.group_id,
                    "at": r.at.isoformat(),
                    "message_id": message_id,
                }
                for r, message_id in receipts
            )
            t0 = time.perf_counter()
            raw.table("receipts").insert_all(rows, pk=("push_id", "wechat"), batch_size=1000)
            elapsed = time.perf_counter() - t0
            raw.close()
        return elapsed
