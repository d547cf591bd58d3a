"""Starting pushes — the one way, for chat, the dashboard and jobs — and 推送, 确认, 取消, 撤回.

A push that would reach more groups than `policy.confirm_over_groups` (by default: a push
to the whole town) is not sent at once: the sender gets a summary and must answer 确认
within `policy.confirm_minutes`. A push can be withdrawn within `policy.withdraw_minutes`:
what has not been sent yet is cancelled and the command group is told.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.chat.mediapush import queue_media
from bot.chat.readlinks import pasted_links
from bot.chat.tasks import task_groups
from bot.context import Context
from bot.domain import texts
from bot.domain.intent import DeadlineError, parse_deadline
from bot.domain.model import Org, Push
from bot.domain.relay import PushPlan, ScopeError, plan_push
from bot.nlp.commands import Command

# A `confirm_over_groups` no push reaches (replays of recorded chats use it).
NO_CONFIRMATION = 2**31


@dataclass(frozen=True)
class PushDraft:
    """What a 推送 command asks for, before it becomes a push."""

    title: str
    body: str
    scope: tuple[str, ...] = ()
    deadline: datetime | None = None
    content_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The draft as stored while it waits for 确认."""
        data = asdict(self)
        data["scope"] = list(self.scope)
        data["deadline"] = self.deadline.isoformat() if self.deadline else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PushDraft:
        """The inverse of `to_json`."""
        deadline = data.get("deadline")
        return cls(
            title=data["title"],
            body=data["body"],
            scope=tuple(data.get("scope") or ()),
            deadline=datetime.fromisoformat(deadline) if deadline else None,
            content_id=data.get("content_id"),
        )


def needs_confirmation(org: Org, plan: PushPlan, over_groups: int) -> bool:
    """Whether a push with this plan waits for 确认 (-1: only a push to the whole town)."""
    if over_groups < 0:
        return set(plan.scope) == set(org.units)
    return len(plan.deliveries) > over_groups


