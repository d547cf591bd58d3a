"""A push's coverage facts in one round trip (PostgreSQL).

The shared SQL counts first and then asks for the middle times at that offset: three waits
on the server. Here each table's count drives its own LIMIT and OFFSET inside one statement,
and both statements go in one pipeline.
"""

from __future__ import annotations

import contextlib

from bot.domain.coverage import UNHEARD_MODES, CoverageFacts
from bot.store.postgres.base import PostgresBase
from bot.store.sqlite.coverage import MODES, CoverageTables, facts_sources

# The middle one or two values of `{col}` (see domain.coverage.middle) as `{out}`, `{src}`
# a FROM clause.
_MIDDLE = (
    "SELECT {out} {src} AND {col} IS NOT NULL ORDER BY {col} "
    "LIMIT 2 - (SELECT n FROM c) % 2 OFFSET ((SELECT n FROM c) - 1) / 2"
)
_SIGN_MIDDLE = "WITH c AS MATERIALIZED (SELECT count(*) AS n {src}) " + _MIDDLE
# One row (NULL, unheard deliveries) and the middle delivery times as (time, NULL).
_DELIVER_FACTS = (
    "WITH c AS MATERIALIZED (SELECT count(delivered_at) AS n, "
    f"count(CASE WHEN unit IS NOT NULL AND mode IN ({MODES}) THEN 1 END) AS unheard "
    "{planned}) SELECT NULL, unheard FROM c UNION ALL (" + _MIDDLE + ")"
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
            sign = self._x(
                _SIGN_MIDDLE.format(col="at", out="at", src=signed), (*signed_keys, *signed_keys)
            )
            deliver = self._x(
                _DELIVER_FACTS.format(
                    col="delivered_at", out="delivered_at, NULL", src=delivered, planned=planned
                ),
                (*UNHEARD_MODES, *keys, *delivered_keys),
            )
            sign_middle = tuple(self._dt_req(at) for (at,) in sign)
            rows = deliver.fetchall()
        # The middle times come in time order (text order) whatever the order of the rows.
        deliver_middle = tuple(
            self._dt_req(at) for at in sorted(r[0] for r in rows if r[1] is None)
        )
        unheard = next(r[1] for r in rows if r[1] is not None)
        return CoverageFacts(
            sign_middle=sign_middle,
            deliver_middle=deliver_middle,
            unseen=self._unseen(planned, keys) if unheard else frozenset(),
        )
