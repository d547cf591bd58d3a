"""群发 tasks on the simulated network: what WeCom does between "task created" and "sent".

A test or the console plays the group owner with `confirm`: the task is sent at that moment
into the given groups (default: all of them). Like WeCom, a report lists only the groups
that were reached, and a task takes at most three reminders in any 24 hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.transport.base import MassReport, TransportError

REMINDS_PER_DAY = 3


@dataclass
class SimTask:
    """One simulated 群发 task."""

    task_id: str
    sender: str
    groups: tuple[str, ...]
    text: str
    created_at: datetime
    sent_at: datetime | None = None
    delivered: dict[str, datetime] = field(default_factory=dict)
    reminds: list[datetime] = field(default_factory=list)


class SimulatedTasks:
    """The tasks a simulated member has been asked to send."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.tasks: dict[str, SimTask] = {}

    def create(self, sender: str, groups: Sequence[str], text: str) -> str:
        """Record a task; its id."""
        task_id = f"task-{len(self.tasks) + 1}"
        self.tasks[task_id] = SimTask(task_id, sender, tuple(groups), text, self.clock.now())
        return task_id

    def report(self, task_id: str) -> MassReport:
        """Whether the task was sent, and the groups it reached."""
        task = self._task(task_id)
        return MassReport(task.sent_at, tuple(task.delivered.items()))

    def remind(self, task_id: str) -> None:
        """A reminder to the member, within the platform's cap (else the platform's error)."""
        task = self._task(task_id)
        now = self.clock.now()
        if sum(1 for r in task.reminds if now - r < timedelta(hours=24)) >= REMINDS_PER_DAY:
            raise TransportError("群发提醒超过频率限制：同一群发任务 24 小时内最多提醒 3 次")
        task.reminds.append(now)

    def confirm(self, sender: str, groups: Sequence[str] | None = None) -> SimTask | None:
        """`sender` sends their oldest unsent task (into `groups`, default all); the task."""
        task = next(
            (t for t in self.tasks.values() if t.sender == sender and t.sent_at is None), None
        )
        if task is None:
            return None
        now = self.clock.now()
        task.sent_at = now
        for group in groups if groups is not None else task.groups:
            if group in task.groups:
                task.delivered[group] = now
        return task

    def _task(self, task_id: str) -> SimTask:
        task = self.tasks.get(task_id)
        if task is None:
            raise TransportError(f"没有这个群发任务：{task_id}")
        return task
