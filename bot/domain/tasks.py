"""群发 tasks: a push sent by one member into their task-mode groups (WeCom 客户群群发)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class MassTask:
    """One 群发 task: a push sent by one member into their task-mode groups; `state` is
    "pending" (not yet created), "created" or "failed"; `reminds` the platform reminders."""

    push_id: int
    member: str
    groups: tuple[str, ...]
    created_at: datetime
    state: str = "pending"
    task_id: str | None = None
    sent_at: datetime | None = None
    error: str = ""
    reminds: tuple[datetime, ...] = ()
    remind_wanted: datetime | None = None
