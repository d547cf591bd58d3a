"""The part of the Store protocol for 责任倒查: reads across roster versions and pushes that
find one household and what reached its groups."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.domain.model import Delivery, Group, Member
from bot.domain.trace import TracedEvidence, TracedReceipt


class TraceStore(Protocol):
    """Read-only queries for the 倒查 page, its exports and the chat command."""

    def find_roster_members(self, text: str, by_phone: bool) -> list[tuple[int, str]]:
        """(roster version, contact id) of members of every stored version whose name contains
        `text`, or (by_phone) whose phone is `text` or ends with it; newest version first."""
        ...

    def member_history(self, wechat: str) -> dict[int, Member]:
        """The member as each kept roster version has them (with their groups), by version."""
        ...

    def roster_groups(self, version: int, group_ids: Sequence[str]) -> list[Group]:
        """These groups as a roster version has them, in roster order."""
        ...

    def deliveries_to(self, group_ids: Sequence[str]) -> list[Delivery]:
        """Every planned delivery of any push to these groups, by push then group."""
        ...

    def member_receipts(self, wechat: str, push_ids: Sequence[int]) -> list[TracedReceipt]:
        """A member's receipts among these pushes, with the words of the message (if kept)."""
        ...

    def evidence_of(
        self, push_ids: Sequence[int], group_ids: Sequence[str]
    ) -> list[TracedEvidence]:
        """The 佐证 screenshots of these pushes in these groups, each with its index in its
        push's list (the dashboard serves /evidence/<push>/<index>)."""
        ...

    def read_taps_in(
        self, push_ids: Sequence[int], group_ids: Sequence[str]
    ) -> dict[tuple[int, str], int]:
        """Read-link taps per (push, group) among these pushes and groups."""
        ...
