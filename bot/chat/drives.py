"""专项行动 (drives): households' volunteered receipts, the 进度 lines and the announcement.

自愿原则: the bot never writes to a household about a drive unasked. It counts what a
household says in their group or privately ("已安装", "装好了", …; bot.domain.drives decides)
and thanks them only when they wrote privately. A screenshot counts only when posted in the
household's own group while exactly one open drive takes screenshots; a private screenshot
stays a question for the safety desk ("这是不是诈骗"), and pushers' screenshots stay 佐证.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from bot.context import Context
from bot.domain import drive_texts
from bot.domain.drive_input import parse_drive_command
from bot.domain.drives import (
    VIA_IMAGE,
    VIA_TEXT,
    Drive,
    DriveError,
    DriveReceipt,
    UnitProgress,
    is_drive_receipt,
    unit_progress,
)
from bot.domain.model import Group, IncomingMessage, Level, Member, MessageKind, Org, Role
from bot.nlp.commands import Command

log = logging.getLogger("bot.drives")
COMMAND_ROLES = frozenset({Role.OFFICE, Role.LEADER})


def households_by_unit(org: Org) -> dict[str, int]:
    """Roster households per unit, in roster order (computed once per roster)."""

    def build(o: Org) -> dict[str, int]:
        counts = Counter(m.unit for m in o.with_role(Role.HOUSEHOLD) if m.unit)
        return {u: counts[u] for u in o.units if counts[u]}

    found: dict[str, int] = org.derived("drives:households", build)
    return found


# The last (time, zone) asked about and its day: a burst's messages share their time.
_last_day: tuple[datetime | None, object, date | None] = (None, None, None)


def local_day(ctx: Context) -> date:
    """The working day of the context's time, in the configured zone."""
    global _last_day
    when, tz = ctx.when, ctx.app.config.tz
    last = _last_day
    if last[0] == when and last[1] is tz and last[2] is not None:
        return last[2]
    day = when.astimezone(tz).date()
    _last_day = (when, tz, day)
    return day


def open_drives(ctx: Context, day: date | None = None) -> list[Drive]:
    """Drives receipts count for on `day` (default: today), oldest first."""
    on = day or local_day(ctx)
    return list(reversed(ctx.app.store.drives(open_on=on)))


def drive_progress(ctx: Context, drive: Drive, day: date) -> list[UnitProgress]:
    """Each unit's count against its targets, counting receipts up to the end of `day`."""
    app = ctx.app
    tz = app.config.tz
    until = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)
    counts = app.store.drive_counts(drive.id, until)
    return unit_progress(drive, households_by_unit(app.org), counts, day)


class Drives:
    """Counts households' drive receipts and adds drive lines to 进度."""

    def observe(
        self, ctx: Context, msg: IncomingMessage, member: Member, group: Group | None
    ) -> bool:
        """Whether a household's message is a receipt for an open drive (counted once), or
        the office's "专项行动 …" command (handled here)."""
        in_command = group is None or group.level is Level.COMMAND
        if in_command and msg.kind is MessageKind.TEXT and member.role in COMMAND_ROLES:
            return self.command(ctx, msg, member)
        if member.role is not Role.HOUSEHOLD:
            return False
        if group is not None and group.level is Level.COMMAND:
            return False
        drives = open_drives(ctx)
        if not drives:
            return False
        if msg.kind is MessageKind.IMAGE:
            takes = [d for d in drives if d.screenshot]
            chosen, via = (takes if group is not None and len(takes) == 1 else []), VIA_IMAGE
        elif msg.kind is MessageKind.TEXT:
            chosen = [d for d in drives if is_drive_receipt(msg.text, d.phrases)]
            via = VIA_TEXT
        else:
            return False
        unit = (group.unit if group is not None else None) or member.unit
        for drive in chosen:
            receipt = DriveReceipt(
                drive.id, member.wechat, unit, group.id if group else None, ctx.now, via, msg.id
            )
            if ctx.app.store.add_drive_receipt(receipt):
                log.info("专项行动第%d项：%s 计入一户（%s）", drive.id, unit, via)
            if group is None:
                key = f"drive:{drive.id}:thanks:{member.wechat}"
                ctx.say(member.wechat, drive_texts.thanks(drive), key=key)
        return bool(chosen)

    def command(self, ctx: Context, msg: IncomingMessage, member: Member) -> bool:
        """ "专项行动 <名称> 回执:… 目标:…" from the office or a leader: start a drive."""
        where = msg.group or msg.sender
        try:
            draft = parse_drive_command(msg.text, local_day(ctx), ctx.now, member.name)
        except DriveError as exc:
            ctx.say(where, f"抱歉，{exc}。")
            return True
        if draft is None:
            return False
        drive = self.create(replace(ctx, member=member), draft)
        if msg.group is None:
            ctx.say(where, f"已发起专项行动第{drive.id}项“{drive.title}”，并已通知指挥群。")
        return True

    def progress(self, ctx: Context, cmd: Command) -> None:
        """After the 进度 answer: each open drive's units against their targets."""
        if cmd.name != "进度":
            return
        day = local_day(ctx)
        for drive in open_drives(ctx, day):
            ctx.reply(drive_texts.progress_text(drive, drive_progress(ctx, drive, day), day))

    def create(self, ctx: Context, drive: Drive) -> Drive:
        """Store a new drive, audit it and tell the command group (cadres pass it on in their
        own words; households are never messaged)."""
        app = ctx.app
        with app.store.transaction():
            drive_id = app.store.add_drive(drive)
            stored = app.store.get_drive(drive_id)
            assert stored is not None
            app.store.audit(
                ctx.now,
                drive.created_by or ctx.actor.name,
                "专项行动",
                f"第{drive_id}项“{drive.title}”：{drive_texts.targets_label(drive.targets)}",
            )
            ctx.say(
                ctx.command_group, drive_texts.announcement(stored), key=f"drive:{drive_id}:start"
            )
        app.sender.wake()
        return stored
