"""A push's coverage facts in one round trip (PostgreSQL).

The shared SQL counts first and then asks for the middle times at that offset: three waits
on the server. Here each table's count drives its own LIMIT and OFFSET inside one statement,
and the statements go in one pipeline; indexes (m084) answer them without reading a city
push's 8,000 deliveries twice.
"""

from __future__ import annotations

import contextlib

from bot.domain.coverage import UNHEARD_MODES, CoverageFacts
from bot.store.postgres.base import PostgresBase
from bot.store.sqlite.coverage import CoverageTables, facts_sources

# The middle one or two values of `{col}` (see domain.coverage.middle), `{src}` a FROM
# clause whose rows all have one: their count, counted once, gives the offset.
_MIDDLE = (
    "WITH c AS MATERIALIZED (SELECT count({col}) AS n {src}) "
    "SELECT {col} {src} ORDER BY {col} "
    "LIMIT 2 - (SELECT n FROM c) % 2 OFFSET ((SELECT n FROM c) - 1) / 2"
)
# Whether any planned group is unheard (most pushes have none): read from the partial
# index deliveries_unheard (m084), as the delivered times from deliveries_by_push_time. The
# modes are spelled out as in the index's predicate, for the planner to match it.
UNHEARD_MODES_SQL = ", ".join(f"'{m.value}'" for m in UNHEARD_MODES)
_UNHEARD = (
    "SELECT EXISTS (SELECT 1 {planned} AND unit IS NOT NULL AND mode IN ("
    + UNHEARD_MODES_SQL
    + "))"
)


class PgCoverageTables(CoverageTables, PostgresBase):
    """CoverageTables with one round trip for the signatures and deliveries together."""

    def coverage_facts(self, push_id: int, unit: str | None = None) -> CoverageFacts:
        """As CoverageTables (the same facts, read in one round trip)."""
        (signed, signed_keys), (delivered, delivered_keys), planned, keys = facts_sources(
            push_id, unit
        )
        piped = contextlib.nullcontext() if self._in_pipeline() else self._pg.pipeline()
        with piped:
            sign = self._x(_MIDDLE.format(col="at", src=signed), (*signed_keys, *signed_keys))
            deliver = self._x(
                _MIDDLE.format(col="delivered_at", src=delivered),
                (*delivered_keys, *delivered_keys),
            )
            unheard = self._x(_UNHEARD.format(planned=planned), keys)
            sign_middle = tuple(self._dt_req(at) for (at,) in sign)
            deliver_middle = tuple(self._dt_req(at) for (at,) in deliver)
            unseen = bool(unheard.fetchone()[0])
        return CoverageFacts(
            sign_middle=sign_middle,
            deliver_middle=deliver_middle,
            unseen=self._unseen(planned, keys) if unseen else frozenset(),
        )
