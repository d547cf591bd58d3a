"""The part of the Store protocol for 回访抽查: rounds, their call lists and outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.domain.callbacks import Call, CallbackRound, OutcomeEntry


class CallbackStore(Protocol):
    """回访 rounds (the sample drawn, with its seed) and one row per household called."""

    def add_callback_round(self, round_: CallbackRound, calls: Sequence[Call]) -> int:
        """Record a round (its `id` and `completed_at` are ignored) with its call list;
        returns its number."""
        ...

    def callback_round(self, round_id: int) -> CallbackRound | None:
        """One round."""
        ...

    def callback_rounds(
        self, completed_since: datetime | None = None, completed_until: datetime | None = None
    ) -> list[CallbackRound]:
        """Rounds, newest first; with bounds, only those completed in [since, until)."""
        ...

    def callback_calls(self, round_id: int, unit: str | None = None) -> list[Call]:
        """A round's call list in drawing order; optionally one village's."""
        ...

    def record_callback_outcomes(
        self, round_id: int, entries: Sequence[OutcomeEntry], at: datetime, who: str
    ) -> None:
        """Set the outcome (and note) of households of a round; the round is completed at `at`
        once every household has an outcome."""
        ...

    def complete_callback_round(self, round_id: int, at: datetime) -> None:
        """Close a round by hand (households not reached stay without an outcome)."""
        ...

    def callbacks_drawn_since(self, since: datetime) -> set[str]:
        """WeChat ids of households drawn in any round created at or after `since`."""
        ...
