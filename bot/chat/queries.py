"""Leaders' questions: 进度, 未签收, 未转发, 排名, 查, 日报/周报, 帮助 (per role).

Without a number, 进度/未签收/未转发 answer for every push still open, newest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.chat.drives import COMMAND_ROLES as DRIVE_ROLES
from bot.context import Context
from bot.domain import texts
from bot.domain.coverage import rank_units, unsettled
from bot.domain.desk import is_police
from bot.domain.intent import QUERY_ROLES
from bot.domain.model import Member, Org, Push, Role
from bot.domain.warnings import ASSIGNEE_ROLES
from bot.formats.content import search
from bot.nlp import commands
from bot.nlp.commands import Command
from bot.schedule import bulletins

PERIOD_DAYS = {"day": 1, "week": 7, "month": 30}


def open_pushes(ctx: Context) -> list[Push]:
    """Pushes still open (in the open window, not withdrawn, not complete), newest first."""
    found = []
    for push in reversed(ctx.app.store.pushes(since=ctx.open_since)):
        cov = ctx.app.coverage(push)
        if cov.signed < cov.pushers or cov.delivered < cov.groups:
            found.append(push)
    return found


def chosen_pushes(ctx: Context, cmd: Command) -> list[Push]:
    """The push a command names, else every open push, else the latest; [] after a reply."""
    store = ctx.app.store
    if cmd.push_id is not None:
        push = store.get_push(cmd.push_id)
        if push is None or push.status != "open":
            ctx.reply(texts.unknown_push(cmd.push_id))
            return []
        return [push]
    chosen = open_pushes(ctx)
    if not chosen:
        latest = store.latest_push()
        if latest is None:
            ctx.reply(texts.no_push())
            return []
        chosen = [latest]
    return chosen


def help_parts(member: Member, org: Org) -> list[str]:
    """The parts of the help (bot.nlp.commands.HELP_PARTS) that `member` can use: 倒查 for
    those who may query, 下发预警 for a 派出所's 片警, the 预警 replies for those a warning
    can be assigned to, 专项行动 for the office and leaders."""
    parts = []
    if member.role in QUERY_ROLES:
        parts.append(commands.HELP_TRACE)
    if member.role is Role.SUPERVISOR and is_police(member, org):
        parts.append(commands.HELP_WARNING_ISSUE)
    if member.role in ASSIGNEE_ROLES:
        parts.append(commands.HELP_WARNING_REPLY)
    if member.role in DRIVE_ROLES:
        parts.append(commands.HELP_DRIVES)
    return parts


class Queries:
    """Answers to leaders' questions, in the conversation they were asked in."""

    def help(self, ctx: Context, cmd: Command) -> None:
        """帮助: the common sections, and the parts this member can use."""
        ctx.reply(commands.help_text(help_parts(ctx.actor, ctx.app.org)))

    def search(self, ctx: Context, cmd: Command) -> None:
        """查 <关键词>: matching items of the content library."""
        found = search(ctx.app.library, cmd.keyword) if cmd.keyword else []
        ctx.reply(texts.search_results(cmd.keyword, found))

    def bulletin(self, ctx: Context, cmd: Command) -> None:
        """日报 / 周报 up to now, answered in place."""
        bulletins.on_request(ctx, cmd.name)

    def ranking(self, ctx: Context, cmd: Command) -> None:
        """排名 for the day, week or (default) month."""
        ctx.reply(self.ranking_text(ctx, cmd.period or "month"))

    def ranking_text(self, ctx: Context, period: str) -> str:
        """Answer to 排名 for day/week/month."""
        app, now = ctx.app, ctx.now
        reports = app.coverage_report(app.store.pushes(since=period_start(now, period)))
        bottom = app.config.bulletin.bottom_count if period == "month" else 0
        ranks = rank_units(reports, bottom=bottom, now=now)
        pending = unsettled(reports, now) if bottom else 0
        return texts.ranking(ranks, period, len(reports) - pending, pending)

    def progress(self, ctx: Context, cmd: Command) -> None:
        """进度 / 未签收 / 未转发 for one push, or compactly for every open push."""
        chosen = chosen_pushes(ctx, cmd)
        if len(chosen) == 1:
            ctx.reply(self.push_text(ctx, cmd.name, chosen[0]))
        elif chosen:
            ctx.reply(self.open_text(ctx, cmd.name, chosen))

    def push_text(self, ctx: Context, name: str, push: Push) -> str:
        """Answers to 进度 / 未签收 / 未转发 for a push."""
        app = ctx.app
        unsigned, undelivered = app.laggards(push)
        if name == "未签收":
            return texts.unsigned(push, unsigned)
        if name == "未转发":
            return texts.undelivered(push, undelivered)
        names = {m.wechat: m.name for m in app.org.members}
        return texts.progress(
            app.coverage(push),
            unsigned,
            [(d, g) for d, g, _ in undelivered],
            [(r, [names.get(w, w) for w in r.members]) for r in app.store.reminders(push.id)],
            ctx.now,
        )

    def open_text(self, ctx: Context, name: str, chosen: Sequence[Push]) -> str:
        """Compact answers to 进度/未签收/未转发 covering several open pushes."""
        app = ctx.app
        if name == "进度":
            return texts.open_progress([app.coverage(p) for p in chosen], ctx.now)
        laggards = [(p, app.laggards(p)) for p in chosen]
        if name == "未签收":
            return texts.open_unsigned([(p, unsigned) for p, (unsigned, _) in laggards])
        return texts.open_undelivered(
            [(p, [(g, pushers) for _, g, pushers in groups]) for p, (_, groups) in laggards]
        )


def period_start(now: datetime, period: str) -> datetime:
    """When a 排名 period starts, counted back from now."""
    return now - timedelta(days=PERIOD_DAYS.get(period, 30))
