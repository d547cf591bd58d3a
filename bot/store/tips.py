"""The part of the Store protocol for the safety desk: households' fraud reports (线索)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.domain.desk import Tip, TipTally


class TipStore(Protocol):
    """线索 and their append-only notes."""

    def add_tip(self, tip: Tip) -> int:
        """Record a new tip (its `id` is ignored) and return its number; a message already
        recorded as a tip returns that tip's number."""
        ...

    def get_tip(self, tip_id: int) -> Tip | None:
        """One tip with its notes, oldest first."""
        ...

    def tips(self, unit: str | None = None, status: str | None = None) -> list[Tip]:
        """Tips, newest first (without notes); optionally of one unit and/or status."""
        ...

    def update_tip(
        self, tip_id: int, at: datetime, who: str, note: str, status: str | None = None
    ) -> None:
        """Append a note (and change the status, when given)."""
        ...

    def tip_tally(self, since: datetime, until: datetime) -> TipTally:
        """Tips received in [since, until), the urgent ones, and all not yet 已处理."""
        ...
