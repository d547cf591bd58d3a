"""The part of the Store protocol that keeps relay readiness incremental: a push's state
read for a few groups or members instead of all of them (issue 12)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from bot.domain.model import Delivery


class RelayStateStore(Protocol):
    """Deliveries and signatures of a push, narrowed to the groups or pushers asked about."""

    def deliveries_of(self, push_id: int, group_ids: Collection[str]) -> list[Delivery]:
        """The push's deliveries into these groups, in planning order (as `deliveries`)."""
        ...

    def signed_among(self, push_id: int, wechats: Collection[str]) -> set[str]:
        """Which of these pushers have signed the push."""
        ...

    def signature_count(self, push_id: int) -> int:
        """How many pushers have signed the push."""
        ...

    def assignment_count(self, push_id: int) -> int:
        """How many pushers the push is assigned to."""
        ...
