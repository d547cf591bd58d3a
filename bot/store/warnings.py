"""The part of the Store protocol for 预警劝阻单 (warnings) and their chain of events."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.domain.warnings import WarningEvent, WarningNotice


class WarningStore(Protocol):
    """Warnings, each with its append-only chain (steps, reminders, escalations)."""

    def add_warning(self, warning: WarningNotice) -> int:
        """Record a new warning (its `id` and `events` are ignored) and return its number."""
        ...

    def get_warning(self, warning_id: int) -> WarningNotice | None:
        """One warning with its events, oldest first."""
        ...

    def warnings(
        self, unit: str | None = None, assignee: str | None = None, open_only: bool = False
    ) -> list[WarningNotice]:
        """Warnings, newest first (without events); optionally of one unit or assignee, or
        only those still waiting for their assignee (待签收/已签收/已劝阻)."""
        ...

    def warnings_issued(self, since: datetime, until: datetime) -> list[WarningNotice]:
        """Warnings issued in [since, until), oldest first (without events)."""
        ...

    def save_warning(self, warning: WarningNotice) -> None:
        """Write a warning's state and step fields (the chain's facts, not its events)."""
        ...

    def add_warning_event(self, warning_id: int, event: WarningEvent) -> None:
        """Append one event to a warning's chain."""
        ...
