"""The part of the Store protocol for 专项行动 (drives) and households' volunteered receipts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from bot.domain.drives import Drive, DriveReceipt


class DriveStore(Protocol):
    """Drives and their receipts (one per household and drive)."""

    def add_drive(self, drive: Drive) -> int:
        """Record a new drive (its `id` is ignored) and return its number."""
        ...

    def get_drive(self, drive_id: int) -> Drive | None:
        """One drive, or None."""
        ...

    def drives(self, open_on: date | None = None) -> list[Drive]:
        """Every drive (or those open on `open_on`: receipts count that day), newest first."""
        ...

    def add_drive_receipt(self, receipt: DriveReceipt) -> bool:
        """Count a household once per drive; False when it was already counted."""
        ...

    def drive_counts(self, drive_id: int, until: datetime | None = None) -> dict[str, int]:
        """Households counted per unit (receipts before `until`, when given)."""
        ...

    def drive_receipts(self, drive_id: int) -> list[DriveReceipt]:
        """A drive's receipts, oldest first."""
        ...
