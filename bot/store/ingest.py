"""The part of the Store protocol a batch of inbound messages uses to cost fewer waits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.domain.model import IncomingMessage


class IngestStore(Protocol):
    """Households' receipts, and the hints and writes that let a group-commit batch run
    without waiting on the database message by message (PostgreSQL; on SQLite they are the
    plain reads and writes)."""

    def add_receipt(
        self,
        push_id: int,
        wechat: str,
        unit: str,
        group_id: str,
        at: datetime,
        message_id: str | None,
    ) -> bool:
        """Record a household's acknowledgement once; False if already counted or out of scope.

        The unit's `acks` counter grows in the same transaction.
        """
        ...

    def expect(self, messages: Sequence[IncomingMessage]) -> None:
        """A hint, inside a transaction: these messages are about to be recorded in it.
        What recording and acting on them reads (which ids are stored already, each
        group's latest delivered push) may be asked for at once, in one round trip."""
        ...

    def note_receipt(
        self,
        push_id: int,
        wechat: str,
        unit: str,
        group_id: str,
        at: datetime,
        message_id: str | None,
    ) -> None:
        """As `add_receipt`, for a caller that does not need to know whether the receipt
        was new (so nothing waits for the answer)."""
        ...