class Pushes:
    """推送 and its follow-ups in chat, and `start`, which every push goes through."""

    def start(self, ctx: Context, draft: PushDraft) -> Push:
        """Create a push, announce it in the command group and start relays that need no one.

        Raises ScopeError for a scope naming no unit; callers say so in their own way.
        """
        app = ctx.app
        plan = plan_push(app.org, draft.scope)
        with app.store.transaction():
            push = app.store.create_push(
                title=draft.title,
                body=draft.body,
                created_by=ctx.actor.wechat,
                now=ctx.now,
                scope=plan.scope,
                deadline=draft.deadline,
                content_id=draft.content_id,
                roster_version=app.store.roster_version(),
                deliveries=plan.deliveries,
                tallies=plan.tallies,
                assignments=plan.assignments,
            )
            pushers = [m for w, _ in plan.assignments if (m := app.org.member(w)) is not None]
            scope = texts.scope_label(plan.scope, app.org.units)
            ctx.say(
                ctx.command_group,
                texts.announce(
                    push,
                    scope,
                    pushers,
                    ctx.now,
                    by_task=_all_tasks(plan),
                    links=pasted_links(app, push.id, plan.deliveries),
                ),
                [p.wechat for p in pushers],
                key=f"announce:{push.id}",
            )
            queue_media(ctx, push, ctx.command_group, f"announce:{push.id}", relay=False)
            app.chat.relays.ready(ctx, push.id)
            app.chat.tasks.plan(ctx, push, app.org, plan.deliveries)
            app.store.audit(ctx.now, ctx.actor.name, "推送", texts.push_name(push))
        app.sender.wake()
        app.wake_mass_tasks()
        return push

    def command(self, ctx: Context, cmd: Command) -> None:
        """推送: a library item (素材N) or the typed text, with 范围 and 截止."""
        draft = self._draft(ctx, cmd)
        if draft is not None:
            self.request(ctx, draft)

    def _draft(self, ctx: Context, cmd: Command) -> PushDraft | None:
        if cmd.content_id is not None:
            item = next((c for c in ctx.app.library if c.id == cmd.content_id), None)
            if item is None:
                ctx.reply(texts.push_error(f"素材库中没有素材{cmd.content_id}"))
                return None
            title, body, content_id = item.title, item.body, item.id
        elif cmd.body.strip():
            body = cmd.body.strip()
            title, content_id = texts.derive_title(body), None
        else:
            ctx.reply(
                texts.push_error("请写“推送 素材编号”（如“推送 素材3”），或在“推送”后换行写上正文")
            )
            return None
        try:
            tz = ctx.app.config.tz
            deadline = parse_deadline(cmd.deadline, ctx.now, tz) if cmd.deadline else None
        except DeadlineError as exc:
            ctx.reply(texts.push_error(str(exc)))
            return None
        return PushDraft(title, body, cmd.scope, deadline, content_id)

    def request(self, ctx: Context, draft: PushDraft) -> Push | None:
        """Start a push from chat, or ask its sender to confirm it first; None while waiting."""
        app = ctx.app
        try:
            plan = plan_push(app.org, draft.scope)
        except ScopeError as exc:
            ctx.reply(texts.push_error(str(exc)))
            return None
        policy = app.config.policy
        if not needs_confirmation(app.org, plan, policy.confirm_over_groups):
            return self._start_in_chat(ctx, draft)
        app.store.save_pending_push(ctx.actor.wechat, ctx.answer_to, draft.to_json(), ctx.now)
        households = sum(t.households for t in plan.tallies)
        scope = texts.scope_label(plan.scope, app.org.units)
        summary = texts.confirm_push(
            draft.title,
            scope,
            len(plan.deliveries),
            households,
            draft.deadline,
            ctx.now,
            policy.confirm_minutes,
        )
        quota = app.chat.tasks.quota_left(ctx, task_groups(plan.deliveries))
        if quota:
            summary += "\n" + texts.quota_line(quota, app.config.wecom.quota_rule)
        ctx.reply(summary, [ctx.actor.wechat])
        return None

    def _start_in_chat(self, ctx: Context, draft: PushDraft) -> Push | None:
        if draft.deadline is not None and draft.deadline <= ctx.now:
            ctx.reply(texts.push_error("截止时间已经过去了"))
            return None
        try:
            push = self.start(ctx, draft)
        except ScopeError as exc:
            ctx.reply(texts.push_error(str(exc)))
            return None
        if ctx.answer_to != ctx.command_group:
            ctx.reply(f"已发起{texts.push_name(push)}，公告已发到指挥群。")
        return push

    def confirm(self, ctx: Context, cmd: Command) -> None:
        """确认: send the push this member was asked to confirm, if still within the window."""
        minutes = ctx.app.config.policy.confirm_minutes
        pending = ctx.app.store.take_pending_push(ctx.actor.wechat)
        if pending is None:
            # A second 确认 for a push that already went out needs no answer.
            if not _newest_by(ctx, ctx.actor.wechat, minutes):
                ctx.reply(texts.nothing_to_confirm())
            return
        data, asked_at = pending
        if ctx.now - asked_at > timedelta(minutes=minutes):
            ctx.reply(texts.confirm_expired(minutes))
            return
        self._start_in_chat(ctx, PushDraft.from_json(data))

    def cancel(self, ctx: Context, cmd: Command) -> None:
        """取消: drop the push waiting for this member's 确认."""
        pending = ctx.app.store.take_pending_push(ctx.actor.wechat)
        ctx.reply(texts.push_cancelled() if pending is not None else texts.nothing_to_confirm())

    def withdraw(self, ctx: Context, cmd: Command) -> None:
        """撤回第N期 (default: this member's newest push) within the withdrawal window."""
        app, member = ctx.app, ctx.actor
        minutes = app.config.policy.withdraw_minutes
        if cmd.push_id is not None:
            push = app.store.get_push(cmd.push_id)
        else:
            mine = _newest_by(ctx, member.wechat, minutes)
            push = mine[-1] if mine else app.store.latest_push()
        if push is None:
            ctx.reply(texts.unknown_push(cmd.push_id) if cmd.push_id else texts.no_push())
            return
        if push.status == "withdrawn":
            ctx.reply(texts.already_withdrawn(push))
            return
        if ctx.now - push.created_at > timedelta(minutes=minutes):
            ctx.reply(texts.withdraw_too_late(push, minutes))
            return
        cancelled = app.store.withdraw_push(push.id)
        delivered = [d for d in app.store.deliveries(push.id) if d.delivered_at is not None]
        app.store.audit(
            ctx.now, member.name, "撤回", f"{texts.push_name(push)}：取消 {cancelled} 条"
        )
        ctx.say(ctx.command_group, texts.withdrawn(push, member, cancelled, len(delivered)))
        if ctx.answer_to != ctx.command_group:
            ctx.reply(f"已撤回{texts.push_name(push)}，并已通知指挥群。")


def _newest_by(ctx: Context, wechat: str, minutes: int) -> list[Push]:
    """The pushes `wechat` started in the last `minutes`, oldest first."""
    since = ctx.now - timedelta(minutes=minutes)
    return [p for p in ctx.app.store.pushes(since=since) if p.created_by == wechat]


def _all_tasks(plan: PushPlan) -> bool:
    """Every target group is reached only through members' 群发 tasks."""
    return bool(plan.deliveries) and len(task_groups(plan.deliveries)) == len(plan.deliveries)
