"""The chat router: what a message means (domain.intent.classify), then who acts on it.

Each feature is a handler instance (pushes, relays, receipts, queries, follow-up); the
router owns one of each and routes every intent and command to a method that takes the
shared `Context`. Scheduled jobs reach the same handlers through `app.chat`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.chat.desk import Desk
from bot.chat.drives import Drives
from bot.chat.followup import Followup
from bot.chat.pushes import Pushes
from bot.chat.queries import Queries
from bot.chat.receipts import Receipts
from bot.chat.relays import Relays
from bot.chat.tasks import MassTasks
from bot.chat.trace import Tracing
from bot.chat.warnings import Warnings
from bot.context import Context
from bot.domain import texts
from bot.domain.intent import (
    AskIntent,
    CommandIntent,
    EvidenceIntent,
    ForwardIntent,
    ReceiptIntent,
    Refusal,
    SignIntent,
    TipIntent,
    WorkReportIntent,
    classify,
)
from bot.domain.model import IncomingMessage, Role
from bot.nlp.commands import Command

CommandHandler = Callable[[Context, Command], None]


class Router:
    """One instance per app: the feature handlers and the table of commands."""

    def __init__(self) -> None:
        self.pushes = Pushes()
        self.relays = Relays()
        self.receipts = Receipts()
        self.queries = Queries()
        self.followup = Followup()
        self.tasks = MassTasks()
        self.desk = Desk()
        self.drives = Drives()
        self.warnings = Warnings()
        self.tracing = Tracing()
        q = self.queries
        self.commands: dict[str, CommandHandler] = {
            "帮助": q.help,
            "推送": self.pushes.command,
            "确认": self.pushes.confirm,
            "取消": self.pushes.cancel,
            "撤回": self.pushes.withdraw,
            "进度": self.progress,
            "未签收": q.progress,
            "未转发": q.progress,
            "催办": self.followup.command,
            "排名": q.ranking,
            "日报": q.bulletin,
            "周报": q.bulletin,
            "查": q.search,
            "倒查": self.tracing.command,
        }

    def dispatch(self, ctx: Context, msg: IncomingMessage) -> None:
        """Act on one stored inbound message (inside its transaction)."""
        org = ctx.app.org
        member = org.member(msg.sender)
        group = org.group(msg.group) if msg.group else None
        if msg.private and member is not None and member.role is not Role.HOUSEHOLD:
            # A private reply is read against the member's open 预警劝阻单 first.
            here = replace(ctx, member=member, reply_to=msg.sender, message_id=msg.id)
            if self.warnings.reply(here, msg):
                return
        # A household's drive receipt (专项行动) is counted first; only an acknowledgement of a
        # push in the same words ("收到，已安装") goes on to count as a 回执 too.
        drive = member is not None and self.drives.observe(ctx, msg, member, group)
        intent = classify(msg, member, group)
        if intent is None or member is None or (drive and not isinstance(intent, ReceiptIntent)):
            return
        ctx = ctx.speaking(member, msg.group or msg.sender, msg.id)
        if isinstance(intent, ReceiptIntent):  # most messages: tested first
            self.receipts.receipt(ctx, intent)
        elif isinstance(intent, Refusal):
            ctx.reply(f"抱歉，{intent.reason}。")
        elif isinstance(intent, CommandIntent):
            self.command(ctx, intent.command)
        elif isinstance(intent, SignIntent):
            self.receipts.sign(ctx, intent)
        elif isinstance(intent, ForwardIntent):
            self.receipts.forward(ctx, intent)
        elif isinstance(intent, EvidenceIntent):
            self.receipts.evidence(ctx, msg)
        elif isinstance(intent, WorkReportIntent):
            self.receipts.work_report(ctx, intent)
        elif isinstance(intent, TipIntent):
            self.desk.tip(ctx, intent)
        elif isinstance(intent, AskIntent):
            self.desk.ask(ctx, intent)

    def progress(self, ctx: Context, cmd: Command) -> None:
        """进度: the pushes' answer, then any open drive's (专项行动)."""
        self.queries.progress(ctx, cmd)
        self.drives.progress(ctx, cmd)

    def command(self, ctx: Context, cmd: Command) -> None:
        """Run a command; an old-style reference (#3) is first explained."""
        if cmd.legacy_ref is not None:
            ctx.reply(_legacy_note(cmd))
        self.commands[cmd.name](ctx, cmd)


def _legacy_note(cmd: Command) -> str:
    assert cmd.legacy_ref is not None
    if cmd.name == "推送":
        return texts.understood(
            cmd.legacy_ref, f"素材{cmd.content_id}", f"推送 素材{cmd.content_id}"
        )
    return texts.understood(cmd.legacy_ref, f"第{cmd.push_id}期", f"{cmd.name} 第{cmd.push_id}期")
