"""The part of the Store protocol for 群发 tasks (task-mode groups such as WeCom customer
groups, where the platform sends after the group owner confirms)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from bot.domain.tasks import MassTask


class TaskStore(Protocol):
    """群发 tasks: one per member and push."""

    # Outbox rows and 群发 tasks this process has queued so far (never decreases; a rolled
    # back write still counts): a replay settles only after a line that moved it.
    queued: int

    def add_mass_tasks(self, tasks: Iterable[MassTask]) -> None:
        """Record new tasks (already recorded ones are kept as they are)."""
        ...

    def mass_tasks(self, push_id: int | None = None, state: str | None = None) -> list[MassTask]:
        """Tasks, oldest push first; optionally of one push and/or in one state."""
        ...

    def update_mass_task(
        self,
        push_id: int,
        member: str,
        *,
        state: str | None = None,
        task_id: str | None = None,
        sent_at: datetime | None = None,
        error: str | None = None,
        remind_wanted: datetime | bool | None = False,
    ) -> None:
        """Change what is known about a task (only the fields given; `remind_wanted` None
        clears the request, False leaves it)."""
        ...

    def add_mass_task_remind(self, push_id: int, member: str, at: datetime) -> None:
        """Remember that the platform reminded `member` of this task at `at`."""
        ...

    def group_task_counts(self, since: datetime) -> dict[str, int]:
        """How many tasks each group was in, for pushes created since `since` (quota)."""
        ...
