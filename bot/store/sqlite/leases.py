"""Leases (group ownership, the scheduler lock on SQLite) and message fingerprints."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from bot.domain.model import OutboxItem
from bot.store.leases import Lease
from bot.store.sqlite.base import SqliteBase, ts
from bot.store.sqlite.outbox import OutboxTables

SCHEDULER_KEY = "*scheduler"

# Take a free or expired key, or renew one's own; `since` stays while the owner does.
_CLAIM = (
    "INSERT INTO leases (key, owner, expires, since) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires = excluded.expires, "
    "since = CASE WHEN leases.owner = excluded.owner THEN leases.since ELSE excluded.since END "
    "WHERE leases.owner = excluded.owner OR leases.expires <= ?"
)


class LeaseTables(SqliteBase):
    """The leases and fingerprints tables."""

    def claim_leases(
        self, owner: str, keys: Sequence[str], now: datetime, until: datetime
    ) -> tuple[set[str], datetime | None]:
        """Take or renew the free, expired or own keys; (held keys, earliest foreign expiry)."""
        stamp, end = ts(now), ts(until)
        with self.transaction():
            # In key order: two processes claiming overlapping keys never deadlock.
            self._many(_CLAIM, [(k, owner, end, stamp, stamp) for k in sorted(set(keys))])
            rows = self._x("SELECT key, owner, expires FROM leases").fetchall()
        wanted = set(keys)
        held = {r[0] for r in rows if r[1] == owner and r[0] in wanted}
        foreign = [r[2] for r in rows if r[0] in wanted and r[1] != owner]
        return held, (self._dt_req(min(foreign)) if foreign else None)

    def release_leases(self, owner: str) -> None:
        """Give up every lease of `owner`."""
        self._x("DELETE FROM leases WHERE owner = ?", (owner,))

    def leases(self) -> list[Lease]:
        """Every lease row, by key."""
        rows = self._x("SELECT key, owner, expires, since FROM leases ORDER BY key")
        return [Lease(r[0], r[1], self._dt_req(r[2]), self._dt_req(r[3])) for r in rows]

    def try_scheduler_lock(self, owner: str, now: datetime, until: datetime) -> bool:
        """The scheduler lock as a lease row (SQLite has no session locks)."""
        held, _ = self.claim_leases(owner, [SCHEDULER_KEY], now, until)
        return SCHEDULER_KEY in held

    def pending_outbox_unleased(
        self, owner: str, now: datetime, limit: int, after: int = 0
    ) -> list[OutboxItem]:
        """Unsent rows (queued after row `after`) except those for conversations another
        owner holds a live lease on."""
        rows = self._x(
            f"SELECT {OutboxTables._OUTBOX_COLS} FROM outbox WHERE status = 'pending' "
            "AND id > ? AND conversation NOT IN "
            "(SELECT key FROM leases WHERE owner <> ? AND expires > ?) ORDER BY id LIMIT ?",
            (after, owner, ts(now), limit),
        )
        table = cast(OutboxTables, self)
        return [table._outbox(r) for r in rows]

    def claim_fingerprints(self, keys: Sequence[str], message_id: str, at: datetime) -> bool:
        """Record fingerprints; False if any was recorded before (another account's copy)."""
        new = True
        for key in keys:
            cur = self._x(
                "INSERT OR IGNORE INTO fingerprints (key, message_id, at) VALUES (?, ?, ?)",
                (key, message_id, ts(at)),
            )
            new = new and cur.rowcount == 1
        return new

    def prune_fingerprints(self, before: datetime) -> int:
        """Forget fingerprints older than `before`."""
        return self._x("DELETE FROM fingerprints WHERE at < ?", (ts(before),)).rowcount
