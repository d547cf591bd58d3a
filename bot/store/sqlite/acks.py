"""A unit's `acks` counter, bumped by the store once per transaction rather than by a
trigger once per receipt (issue 12: the trigger was a tenth of a county burst's CPU).

A burst's receipts mostly come from a few units at a time, so a group-commit batch of a
hundred messages writes one or two counter rows instead of eighty. The counts wait in
`SqliteBase._acks` and are written inside the same transaction, before its COMMIT; a
savepoint counts its own apart, so rolling it back drops only those, and a read of the
counters adds what is held back. A rollback drops them with the receipts. The PostgreSQL
store keeps its trigger.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bot.domain.model import UnitTally
from bot.store.sqlite.base import SqliteBase
from bot.store.sqlite.pushes import PushTables
from bot.store.sqlite.records import RecordTables

# Counted in Python: a GROUP BY sorts a push's receipts, in up to the page cache's size of
# extra memory (the county bench's peak memory grew by 8 MB).
_UNIT_RECEIPTS = "SELECT unit FROM receipts WHERE push_id = ?"
# Where `acks` sits in a row of tally_rows (UnitTally's field order).
_ACKS = UnitTally._fields.index("acks")


class AckCounters(PushTables, RecordTables, SqliteBase):
    """Receipts counted into `push_units.acks` at the end of their transaction."""

    def add_receipt(
        self,
        push_id: int,
        wechat: str,
        unit: str,
        group_id: str,
        at: datetime,
        message_id: str | None,
    ) -> bool:
        """Record a household's acknowledgement once (see RecordTables.add_receipt); the
        unit's `acks` counter is bumped in the same transaction."""
        if not self._depth:  # on its own: the receipt and its count in one transaction
            with self.transaction():
                return self.add_receipt(push_id, wechat, unit, group_id, at, message_id)
        if not super().add_receipt(push_id, wechat, unit, group_id, at, message_id):
            return False
        self._count(push_id, unit, 1)
        return True

    def import_receipts(self, push_id: int, rows: Iterable[tuple[str, str, str, datetime]]) -> int:
        """Bulk-add receipts (see RecordTables.import_receipts); each unit's counter grows
        by the receipts it gained."""
        with self.transaction():
            before = self._unit_receipts(push_id)
            added = super().import_receipts(push_id, rows)
            for unit, n in self._unit_receipts(push_id).items():
                if n != before[unit]:
                    self._count(push_id, unit, n - before[unit])
        return added

    def _count(self, push_id: int, unit: str, receipts: int) -> None:
        """Receipts the unit gained, written into `acks` by `_flush` with the others."""
        acks = self._acks
        assert acks is not None  # a SQLite store's (PostgreSQL keeps its trigger)
        key = (push_id, unit)
        acks[key] = acks.get(key, 0) + receipts

    def _unit_receipts(self, push_id: int) -> Counter[str]:
        return Counter(unit for (unit,) in self._x(_UNIT_RECEIPTS, (push_id,)))

    def tally_rows(self, push_id: int, unit: str | None = None) -> list[tuple[Any, ...]]:
        """Per-unit counters of a push (or of its one `unit`), in roster order, this
        transaction's receipts counted in; `tallies` reads them here too."""
        rows = super().tally_rows(push_id, unit)
        held = self._held_acks(push_id) if self._depth else {}
        if not held:
            return rows
        return [
            (*r[:_ACKS], r[_ACKS] + held[r[0]], *r[_ACKS + 1 :]) if r[0] in held else r
            for r in rows
        ]
