"""Narrow reads of a push's deliveries and signatures (relay readiness; shared SQL)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence

from bot.domain.model import Delivery, Mode
from bot.store.sqlite.base import SqliteBase

# Host parameters per IN list (far below SQLite's and PostgreSQL's limits).
CHUNK = 500


def _chunks(values: Collection[str]) -> Iterator[Sequence[str]]:
    ordered = sorted(set(values))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


class RelayStateTables(SqliteBase):
    """Deliveries by group, signatures by pusher, and the two counts `all signed` needs."""

    def deliveries_of(self, push_id: int, group_ids: Collection[str]) -> list[Delivery]:
        """The push's deliveries into these groups, in planning order (as `deliveries`)."""
        wanted = sorted(set(group_ids))
        # Past one IN list: read the push's rows and keep the wanted ones (same order).
        narrow = len(wanted) <= CHUNK
        marks = ", ".join("?" * len(wanted)) if narrow else ""
        rows = self._x(
            "SELECT group_id, unit, mode, parent, delivered_at, via FROM deliveries "
            f"WHERE push_id = ? {f'AND group_id IN ({marks})' if narrow else ''} ORDER BY rowid",
            (push_id, *wanted) if narrow else (push_id,),
        )
        keep = set(wanted)
        return [
            Delivery(push_id, r[0], r[1], Mode(r[2]), r[3], self._dt(r[4]), r[5])
            for r in rows
            if r[0] in keep
        ]

    def signed_among(self, push_id: int, wechats: Collection[str]) -> set[str]:
        """Which of these pushers have signed the push."""
        signed: set[str] = set()
        for part in _chunks(wechats):
            marks = ", ".join("?" * len(part))
            signed.update(
                r[0]
                for r in self._x(
                    f"SELECT wechat FROM signatures WHERE push_id = ? AND wechat IN ({marks})",
                    (push_id, *part),
                )
            )
        return signed

    def signature_count(self, push_id: int) -> int:
        """How many pushers have signed the push (every signature asks: counted once while
        the cache lasts, then kept up by add_signature; see SqliteBase._cache)."""
        cache = self._cache()
        if cache is not None and ("signed", push_id) in cache:
            return int(cache["signed", push_id])
        found = int(self._one("SELECT count(*) FROM signatures WHERE push_id = ?", (push_id,)))
        if cache is not None:
            cache["signed", push_id] = found
        return found

    def assignment_count(self, push_id: int) -> int:
        """How many pushers the push is assigned to (fixed when it is planned: read once
        while the cache lasts, as every signature asks; see SqliteBase._cache)."""
        cache = self._cache()
        if cache is not None and ("assigned", push_id) in cache:
            return int(cache["assigned", push_id])
        found = int(self._one("SELECT count(*) FROM assignments WHERE push_id = ?", (push_id,)))
        if cache is not None:
            cache["assigned", push_id] = found
        return found
