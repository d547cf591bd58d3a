"""The scheduler lock as a PostgreSQL session advisory lock: held by this process's
connection, freed by the server the moment the process dies."""

from __future__ import annotations

from datetime import datetime

from bot.store.sqlite.leases import LeaseTables

# pg_try_advisory_lock key of the scheduler (the migration lock is 7117).
SCHEDULER_LOCK = 7118


class PgLeaseTables(LeaseTables):
    """Leases and fingerprints as in SQLite; the scheduler lock is an advisory lock."""

    _scheduler_locked = False

    def try_scheduler_lock(self, owner: str, now: datetime, until: datetime) -> bool:
        """Take the advisory lock once; keep it for the life of the connection."""
        if not self._scheduler_locked:
            self._scheduler_locked = bool(
                self._one("SELECT pg_try_advisory_lock(?)", (SCHEDULER_LOCK,))
            )
        return self._scheduler_locked

    def release_leases(self, owner: str) -> None:
        """Give up every lease of `owner` and, on a clean stop, the scheduler lock at once
        (closing the connection frees it too, but the server does so only after it notices)."""
        super().release_leases(owner)
        if self._scheduler_locked:
            self._one("SELECT pg_advisory_unlock(?)", (SCHEDULER_LOCK,))
            self._scheduler_locked = False
