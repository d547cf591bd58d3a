"""The part of the Store protocol for read-confirm link taps (anonymous receipts from groups
the bot cannot listen in)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class ReadTapStore(Protocol):
    """Taps on read-confirm links: one per push and device."""

    def add_read_tap(
        self, push_id: int, group_id: str, unit: str | None, device: str, heard: bool, at: datetime
    ) -> bool:
        """Record a device's tap (False when that device already tapped this push). Bumps the
        unit's `reads`, and its `read_acks` when the bot cannot hear the group (`heard` False),
        in the same write."""
        ...

    def has_read_tap(self, push_id: int, device: str) -> bool:
        """Whether this device already tapped this push's link."""
        ...

    def read_tap_counts(self, push_id: int) -> dict[str, int]:
        """Taps per group of a push."""
        ...
