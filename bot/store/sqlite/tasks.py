"""群发 tasks: one per member and push for task-mode groups, with what the platform reported."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from bot.domain.tasks import MassTask
from bot.store.sqlite.base import SqliteBase, ts

_COLS = (
    "push_id, wechat, groups, created_at, state, task_id, sent_at, error, reminds, remind_wanted"
)

_READS = "mass_tasks"  # the transaction cache's key for task reads


class TaskTables(SqliteBase):
    """The mass_tasks table."""

    def add_mass_tasks(self, tasks: Iterable[MassTask]) -> None:
        """Record new tasks (already recorded ones are kept as they are)."""
        self.queued += 1
        self._uncache(_READS)
        self._many(
            "INSERT OR IGNORE INTO mass_tasks (push_id, wechat, groups, created_at) "
            "VALUES (?, ?, ?, ?)",
            [(t.push_id, t.member, json.dumps(list(t.groups)), ts(t.created_at)) for t in tasks],
        )

    def mass_tasks(self, push_id: int | None = None, state: str | None = None) -> list[MassTask]:
        """Tasks, oldest push first; optionally of one push and/or in one state.

        Inside a transaction a read is kept until this connection writes a task (see
        SqliteBase._cache): a replay settles, and asks for open tasks, after every batch."""
        cache = self._cache()
        reads: dict[tuple[int | None, str | None], list[MassTask]] | None = None
        if cache is not None:
            reads = cache.setdefault(_READS, {})
            if (push_id, state) in reads:
                return list(reads[push_id, state])
        where: list[str] = ["1"]
        params: list[object] = []
        if push_id is not None:
            where.append("push_id = ?")
            params.append(push_id)
        if state is not None:
            where.append("state = ?")
            params.append(state)
        rows = self._x(
            f"SELECT {_COLS} FROM mass_tasks WHERE {' AND '.join(where)} ORDER BY push_id, wechat",
            params,
        )
        tasks = [self._task(r) for r in rows]
        if reads is not None:
            reads[push_id, state] = tasks
        return list(tasks)

    def _task(self, r: Sequence[Any]) -> MassTask:
        return MassTask(
            push_id=r[0],
            member=r[1],
            groups=tuple(json.loads(r[2])),
            created_at=self._dt_req(r[3]),
            state=r[4],
            task_id=r[5],
            sent_at=self._dt(r[6]),
            error=r[7],
            reminds=tuple(self._dt_req(v) for v in json.loads(r[8])),
            remind_wanted=self._dt(r[9]),
        )

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
        sets: list[str] = []
        params: list[object] = []
        for column, value in (("state", state), ("task_id", task_id), ("error", error)):
            if value is not None:
                sets.append(f"{column} = ?")
                params.append(value)
        if sent_at is not None:
            sets.append("sent_at = ?")
            params.append(ts(sent_at))
        if remind_wanted is not False:
            sets.append("remind_wanted = ?")
            params.append(ts(remind_wanted) if isinstance(remind_wanted, datetime) else None)
        if sets:
            self._uncache(_READS)
            self._x(
                f"UPDATE mass_tasks SET {', '.join(sets)} WHERE push_id = ? AND wechat = ?",
                (*params, push_id, member),
            )

    def add_mass_task_remind(self, push_id: int, member: str, at: datetime) -> None:
        """Remember that the platform reminded `member` of this task at `at`."""
        task = self.mass_tasks(push_id)
        reminds = next((t.reminds for t in task if t.member == member), ())
        stamps = [ts(r) for r in reminds] + [ts(at)]
        self._uncache(_READS)
        self._x(
            "UPDATE mass_tasks SET reminds = ? WHERE push_id = ? AND wechat = ?",
            (json.dumps(stamps), push_id, member),
        )

    def group_task_counts(self, since: datetime) -> dict[str, int]:
        """How many tasks each group was in, for pushes created since `since` (quota)."""
        counts: dict[str, int] = {}
        rows = self._x(
            "SELECT t.groups FROM mass_tasks t JOIN pushes p ON p.id = t.push_id "
            "WHERE p.created_at >= ? AND p.status != 'withdrawn'",
            (ts(since),),
        )
        for (groups,) in rows:
            for group in json.loads(groups):
                counts[group] = counts.get(group, 0) + 1
        return counts
