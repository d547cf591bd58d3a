"""Reads every inbound message makes, kept from costing a round trip each.

Inside a transaction statements are pipelined (see base): the latest-delivered-push read a
household's receipt needs is sent together with the message's own INSERT, so both come back
in one round trip. It is kept only for the transaction that read it, and dropped on any
rollback or when this connection delivers to the group; another process's commit during the
batch is seen from the next batch on, as if the batch had run a few ms earlier. (Reads kept
for the transaction, such as the open drives, go through the shared tables' `_cache()`.)
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.model import IncomingMessage
from bot.store.postgres.base import PostgresBase, Rows
from bot.store.sqlite.pushes import LATEST_DELIVERED, PushTables
from bot.store.sqlite.records import RecordTables


class PgReadAheadTables(PushTables, RecordTables, PostgresBase):
    """record_message / latest_delivered_push with the read sent ahead for the transaction
    (`_ahead`, emptied by PostgresBase at its start, end and rollback)."""

    def record_message(self, msg: IncomingMessage, error: str | None = None) -> bool:
        """As RecordTables; inside a transaction, the group's latest delivered push is
        asked for in the same round trip (a household's receipt reads it next)."""
        self._ahead.pop("latest", None)  # only the current message's read is kept
        if error is None and msg.group and self._in_pipeline():
            self._ahead["latest"] = (msg.group, self._x(LATEST_DELIVERED, (msg.group,)))
        return super().record_message(msg, error)

    def latest_delivered_push(self, group_id: str) -> int | None:
        """As PushTables; the read sent ahead with the message when it is for this group."""
        ahead = self._ahead.pop("latest", None)
        if ahead is not None and ahead[0] == group_id:
            rows: Rows = ahead[1]
            row = rows.fetchone()
            return None if row is None else int(row[0])
        return super().latest_delivered_push(group_id)

    def mark_delivered(self, push_id: int, group_id: str, at: datetime, via: str) -> bool:
        """As PushTables; a read sent ahead for this group no longer holds."""
        self._ahead.pop("latest", None)
        return super().mark_delivered(push_id, group_id, at, via)
