"""Reads every inbound message makes, kept from costing a round trip each.

Inside a transaction statements are pipelined (see base). A group-commit batch announces its
messages first (`expect`): which of their ids are stored already and each of their groups'
latest delivered push are asked for in one round trip, sent with the batch's BEGIN; the
messages are then recorded and their receipts written without waiting on the server at all
(an error still surfaces at the latest at COMMIT, and App.ingest then redoes the batch one
savepoint each). A message the batch did not announce sends its group's latest-delivered
read together with its own INSERT, as one round trip.

What was read ahead is kept only for the transaction that read it, and dropped on any
rollback or when this connection delivers to the group; another process's commit during the
batch is seen from the next batch on, as if the batch had run a few ms earlier. (Reads kept
for the transaction, such as the open drives, go through the shared tables' `_cache()`.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.domain.model import IncomingMessage
from bot.store.postgres.base import PostgresBase, Rows
from bot.store.sqlite.base import ts
from bot.store.sqlite.pushes import LATEST_DELIVERED, PushTables
from bot.store.sqlite.records import RecordTables, message_row

# A batch's inbound messages and receipts, one statement each (see PostgresBase._defer).
MESSAGES_EACH = (
    "INSERT INTO messages (id, at, group_id, sender, kind, text, handled, error) "
    "SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[], "
    "%s::text[], %s::integer[], %s::text[]) ON CONFLICT DO NOTHING"
)
RECEIPTS_EACH = (
    "INSERT INTO receipts (push_id, wechat, unit, group_id, at, message_id) "
    "SELECT r.* FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], "
    "%s::text[]) AS r (push_id, wechat, unit, group_id, at, message_id) "
    "WHERE EXISTS (SELECT 1 FROM push_units u WHERE u.push_id = r.push_id AND u.unit = r.unit) "
    "ON CONFLICT DO NOTHING"
)
# Rows a statement when receipts are imported in bulk.
IMPORT_CHUNK = 5000
LATEST_DELIVERED_EACH = (
    "SELECT g, (SELECT push_id FROM deliveries WHERE group_id = g AND delivered_at IS NOT NULL "
    "ORDER BY delivered_at DESC, push_id DESC LIMIT 1) FROM unnest(?::text[]) AS g"
)


class _Expected:
    """What a batch's announced messages need, asked for at once and read when first
    needed."""

    def __init__(self, ids: set[str], stored: Rows, latest: Rows) -> None:
        self.ids = ids
        self.recorded: set[str] = set()
        self._stored_rows: Rows | None = stored
        self._stored: set[str] = set()
        self._latest_rows: Rows | None = latest
        self._latest: dict[str, int | None] = {}

    def stored(self) -> set[str]:
        """Announced ids already stored before the batch."""
        if self._stored_rows is not None:
            self._stored = {r[0] for r in self._stored_rows}
            self._stored_rows = None
        return self._stored

    def latest(self) -> dict[str, int | None]:
        """Each announced group's latest delivered push (as at the batch's start, less the
        groups this connection has delivered to since)."""
        if self._latest_rows is not None:
            self._latest = {r[0]: r[1] for r in self._latest_rows}
            self._latest_rows = None
        return self._latest


class PgReadAheadTables(PushTables, RecordTables, PostgresBase):
    """record_message / latest_delivered_push / note_receipt without a round trip each,
    from reads sent ahead for the transaction (`_ahead`, emptied by PostgresBase at its
    start, end and rollback)."""

    def expect(self, messages: Sequence[IncomingMessage]) -> None:
        """Ask at once which of these ids are stored and their groups' latest delivered
        pushes (inside a transaction; elsewhere nothing is kept, so nothing is asked)."""
        if not self._in_pipeline() or not messages:
            return
        ids = [m.id for m in messages]
        groups = sorted({m.group for m in messages if m.group})
        self._ahead["expect"] = _Expected(
            set(ids),
            self._x("SELECT id FROM messages WHERE id = ANY(?)", (ids,)),
            self._x(LATEST_DELIVERED_EACH, (groups,)),
        )

    def record_message(self, msg: IncomingMessage, error: str | None = None) -> bool:
        """As RecordTables. An announced message is written without waiting for the
        answer (known from `expect`); otherwise, inside a transaction, the group's latest
        delivered push is asked for in the same round trip (a receipt reads it next)."""
        expected: _Expected | None = self._ahead.get("expect")
        if error is None and expected is not None and msg.id in expected.ids:
            fresh = msg.id not in expected.recorded and msg.id not in expected.stored()
            expected.recorded.add(msg.id)
            if fresh:
                self._defer(MESSAGES_EACH, message_row(msg, None))
            return fresh
        self._ahead.pop("latest", None)  # only the current message's read is kept
        if error is None and msg.group and self._in_pipeline():
            self._ahead["latest"] = (msg.group, self._x(LATEST_DELIVERED, (msg.group,)))
        return super().record_message(msg, error)

    def note_receipt(
        self,
        push_id: int,
        wechat: str,
        unit: str,
        group_id: str,
        at: datetime,
        message_id: str | None,
    ) -> None:
        """As RecordTables; inside a transaction, written with the batch's other receipts
        as one statement."""
        if not self._in_pipeline():
            super().note_receipt(push_id, wechat, unit, group_id, at, message_id)
            return
        self._defer(RECEIPTS_EACH, (push_id, wechat, unit, group_id, ts(at), message_id))

    def import_receipts(self, push_id: int, rows: Iterable[tuple[str, str, str, datetime]]) -> int:
        """As RecordTables, a few thousand receipts a statement."""
        count = "SELECT count(*) FROM receipts WHERE push_id = ?"
        with self.transaction():
            before = int(self._one(count, (push_id,)))
            for wechat, unit, group_id, at in rows:
                row = (push_id, wechat, unit, group_id, ts(at), None)
                if self._defer(RECEIPTS_EACH, row) >= IMPORT_CHUNK:
                    self._flush()
            after = int(self._one(count, (push_id,)))  # written first: see _defer
        return after - before

    def latest_delivered_push(self, group_id: str) -> int | None:
        """As PushTables; from what was read ahead for this group when there is one."""
        expected: _Expected | None = self._ahead.get("expect")
        if expected is not None and group_id in expected.latest():
            return expected.latest()[group_id]
        ahead = self._ahead.pop("latest", None)
        if ahead is not None and ahead[0] == group_id:
            rows: Rows = ahead[1]
            row = rows.fetchone()
            return None if row is None else int(row[0])
        return super().latest_delivered_push(group_id)

    def mark_delivered(self, push_id: int, group_id: str, at: datetime, via: str) -> bool:
        """As PushTables; a read sent ahead for this group no longer holds."""
        self._ahead.pop("latest", None)
        expected: _Expected | None = self._ahead.get("expect")
        if expected is not None:
            expected.latest().pop(group_id, None)
        return super().mark_delivered(push_id, group_id, at, via)
