"""A push's signatures and deliveries boiled down for its coverage report (shared SQL)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain.coverage import UNHEARD_MODES, CoverageFacts, middle
from bot.store.sqlite.base import SqliteBase

# Stored times are fixed-width UTC ISO text, so their text order is their time order.
_SIGNED = "FROM signatures WHERE push_id = ?"
_SIGNED_IN_UNIT = (
    f"{_SIGNED} AND wechat IN (SELECT wechat FROM assignments WHERE push_id = ? AND unit = ?)"
)
_DELIVERED = "FROM deliveries WHERE push_id = ? AND delivered_at IS NOT NULL"
_MODES = ", ".join("?" * len(UNHEARD_MODES))


Source = tuple[str, tuple[Any, ...]]  # a FROM … WHERE … clause and its parameters


def facts_sources(push_id: int, unit: str | None) -> tuple[Source, Source, str, tuple[Any, ...]]:
    """The signatures and the delivered deliveries a report's facts read, and the planned
    deliveries (a FROM clause taking `keys`); with `unit`, that unit's only."""
    if unit is None:
        signed: Source = (_SIGNED, (push_id,))
        delivered: Source = (_DELIVERED, (push_id,))
    else:
        signed = (_SIGNED_IN_UNIT, (push_id, push_id, unit))
        delivered = (f"{_DELIVERED} AND unit = ?", (push_id, unit))
    planned = "FROM deliveries WHERE push_id = ?" + (" AND unit = ?" if unit is not None else "")
    return signed, delivered, planned, (push_id,) if unit is None else (push_id, unit)


class CoverageTables(SqliteBase):
    """The middle times of a push's signatures and deliveries, and its unheard units."""

    def coverage_facts(self, push_id: int, unit: str | None = None) -> CoverageFacts:
        """The push's middle signature and delivery times and its units whose every group
        is unheard; with `unit`, of that unit's deliveries and assigned pushers only."""
        signed, delivered, planned, keys = facts_sources(push_id, unit)
        # One pass over the planned deliveries counts the delivered ones and the unheard
        # ones; most pushes have no unheard group at all, so the units query is rarely made.
        delivered_count, unheard = self._x(
            "SELECT count(delivered_at), "
            f"count(CASE WHEN unit IS NOT NULL AND mode IN ({_MODES}) THEN 1 END) {planned}",
            (*UNHEARD_MODES, *keys),
        ).fetchone()
        return CoverageFacts(
            sign_middle=self._middle_times("at", *signed),
            deliver_middle=self._middle_times("delivered_at", *delivered, delivered_count),
            unseen=self._unseen(planned, keys) if unheard else frozenset(),
        )

    def _unseen(self, planned: str, keys: tuple[Any, ...]) -> frozenset[str]:
        """Units with an unheard group and no other."""
        planned += " AND unit IS NOT NULL"
        rows = self._x(
            f"SELECT DISTINCT unit {planned} AND mode IN ({_MODES}) "
            f"AND unit NOT IN (SELECT unit {planned} AND mode NOT IN ({_MODES}))",
            (*keys, *UNHEARD_MODES, *keys, *UNHEARD_MODES),
        )
        return frozenset(r[0] for r in rows)

    def _middle_times(
        self, column: str, source: str, params: tuple[Any, ...], count: int | None = None
    ) -> tuple[datetime, ...]:
        if count is None:
            count = int(self._one(f"SELECT count(*) {source}", params) or 0)
        if not count:
            return ()
        offset, limit = middle(count)
        return tuple(
            self._dt_req(r[0])
            for r in self._x(
                f"SELECT {column} {source} ORDER BY {column} LIMIT ? OFFSET ?",
                (*params, limit, offset),
            )
        )
