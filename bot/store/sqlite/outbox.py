"""The outbox: messages waiting to go out, paced by the sender."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from bot.domain.media import LinkCard
from bot.domain.model import MessageKind, OutboxItem, OutgoingMessage
from bot.store.sqlite.base import SqliteBase, ts


class OutboxTables(SqliteBase):
    """Every outgoing message is a row first; the sender marks it sent or retries it."""

    def enqueue(
        self, out: OutgoingMessage, now: datetime, not_before: datetime | None = None
    ) -> int | None:
        """Add an outbox row; with a dedupe key, a second enqueue is ignored (returns None)."""
        self.queued += 1
        cur = self._x(
            "INSERT OR IGNORE INTO outbox (dedupe_key, conversation, kind, text, mentions, path, "
            "push_id, group_id, created_at, not_before, link) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                out.dedupe_key,
                out.conversation,
                out.kind.value,
                out.text,
                json.dumps(list(out.mentions)),
                out.path,
                out.push_id,
                out.group_id,
                ts(now),
                ts(not_before),
                json.dumps(asdict(out.link), ensure_ascii=False) if out.link else None,
            ),
        )
        return int(cur.lastrowid) if cur.rowcount == 1 and cur.lastrowid else None

    _OUTBOX_COLS = (
        "id, conversation, kind, text, mentions, path, push_id, group_id, status, attempts, "
        "created_at, not_before, sent_at, link"
    )

    def _outbox(self, r: Sequence[Any]) -> OutboxItem:
        return OutboxItem(
            id=r[0],
            conversation=r[1],
            kind=MessageKind(r[2]),
            text=r[3],
            mentions=tuple(json.loads(r[4])),
            path=r[5],
            push_id=r[6],
            group_id=r[7],
            status=r[8],
            attempts=r[9],
            created_at=self._dt_req(r[10]),
            not_before=self._dt(r[11]),
            sent_at=self._dt(r[12]),
            link=LinkCard(**json.loads(r[13])) if r[13] else None,
        )

    def pending_outbox(self, limit: int = 100, after: int = 0) -> list[OutboxItem]:
        """Unsent rows in the order they were queued (those queued after row `after`)."""
        return [
            self._outbox(r)
            for r in self._x(
                f"SELECT {self._OUTBOX_COLS} FROM outbox WHERE status = 'pending' AND id > ? "
                "ORDER BY id LIMIT ?",
                (after, limit),
            )
        ]

    def outbox(self, status: str | None = None) -> list[OutboxItem]:
        """All outbox rows (optionally of one status), oldest first."""
        where, params = ("WHERE status = ?", (status,)) if status else ("", ())
        return [
            self._outbox(r)
            for r in self._x(f"SELECT {self._OUTBOX_COLS} FROM outbox {where} ORDER BY id", params)
        ]

    def outbox_counts(self) -> dict[str, int]:
        """Outbox rows per status."""
        return {r[0]: r[1] for r in self._x("SELECT status, count(*) FROM outbox GROUP BY status")}

    def mark_sent(self, item_id: int, at: datetime, transport_id: str | None) -> None:
        """An outbox row went out."""
        self._x(
            "UPDATE outbox SET status = 'sent', sent_at = ?, transport_id = ?, "
            "attempts = attempts + 1 WHERE id = ?",
            (ts(at), transport_id, item_id),
        )

    def mark_retry(self, item_id: int, error: str, retry_at: datetime, give_up_after: int) -> None:
        """A send failed; try again later, or give up after too many attempts."""
        self._x(
            "UPDATE outbox SET attempts = attempts + 1, error = ?, not_before = ?, "
            "status = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE 'pending' END WHERE id = ?",
            (error, ts(retry_at), give_up_after, item_id),
        )
