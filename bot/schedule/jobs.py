"""Scheduled jobs: each is `async def job(ctx: Context) -> None`.

`ACTIONS` maps the `action` of a schedules/*.toml file to its job and the options it
accepts; deadline jobs (催办 before/at a push's deadline, 督办 after it) come from the
pushes themselves and are run by the scheduler with `push_id` and `kind` options.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from bot.chat.pushes import PushDraft
from bot.context import Context
from bot.domain import job_texts
from bot.domain.followup import (
    CAPPED_KINDS,
    ESCALATION,
    LEADER_SUMMARY,
    lagging_units,
    supervisors_of,
)
from bot.domain.intent import parse_deadline
from bot.domain.model import Content, Reminder, Role
from bot.domain.periods import DAILY, MONTHLY, WEEKLY
from bot.schedule import bulletins
from bot.schedule.drives import drive_reminders

log = logging.getLogger("bot.jobs")

Job = Callable[[Context], Awaitable[None]]


async def collect_reports(ctx: Context) -> None:
    """18:00: ask the units that have not reported today for their 今日工作, @ their pushers."""
    app = ctx.app
    day = ctx.when.astimezone(app.config.tz).date()
    reported = {r.unit for r in app.store.work_reports(day, day + timedelta(days=1))}
    pending = [u for u in bulletins.reporting_units(ctx) if u not in reported]
    key = f"collect:{ctx.job}:{day.isoformat()}"
    with app.store.transaction():
        if not pending:
            ctx.say(ctx.command_group, job_texts.reports_complete(day), key=key)
        else:
            pushers = [m for m in app.org.members if m.role is Role.PUSHER and m.unit in pending]
            text = job_texts.collect_reports(
                day, pending, pushers, str(ctx.options.get("until", ""))
            )
            ctx.say(ctx.command_group, text, [p.wechat for p in pushers], key=key)
    app.sender.wake()


async def daily_bulletin(ctx: Context) -> None:
    """21:00 日报 into the command group."""
    await bulletins.issue(ctx, DAILY)


async def weekly_bulletin(ctx: Context) -> None:
    """Monday 周报 covering the previous Monday–Sunday."""
    await bulletins.issue(ctx, WEEKLY, previous=True)


async def monthly_ranking(ctx: Context) -> None:
    """月度排名 of the previous calendar month, the bottom units flagged 约谈."""
    await bulletins.issue(ctx, MONTHLY, previous=True)


def _matches(item: Content, fraud_types: list[str], audiences: list[str]) -> bool:
    if fraud_types and not set(fraud_types) & set(item.fraud_types):
        return False
    return not audiences or bool(set(audiences) & set(item.audiences))


async def campaign(ctx: Context) -> None:
    """Push the next item of a content rotation (filtered by fraud type and audience)."""
    app = ctx.app
    opts = ctx.options
    items = sorted(
        (
            c
            for c in app.library
            if _matches(c, list(opts.get("fraud_types", [])), list(opts.get("audiences", [])))
        ),
        key=lambda c: c.id,
    )
    if not items:
        log.warning("轮播任务 %s：素材库中没有符合条件的素材，本次不推送", ctx.job)
        return
    rotation = str(opts.get("rotation") or ctx.job)
    last = app.store.rotation_last(rotation)
    item = next((c for c in items if last is None or c.id > last), items[0])
    deadline = None
    if opts.get("deadline"):
        deadline = parse_deadline(str(opts["deadline"]), ctx.now, app.config.tz)
    with app.store.transaction():
        draft = PushDraft(item.title, item.body, tuple(opts.get("scope", ())), deadline, item.id)
        push = app.chat.pushes.start(ctx, draft)
        app.store.save_rotation(rotation, item.id, push.id, ctx.now)


async def deadline_reminder(ctx: Context) -> None:
    """催办 before or at a push's deadline (counts toward the 24-hour cap)."""
    app = ctx.app
    push = app.store.get_push(int(ctx.options["push_id"]))
    if push is None:
        return
    with app.store.transaction():
        app.chat.followup.remind(ctx, push, str(ctx.options["kind"]))
    app.sender.wake()


async def deadline_escalation(ctx: Context) -> None:
    """After the deadline: @ the lagging units' supervisors, then brief leaders privately."""
    app = ctx.app
    push = app.store.get_push(int(ctx.options["push_id"]))
    if push is None:
        return
    unsigned, undelivered = app.laggards(push)
    lags = lagging_units(push.scope, unsigned, [(g, ps) for _, g, ps in undelivered])
    if not lags:
        return
    supervisors = supervisors_of(app.org, {lag.unit for lag in lags})
    leaders = app.org.with_role(Role.LEADER) if app.config.deadline.leader_summary else []
    reminded = sum(1 for r in app.store.reminders(push.id) if r.kind in CAPPED_KINDS)
    with app.store.transaction():
        ctx.say(
            ctx.command_group,
            job_texts.escalation(push, lags, supervisors, ctx.now),
            [s.wechat for s in supervisors],
            key=f"escalate:{push.id}",
        )
        app.store.add_reminder(
            Reminder(push.id, ctx.now, ESCALATION, tuple(s.wechat for s in supervisors))
        )
        summary = job_texts.leader_summary(app.coverage(push), lags, reminded, ctx.now)
        for leader in leaders:
            ctx.say(leader.wechat, summary, key=f"summary:{push.id}:{leader.wechat}")
        if leaders:
            app.store.add_reminder(
                Reminder(push.id, ctx.now, LEADER_SUMMARY, tuple(m.wechat for m in leaders))
            )
        app.store.audit(ctx.now, ctx.actor.name, ESCALATION, f"第{push.id}期：{len(lags)} 个单位")
    app.sender.wake()


@dataclass(frozen=True)
class Action:
    """A job a schedule file can name, with the options it accepts (name → type)."""

    run: Job
    options: Mapping[str, type]
    summary: str


ACTIONS: dict[str, Action] = {
    "collect_reports": Action(collect_reports, {"until": str}, "收集今日工作汇报"),
    "daily_bulletin": Action(daily_bulletin, {}, "日报"),
    "weekly_bulletin": Action(weekly_bulletin, {}, "周报"),
    "monthly_ranking": Action(monthly_ranking, {"bottom": int}, "月度排名"),
    "campaign": Action(
        campaign,
        {"fraud_types": list, "audiences": list, "scope": list, "deadline": str, "rotation": str},
        "专项宣传轮播推送",
    ),
    "drive_reminders": Action(drive_reminders, {}, "专项行动进度提醒"),
}
