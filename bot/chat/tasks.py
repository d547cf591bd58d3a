"""群发 tasks for task-mode groups (WeCom customer groups).

There the bot cannot post: the platform sends after the group's owner confirms a task. So a
push plans one task per member for their task-mode groups; `run_once` creates pending tasks
on the platform and polls the created ones. A member's send is their signature; each group
it reached is a delivery with the platform's time. Unsent groups are simply not reported,
so nothing is counted twice however often the bot polls (or restarts). 催办 asks for a
platform reminder, sent on the next run within the platform's 3-per-24-hours cap.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import timedelta

from bot.chat.readlinks import named_links
from bot.context import Context
from bot.domain import texts
from bot.domain.model import Delivery, Mode, Org, Push
from bot.domain.quota import quota_window
from bot.domain.relay import group_pushers
from bot.domain.tasks import MassTask
from bot.formats.content import content_folder
from bot.transport import mass_sender_of
from bot.transport.base import FatalTransportError, MassReport, MassSender, TransportError

log = logging.getLogger("bot.tasks")

# The platform's own limit: 3 reminders per task in any 24 hours.
REMINDS_PER_DAY = 3


class MassTasks:
    """Plans, creates, polls and reminds 群发 tasks."""

    def __init__(self) -> None:
        # The poll loop and `App.settle` may both sync: never create a task twice.
        self._lock = asyncio.Lock()
        # The transport's 群发 capability, worked out once per transport (a runtime protocol
        # check costs more than the rest of an idle sync).
        self._sender_of: tuple[object, MassSender | None] | None = None

    def plan(self, ctx: Context, push: Push, org: Org, deliveries: Sequence[Delivery]) -> None:
        """One task per member for the push's task-mode groups (the group's own pusher)."""
        groups: dict[str, list[str]] = {}
        for d in deliveries:
            group = org.group(d.group_id)
            if d.mode is not Mode.TASK or group is None:
                continue
            pushers = group_pushers(org, group)
            if pushers:
                groups.setdefault(pushers[0].wechat, []).append(d.group_id)
        ctx.app.store.add_mass_tasks(
            MassTask(push.id, member, tuple(ids), ctx.now) for member, ids in groups.items()
        )

    async def run_once(self, ctx: Context) -> None:
        """Create pending tasks, send wanted reminders, poll what went out."""
        transport = ctx.app.transport
        if self._sender_of is None or self._sender_of[0] is not transport:
            self._sender_of = (transport, mass_sender_of(transport))
        sender = self._sender_of[1]
        if sender is None:
            return
        async with self._lock:
            await self._sync(ctx, sender)

    async def _sync(self, ctx: Context, sender: MassSender) -> None:
        try:
            await self._create_pending(ctx, sender)
            await self._send_reminders(ctx, sender)
            await self._poll(ctx, sender)
        except FatalTransportError:
            raise
        except TransportError as exc:
            # Unreachable for a while: everything stays pending for the next run.
            log.warning("群发任务暂时无法同步，稍后重试：%s", exc)

    async def _create_pending(self, ctx: Context, sender: MassSender) -> None:
        store = ctx.app.store
        for task in store.mass_tasks(state="pending"):
            push = store.get_push(task.push_id)
            if push is None or push.status != "open":
                store.update_mass_task(
                    task.push_id, task.member, state="failed", error="推送已撤回"
                )
                continue
            try:
                images = media_of(ctx, push)
                text = texts.relay(push, named_links(ctx.app, push.id, task.groups))
                task_id = await sender.create_mass_task(task.member, task.groups, text, images)
            except FatalTransportError as exc:
                log.error("无法为%s创建群发任务：%s", task.member, exc)
                store.update_mass_task(task.push_id, task.member, state="failed", error=str(exc))
                continue
            store.update_mass_task(task.push_id, task.member, state="created", task_id=task_id)

    async def _send_reminders(self, ctx: Context, sender: MassSender) -> None:
        store = ctx.app.store
        for task in store.mass_tasks(state="created"):
            if task.remind_wanted is None or task.task_id is None:
                continue
            recent = [r for r in task.reminds if ctx.now - r < timedelta(hours=24)]
            if task.sent_at is None and len(recent) < REMINDS_PER_DAY:
                await sender.remind_mass_task(task.task_id)
                store.add_mass_task_remind(task.push_id, task.member, ctx.now)
            store.update_mass_task(task.push_id, task.member, remind_wanted=None)

    async def _poll(self, ctx: Context, sender: MassSender) -> None:
        store = ctx.app.store
        since = ctx.open_since
        created = store.mass_tasks(state="created")
        if not created:
            return  # nothing to poll: no need to read the open pushes
        open_ids = {p.id for p in store.pushes(since=since)}
        for task in created:
            if task.push_id not in open_ids or task.task_id is None:
                continue
            report = await sender.mass_report(task.task_id, task.member)
            with store.transaction():
                self._record(ctx, task, report)

    def _record(self, ctx: Context, task: MassTask, report: MassReport) -> None:
        app = ctx.app
        if report.sent_at is not None and task.sent_at is None:
            app.store.update_mass_task(task.push_id, task.member, sent_at=report.sent_at)
            unit = app.store.is_assigned(task.push_id, task.member)
            if unit is not None:
                app.store.add_signature(task.push_id, task.member, unit, report.sent_at, None)
                app.chat.receipts.announce_if_all_signed(ctx, task.push_id)
        for group_id, at in report.delivered:
            if group_id in task.groups:
                app.store.mark_delivered(task.push_id, group_id, at, "task")
        app.chat.relays.ready(ctx, task.push_id)

    def request_remind(self, ctx: Context, push: Push, members: Sequence[str]) -> int:
        """Ask for platform reminders of these members' unsent tasks; how many were asked."""
        store = ctx.app.store
        wanted = 0
        for task in store.mass_tasks(push.id, state="created"):
            if task.member in members and task.sent_at is None:
                store.update_mass_task(push.id, task.member, remind_wanted=ctx.now)
                wanted += 1
        return wanted

    def quota_left(self, ctx: Context, groups: Sequence[str]) -> dict[str, int]:
        """Mass sends each group may still receive in the platform's current window."""
        rule = ctx.app.config.wecom.quota_rule
        start, _, cap = quota_window(rule, ctx.now.astimezone(ctx.app.config.tz))
        used = ctx.app.store.group_task_counts(start)
        return {g: max(0, cap - used.get(g, 0)) for g in groups}


def media_of(ctx: Context, push: Push) -> list[str]:
    """The image files of the library item a push was made from (posters go with the task)."""
    item = next((c for c in ctx.app.library if c.id == push.content_id), None)
    if item is None:
        return []
    folder = content_folder(ctx.app.config)
    return [str(folder / name) for name in item.media if (folder / name).is_file()]


def task_groups(deliveries: Sequence[Delivery]) -> list[str]:
    """The task-mode groups among a push's planned deliveries."""
    return [d.group_id for d in deliveries if d.mode is Mode.TASK]
