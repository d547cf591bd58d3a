"""The part of the Store protocol a coverage report reads besides the unit counters: a
push's signatures and deliveries boiled down in SQL rather than read row by row (issue 12:
a city push plans 8,000 deliveries)."""

from __future__ import annotations

from typing import Protocol

from bot.domain.coverage import CoverageFacts


class CoverageStore(Protocol):
    """Medians' middle times and unheard units of a push, whole or of one unit."""

    def coverage_facts(self, push_id: int, unit: str | None = None) -> CoverageFacts:
        """The push's middle signature and delivery times and its units whose every group
        is unheard; with `unit`, of that unit's deliveries and assigned pushers only."""
        ...
