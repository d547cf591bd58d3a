"""Issuing 通报: gather the numbers, compose them (bot.domain.bulletin), draw, store, send.

Scheduled jobs and the 日报/周报 chat commands both come through here with a Context.
The text goes out first; each chart (the bulletin's own, then its sections') follows as an
image row through the same outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from bot.context import Context
from bot.domain.bulletin import (
    BulletinData,
    Draft,
    collect_laggards,
    compose_daily,
    compose_monthly,
    compose_weekly,
)
from bot.domain.model import Bulletin, MessageKind, OutgoingMessage, Role
from bot.domain.periods import (
    DAILY,
    MONTHLY,
    WEEKLY,
    Period,
    day_period,
    month_period,
    week_period,
)
from bot.schedule.sections import sections_for

log = logging.getLogger("bot.bulletins")

FILE_PREFIX = {DAILY: "daily", WEEKLY: "weekly", MONTHLY: "monthly"}
CHART_NOTE = "（图表见下图）"


def period_for(kind: str, ctx: Context, previous: bool) -> Period:
    """The period a bulletin of `kind` covers, as of the context's time."""
    when = ctx.when.astimezone(ctx.app.config.tz)
    if kind == DAILY:
        return day_period(when)
    if kind == WEEKLY:
        return week_period(when, previous)
    return month_period(when, previous)


def reporting_units(ctx: Context) -> tuple[str, ...]:
    """Units expected to send 今日工作 reports: those with a pusher, in roster order."""
    org = ctx.app.org
    staffed = {m.unit for m in org.members if m.role is Role.PUSHER}
    return tuple(u for u in org.units if u in staffed)


def gather(ctx: Context, period: Period, kind: str = DAILY) -> BulletinData:
    """Read everything a bulletin of `period` needs from the store and the roster."""
    app = ctx.app
    pushes = app.store.pushes(since=period.start, until=period.end)
    per_push = []
    for push in pushes:
        unsigned, undelivered = app.laggards(push)
        per_push.append((push.id, unsigned, [(g, pushers) for _, g, pushers in undelivered]))
    first, until = period.start.date(), period.end.date()
    today = ctx.now.astimezone(app.config.tz).date()
    return BulletinData(
        town=app.org.town,
        period=period,
        reports=tuple(app.coverage(p) for p in pushes),
        laggards=tuple(collect_laggards(per_push)),
        units=reporting_units(ctx),
        work_reports=tuple(app.store.work_reports(first, until)),
        report_days=tuple(app.calendar.workdays_in(first, min(until, today + timedelta(days=1)))),
        names={m.wechat: m.name for m in app.org.members},
        now=ctx.now.astimezone(app.config.tz),
        tips=app.store.tip_tally(period.start, period.end),
        extra=sections_for(ctx, kind, period),
    )


def compose(ctx: Context, kind: str, previous: bool) -> Draft:
    """Compose a bulletin of `kind` for the context's time."""
    data = gather(ctx, period_for(kind, ctx, previous), kind)
    if kind == DAILY:
        return compose_daily(data)
    if kind == WEEKLY:
        return compose_weekly(data)
    bottom = int(ctx.options.get("bottom", ctx.app.config.bulletin.bottom_count))
    return compose_monthly(data, bottom)


def chart_path(ctx: Context, draft: Draft, index: int = 0) -> Path:
    """Where a bulletin's chart goes: data_dir/bulletins/<kind>-<period>-<time>.png, the
    second and later charts of the same bulletin with "-2", "-3"… before ".png"."""
    now = ctx.now.astimezone(ctx.app.config.tz)
    # A daily's period key is already its date; the others need the issue date too.
    stamp = f"{now:%H%M%S}" if draft.kind == DAILY else f"{now:%Y%m%d-%H%M%S}"
    suffix = f"-{index + 1}" if index else ""
    name = f"{FILE_PREFIX[draft.kind]}-{draft.period.key}-{stamp}{suffix}.png"
    return ctx.app.config.data_dir / "bulletins" / name


def draw(ctx: Context, draft: Draft) -> list[Path]:
    """Render every chart of the draft, in order (none when charts are off or no CJK font
    exists; a chart matplotlib fails on is left out, the others still go)."""
    if not ctx.app.config.bulletin.chart:
        return []
    images = []
    for index, spec in enumerate(draft.charts):
        try:
            path = ctx.app.charts.render(spec, chart_path(ctx, draft, index))
        except (OSError, ValueError, RuntimeError):
            # A chart is a courtesy: the text bulletin must go out whatever matplotlib does.
            log.exception("通报图表“%s”生成失败，不附此图", spec.title)
            continue
        if path is not None:
            images.append(path)
    return images


def chart_note(images: Sequence[Path]) -> str:
    """The line the text ends with when images follow ("" without any)."""
    if not images:
        return ""
    return f"\n{CHART_NOTE}" if len(images) == 1 else f"\n（图表见下方 {len(images)} 张图）"


def publish(
    ctx: Context, draft: Draft, images: Sequence[Path], conversation: str, key: str | None
) -> Bulletin:
    """Queue the text, then each chart as its own image, and keep the bulletin (with all its
    charts) for the 通报 history."""
    app = ctx.app
    text = draft.text + chart_note(images)
    with app.store.transaction():
        ctx.say(conversation, text, key=key)
        for index, image in enumerate(images):
            app.store.enqueue(
                OutgoingMessage(
                    conversation=conversation,
                    text="[通报图表]",
                    kind=MessageKind.IMAGE,
                    path=str(image),
                    dedupe_key=f"{key}:图{index + 1 if index else ''}" if key else None,
                ),
                ctx.now,
            )
        record = app.store.add_bulletin(
            draft.kind,
            draft.period.key,
            ctx.now,
            text,
            str(images[0]) if images else None,
            job=ctx.job or None,
            requested_by=ctx.member.name if ctx.member is not None else None,
            charts=tuple(str(image) for image in images[1:]),
        )
        app.store.audit(ctx.now, ctx.actor.name, "通报", f"{draft.kind} {draft.period.key}")
    app.sender.wake()
    return record


async def issue(ctx: Context, kind: str, previous: bool = False) -> Bulletin:
    """A scheduled bulletin into the command group (idempotent per job and fire time)."""
    draft = compose(ctx, kind, previous)
    key = f"bulletin:{ctx.job}:{ctx.when.isoformat()}" if ctx.job else None
    return publish(ctx, draft, draw(ctx, draft), ctx.command_group, key)


def on_request(ctx: Context, name: str) -> Bulletin:
    """日报 (today so far) or 周报 (this week so far) asked for in chat; answered in place."""
    kind = DAILY if name == "日报" else WEEKLY
    draft = compose(ctx, kind, previous=False)
    return publish(ctx, draft, draw(ctx, draft), ctx.reply_to or ctx.command_group, None)
