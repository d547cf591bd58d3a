"""The part of the Store protocol for several accounts on one store: group leases, the
scheduler lock and cross-account message fingerprints (issue 12)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple, Protocol

from bot.domain.model import OutboxItem


class Lease(NamedTuple):
    """Who holds a key (a group id, "*private" or "*scheduler") until when."""

    key: str
    owner: str
    expires: datetime
    since: datetime


class LeaseStore(Protocol):
    """Leases are rows with an owner and an expiry: a holder renews them; once expired
    anyone may take them. Times come from the caller's clock."""

    def claim_leases(
        self, owner: str, keys: Sequence[str], now: datetime, until: datetime
    ) -> tuple[set[str], datetime | None]:
        """Take or renew each key that is free, expired or already `owner`'s, holding it
        until `until`. Returns the keys `owner` now holds and the earliest expiry of the
        keys another owner still holds (None if none)."""
        ...

    def release_leases(self, owner: str) -> None:
        """Give up every lease of `owner` (a clean stop)."""
        ...

    def leases(self) -> list[Lease]:
        """Every lease row, by key."""
        ...

    def try_scheduler_lock(self, owner: str, now: datetime, until: datetime) -> bool:
        """Take or keep the one scheduler lock; True while `owner` holds it. PostgreSQL: a
        session advisory lock (freed when the process dies); SQLite: a lease row."""
        ...

    def pending_outbox_unleased(
        self, owner: str, now: datetime, limit: int, after: int = 0
    ) -> list[OutboxItem]:
        """Unsent rows, oldest first (those queued after row `after`), except those for
        conversations another owner holds a live lease on."""
        ...

    def claim_fingerprints(self, keys: Sequence[str], message_id: str, at: datetime) -> bool:
        """Record a message's fingerprints; False when any was already recorded (the same
        message seen through another account). Inside the message's transaction, so a
        crash before its commit leaves the other copy to be handled."""
        ...

    def prune_fingerprints(self, before: datetime) -> int:
        """Forget fingerprints older than `before`; returns how many."""
        ...
