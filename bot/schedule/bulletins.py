"""Issuing 通报: gather the numbers, compose them (bot.domain.bulletin), draw, store, send.

Scheduled jobs and the 日报/周报 chat commands both come through here with a Context.
The text goes out first; the chart follows as an image row through the same outbox.
"""

from __future__ import annotations

import logging
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


def chart_path(ctx: Context, draft: Draft) -> Path:
    """Where a bulletin's chart goes: data_dir/bulletins/<kind>-<period>-<time>.png."""
    now = ctx.now.astimezone(ctx.app.config.tz)
    # A daily's period key is already its date; the others need the issue date too.
    stamp = f"{now:%H%M%S}" if draft.kind == DAILY else f"{now:%Y%m%d-%H%M%S}"
    name = f"{FILE_PREFIX[draft.kind]}-{draft.period.key}-{stamp}.png"
    return ctx.app.config.data_dir / "bulletins" / name


def draw(ctx: Context, draft: Draft) -> Path | None:
    """Render the draft's chart (None when charts are off, empty, or no CJK font exists)."""
    if draft.chart is None or not ctx.app.config.bulletin.chart:
        return None
    try:
        return ctx.app.charts.render(draft.chart, chart_path(ctx, draft))
    except (OSError, ValueError, RuntimeError):
        # A chart is a courtesy: the text bulletin must go out whatever matplotlib does.
        log.exception("通报图表生成失败，仅发送文字")
        return None


def publish(
    ctx: Context, draft: Draft, image: Path | None, conversation: str, key: str | None
) -> Bulletin:
    """Queue the text (then the chart) and keep the bulletin for the 通报 history."""
    app = ctx.app
    text = draft.text + (f"\n{CHART_NOTE}" if image is not None else "")
    with app.store.transaction():
        ctx.say(conversation, text, key=key)
        if image is not None:
            app.store.enqueue(
                OutgoingMessage(
                    conversation=conversation,
                    text="[通报图表]",
                    kind=MessageKind.IMAGE,
                    path=str(image),
                    dedupe_key=f"{key}:图" if key else None,
                ),
                ctx.now,
            )
        record = app.store.add_bulletin(
            draft.kind,
            draft.period.key,
            ctx.now,
            text,
            str(image) if image is not None else None,
            job=ctx.job or None,
            requested_by=ctx.member.name if ctx.member is not None else None,
        )
        app.store.audit(ctx.now, ctx.actor.name, "通报", f"{draft.kind} {draft.period.key}")
    app.sender.wake()
    return record


async def issue(ctx: Context, kind: str, previous: bool = False) -> Bulletin:
    """A scheduled bulletin into the command group (idempotent per job and fire time)."""
    draft = compose(ctx, kind, previous)
    image = draw(ctx, draft)
    key = f"bulletin:{ctx.job}:{ctx.when.isoformat()}" if ctx.job else None
    return publish(ctx, draft, image, ctx.command_group, key)


def on_request(ctx: Context, name: str) -> Bulletin:
    """日报 (today so far) or 周报 (this week so far) asked for in chat; answered in place."""
    kind = DAILY if name == "日报" else WEEKLY
    draft = compose(ctx, kind, previous=False)
    image = draw(ctx, draft)
    return publish(ctx, draft, image, ctx.reply_to or ctx.command_group, None)
