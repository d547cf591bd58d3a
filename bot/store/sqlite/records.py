"""Facts recorded as they happen: inbound messages, signatures, receipts, evidence,
reminders and the audit log."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.domain.model import AuditEntry, Evidence, IncomingMessage, Reminder, Signature
from bot.store.sqlite.base import SqliteBase, ts


def message_row(msg: IncomingMessage, error: str | None) -> tuple[object, ...]:
    """A `messages` row: stored as handled, or with the error its handling raised."""
    return (
        msg.id,
        ts(msg.at),
        msg.group,
        msg.sender,
        msg.kind.value,
        msg.text,
        0 if error else 1,
        error,
    )


class RecordTables(SqliteBase):
    """Append-mostly tables; signatures and receipts bump their unit's counter in the same
    write."""

    def record_message(self, msg: IncomingMessage, error: str | None = None) -> bool:
        """Store an inbound message; False if this transport id was seen before.

        Called inside the transaction that acts on it, so it is stored as handled; a
        message whose handling failed is stored on its own with the error instead.
        """
        cur = self._x(
            "INSERT OR IGNORE INTO messages "
            "(id, at, group_id, sender, kind, text, handled, error) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            message_row(msg, error),
        )
        return cur.rowcount == 1

    def expect(self, messages: Sequence[IncomingMessage]) -> None:
        """A hint that these messages are about to be recorded: nothing to read ahead here
        (SQLite reads cost no round trip)."""

    def message_count(self) -> int:
        """How many inbound messages are stored."""
        return int(self._one("SELECT count(*) FROM messages"))

    def add_signature(
        self, push_id: int, wechat: str, unit: str, at: datetime, message_id: str | None
    ) -> bool:
        """Record a signature once; bumps the unit's counter. False if already signed."""
        with self.transaction():
            cur = self._x(
                "INSERT OR IGNORE INTO signatures (push_id, wechat, at, message_id) "
                "VALUES (?, ?, ?, ?)",
                (push_id, wechat, ts(at), message_id),
            )
            if cur.rowcount != 1:
                return False
            self._x(
                "UPDATE push_units SET signed = signed + 1 WHERE push_id = ? AND unit = ?",
                (push_id, unit),
            )
            cache = self._cache()
            if cache is not None and ("signed", push_id) in cache:
                cache["signed", push_id] += 1  # signature_count's, kept up
            return True

    def signatures(self, push_id: int) -> list[Signature]:
        """Signatures of a push, in order."""
        return [
            Signature(push_id=push_id, member=r[0], at=self._dt_req(r[1]))
            for r in self._x(
                "SELECT wechat, at FROM signatures WHERE push_id = ? ORDER BY at", (push_id,)
            )
        ]

    def add_receipt(
        self,
        push_id: int,
        wechat: str,
        unit: str,
        group_id: str,
        at: datetime,
        message_id: str | None,
    ) -> bool:
        """Record a household's acknowledgement once; False if already counted or out of scope.

        The unit's `acks` counter grows in the same transaction.
        """
        cur = self._x(
            "INSERT OR IGNORE INTO receipts (push_id, wechat, unit, group_id, at, message_id) "
            "SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS "
            "(SELECT 1 FROM push_units WHERE push_id = ? AND unit = ?)",
            (push_id, wechat, unit, group_id, ts(at), message_id, push_id, unit),
        )
        return cur.rowcount == 1

    def note_receipt(
        self,
        push_id: int,
        wechat: str,
        unit: str,
        group_id: str,
        at: datetime,
        message_id: str | None,
    ) -> None:
        """As `add_receipt` (the same write, counted the same way), for a caller that does
        not need to know whether the receipt was new."""
        self.add_receipt(push_id, wechat, unit, group_id, at, message_id)

    def import_receipts(self, push_id: int, rows: Iterable[tuple[str, str, str, datetime]]) -> int:
        """Bulk-add receipts (wechat, unit, group, at) to a push; returns how many were new."""
        with self.transaction():
            before = self._one("SELECT count(*) FROM receipts WHERE push_id = ?", (push_id,))
            self._many(
                "INSERT OR IGNORE INTO receipts (push_id, wechat, unit, group_id, at) "
                "SELECT ?, ?, ?, ?, ? WHERE EXISTS "
                "(SELECT 1 FROM push_units WHERE push_id = ? AND unit = ?)",
                ((push_id, w, u, g, ts(at), push_id, u) for w, u, g, at in rows),
            )
            after = self._one("SELECT count(*) FROM receipts WHERE push_id = ?", (push_id,))
        return int(after) - int(before)

    def receipt_count(self, push_id: int | None = None) -> int:
        """Stored receipts (of one push, or all)."""
        if push_id is None:
            return int(self._one("SELECT count(*) FROM receipts"))
        return int(self._one("SELECT count(*) FROM receipts WHERE push_id = ?", (push_id,)))

    def add_evidence(self, ev: Evidence, message_id: str | None) -> None:
        """Store the record of an evidence screenshot (the file is already on disk)."""
        self._x(
            "INSERT INTO evidence (push_id, group_id, wechat, path, sha256, size, at, message_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                ev.push_id,
                ev.group_id,
                ev.member,
                ev.path,
                ev.sha256,
                ev.size,
                ts(ev.at),
                message_id,
            ),
        )

    def evidence(self, push_id: int) -> list[Evidence]:
        """Evidence of a push."""
        return [
            Evidence(push_id, r[0], r[1], r[2], r[3], r[4], self._dt_req(r[5]))
            for r in self._x(
                "SELECT group_id, wechat, path, sha256, size, at FROM evidence WHERE push_id = ? "
                "ORDER BY id",
                (push_id,),
            )
        ]

    def add_reminder(self, r: Reminder) -> None:
        """Record a reminder or escalation."""
        self._x(
            "INSERT INTO reminders (push_id, at, kind, members) VALUES (?, ?, ?, ?)",
            (r.push_id, ts(r.at), r.kind, json.dumps(list(r.members))),
        )

    def reminders(self, push_id: int, since: datetime | None = None) -> list[Reminder]:
        """Reminders of a push (since a time), oldest first."""
        return [
            Reminder(push_id, self._dt_req(r[0]), r[1], tuple(json.loads(r[2])))
            for r in self._x(
                "SELECT at, kind, members FROM reminders "
                "WHERE push_id = ? AND at >= ? ORDER BY id",
                (push_id, ts(since) if since else ""),
            )
        ]

    def audit(self, at: datetime, actor: str, action: str, detail: str) -> None:
        """Append to the audit log."""
        self._x(
            "INSERT INTO audit (at, actor, action, detail) VALUES (?, ?, ?, ?)",
            (ts(at), actor, action, detail),
        )

    def audit_log(self, limit: int = 200) -> list[AuditEntry]:
        """The newest audit entries."""
        return [
            AuditEntry(self._dt_req(r[0]), r[1], r[2], r[3])
            for r in self._x(
                "SELECT at, actor, action, detail FROM audit ORDER BY id DESC LIMIT ?", (limit,)
            )
        ]
