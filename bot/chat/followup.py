"""催办: @-mention the pushers who lag, by hand (the 催办 command) or at a push's deadline."""

from __future__ import annotations

from datetime import timedelta

from bot.chat.queries import chosen_pushes
from bot.context import Context
from bot.domain import texts
from bot.domain.followup import REMIND, remind_budget
from bot.domain.model import Member, Push, Reminder
from bot.nlp.commands import Command


class Followup:
    """Reminders in the command group, each kind within its own rolling-24-h budget."""

    def command(self, ctx: Context, cmd: Command) -> None:
        """催办 [第N期]: the named push, else every open one, newest first."""
        for push in chosen_pushes(ctx, cmd):
            self.remind(ctx, push)

    def remind(self, ctx: Context, push: Push, kind: str = REMIND) -> bool:
        """@-mention laggard pushers of `push` in the command group; False if nobody was.

        Manual 催办 and deadline reminders (截止前催办/到期催办, from jobs) each have their
        own cap (see followup.remind_budget). A job (no `reply_to`) is told nothing when
        capped or when nobody lags; a person is.
        """
        app, now = ctx.app, ctx.now
        manual = kind == REMIND
        cap = (
            app.config.policy.remind_cap_per_day if manual else app.config.deadline.auto_remind_cap
        )
        budget = remind_budget(kind)
        recent = [
            r
            for r in app.store.reminders(push.id, since=now - timedelta(hours=24))
            if r.kind in budget
        ]
        if len(recent) >= cap:
            if ctx.reply_to is not None:
                ctx.reply(texts.remind_capped(push, cap))
            return False
        people = _laggard_pushers(ctx, push)
        if not people:
            if ctx.reply_to is not None:
                ctx.reply(texts.nothing_to_remind(push))
            return False
        text = (
            texts.remind(push, people, len(recent) + 1, cap)
            if manual
            else texts.deadline_remind(push, people, kind, len(recent) + 1, cap, now)
        )
        ctx.say(ctx.command_group, text, [p.wechat for p in people])
        # Members who send through 群发 tasks are also reminded by the platform itself.
        app.chat.tasks.request_remind(ctx, push, [p.wechat for p in people])
        app.store.add_reminder(Reminder(push.id, now, kind, tuple(p.wechat for p in people)))
        app.store.audit(now, ctx.actor.name, kind, f"第{push.id}期：{len(people)} 人")
        if ctx.reply_to is not None and ctx.reply_to != ctx.command_group:
            ctx.reply(f"已在指挥群催办 {len(people)} 人。")
        return True


def _laggard_pushers(ctx: Context, push: Push) -> list[Member]:
    unsigned, undelivered = ctx.app.laggards(push)
    targets: dict[str, Member] = {m.wechat: m for m in unsigned}
    for _, _, pushers in undelivered:
        targets.update((p.wechat, p) for p in pushers)
    return list(targets.values())
