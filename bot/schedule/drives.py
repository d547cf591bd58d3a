"""专项行动 (drives) in scheduled work: the daily encouragement to units behind target and
the drive section of the 日报 and 月度排名.

The encouragement goes to the command group only, @-mentioning the pushers and supervisors of
the units behind their pace; it names units, never households (自愿原则: nobody is chased).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.chat.drives import drive_progress, local_day, open_drives
from bot.context import Context
from bot.domain import drive_texts
from bot.domain.bulletin import Section
from bot.domain.drives import behind
from bot.domain.model import Role
from bot.domain.periods import DAILY, MONTHLY, Period

CADRE_ROLES = frozenset({Role.PUSHER, Role.SUPERVISOR})


async def drive_reminders(ctx: Context) -> None:
    """Daily: encourage the cadres of units behind each open drive's pace (none: silence)."""
    app = ctx.app
    day = local_day(ctx)
    with app.store.transaction():
        for drive in open_drives(ctx, day):
            lagging = behind(drive_progress(ctx, drive, day))
            if not lagging:
                continue
            units = {p.unit for p in lagging}
            cadres = [m for m in app.org.members if m.role in CADRE_ROLES and m.unit in units]
            ctx.say(
                ctx.command_group,
                drive_texts.reminder(drive, lagging, cadres, day),
                [m.wechat for m in cadres],
                key=f"drive:{drive.id}:remind:{day.isoformat()}",
            )
            app.store.audit(
                ctx.now,
                ctx.actor.name,
                "专项行动提醒",
                f"第{drive.id}项：{'、'.join(p.unit for p in lagging)}",
            )
    app.sender.wake()


def drive_sections(ctx: Context, kind: str, period: Period) -> Sequence[Section]:
    """日报: every drive open that day; 月度排名: every drive that ran in the month, as it
    stood at the month's (or the drive's) end."""
    if kind not in (DAILY, MONTHLY):
        return ()
    first = period.start.date()
    last = (period.end - timedelta(microseconds=1)).date()
    lines: list[str] = []
    for drive in reversed(ctx.app.store.drives()):
        if drive.ends < first or drive.starts > last:
            continue
        day = min(last, drive.ends)
        final = kind == MONTHLY and drive.ends <= last
        lines += drive_texts.bulletin_lines(drive, drive_progress(ctx, drive, day), final)
    return (Section("专项行动", tuple(lines)),) if lines else ()
