"""Starting, confirming and withdrawing pushes from chat (推送, 确认, 取消, 撤回第N期).

A push that would reach more groups than `policy.confirm_over_groups` (by default: a push
to the whole town) is not sent at once: the sender gets a summary and must answer 确认
within `policy.confirm_minutes`. A push can be withdrawn within `policy.withdraw_minutes`:
what has not been sent yet is cancelled and the command group is told.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.context import JobContext
from bot.domain import texts
from bot.domain.intent import DeadlineError
from bot.domain.model import Org, Push
from bot.domain.relay import PushPlan, ScopeError, plan_push

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


def request(ctx: JobContext, draft: PushDraft) -> Push | None:
    """Start a push from chat, or ask its sender to confirm it first; None while waiting."""
    app, member = ctx.app, ctx.actor
    reply_to = ctx.reply_to or ctx.command_group
    try:
        plan = plan_push(app.org, draft.scope)
    except ScopeError as exc:
        ctx.say(reply_to, texts.push_error(str(exc)))
        return None
    policy = app.config.policy
    if needs_confirmation(app.org, plan, policy.confirm_over_groups):
        app.store.save_pending_push(member.wechat, reply_to, draft.to_json(), ctx.now)
        households = sum(t.households for t in plan.tallies)
        scope = texts.scope_label(plan.scope, app.org.units)
        ctx.say(
            reply_to,
            texts.confirm_push(
                draft.title,
                scope,
                len(plan.deliveries),
                households,
                draft.deadline,
                ctx.now,
                policy.confirm_minutes,
            ),
            [member.wechat],
        )
        return None
    return _start(ctx, draft)


def _start(ctx: JobContext, draft: PushDraft) -> Push | None:
    app = ctx.app
    if draft.deadline is not None and draft.deadline <= ctx.now:
        ctx.say(ctx.reply_to or ctx.command_group, texts.push_error("截止时间已经过去了"))
        return None
    try:
        push = app.create_push(
            draft.title,
            draft.body,
            ctx.actor,
            ctx.now,
            draft.scope,
            draft.deadline,
            draft.content_id,
        )
    except (ScopeError, DeadlineError) as exc:
        ctx.say(ctx.reply_to or ctx.command_group, texts.push_error(str(exc)))
        return None
    if ctx.reply_to is not None and ctx.reply_to != ctx.command_group:
        ctx.say(ctx.reply_to, f"已发起{texts.push_name(push)}，公告已发到指挥群。")
    return push


def confirm(ctx: JobContext) -> Push | None:
    """确认: send the push this member was asked to confirm, if still within the window."""
    reply_to = ctx.reply_to or ctx.command_group
    minutes = ctx.app.config.policy.confirm_minutes
    pending = ctx.app.store.take_pending_push(ctx.actor.wechat)
    if pending is None:
        # A second 确认 for a push that already went out needs no answer.
        if not _newest_by(ctx, ctx.actor.wechat, minutes):
            ctx.say(reply_to, texts.nothing_to_confirm())
        return None
    data, asked_at = pending
    if ctx.now - asked_at > timedelta(minutes=minutes):
        ctx.say(reply_to, texts.confirm_expired(minutes))
        return None
    return _start(ctx, PushDraft.from_json(data))


def cancel(ctx: JobContext) -> None:
    """取消: drop the push waiting for this member's 确认."""
    pending = ctx.app.store.take_pending_push(ctx.actor.wechat)
    ctx.say(
        ctx.reply_to or ctx.command_group,
        texts.push_cancelled() if pending is not None else texts.nothing_to_confirm(),
    )


def withdraw(ctx: JobContext, push_id: int | None) -> bool:
    """撤回第N期 (default: this member's newest push) within the withdrawal window."""
    app, member = ctx.app, ctx.actor
    reply_to = ctx.reply_to or ctx.command_group
    minutes = app.config.policy.withdraw_minutes
    if push_id is not None:
        push = app.store.get_push(push_id)
    else:
        mine = _newest_by(ctx, member.wechat, minutes)
        push = mine[-1] if mine else app.store.latest_push()
    if push is None:
        ctx.say(reply_to, texts.unknown_push(push_id) if push_id else texts.no_push())
        return False
    if push.status == "withdrawn":
        ctx.say(reply_to, texts.already_withdrawn(push))
        return False
    if ctx.now - push.created_at > timedelta(minutes=minutes):
        ctx.say(reply_to, texts.withdraw_too_late(push, minutes))
        return False
    cancelled = app.store.withdraw_push(push.id)
    delivered = [d for d in app.store.deliveries(push.id) if d.delivered_at is not None]
    app.store.audit(ctx.now, member.name, "撤回", f"{texts.push_name(push)}：取消 {cancelled} 条")
    ctx.say(ctx.command_group, texts.withdrawn(push, member, cancelled, len(delivered)))
    if reply_to != ctx.command_group:
        ctx.say(reply_to, f"已撤回{texts.push_name(push)}，并已通知指挥群。")
    return True


def _newest_by(ctx: JobContext, wechat: str, minutes: int) -> list[Push]:
    """The pushes `wechat` started in the last `minutes`, oldest first."""
    since = ctx.now - timedelta(minutes=minutes)
    return [p for p in ctx.app.store.pushes(since=since) if p.created_by == wechat]
