"""The scheduler: jobs from schedules/*.toml and from push deadlines, each run at most once.

A fire time is recorded in the store (job name + fire time, unique) before its job runs,
so nothing runs twice, across restarts too. `run_due(now)` does all the work: it computes
which fire times are due from the cron triggers, the pushes' deadlines and the recorded
runs. Tests and the demo call it with a simulated clock; in `python -m bot run`,
APScheduler's AsyncIOScheduler only wakes the bot up at the right moments to call it.

Fire times missed while the bot was down run once on start if they are still within the
job's grace period (only the latest one of a job); older ones are recorded as missed.
A job never catches up on fire times from before it was first registered.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.context import Context
from bot.domain.followup import ESCALATION, DeadlineStep, deadline_steps
from bot.formats.checks import parse_toml, read_text
from bot.schedule.calendar import HOLIDAYS_FILE, ScheduleError, schedules_dir
from bot.schedule.jobs import ACTIONS, Job, deadline_escalation, deadline_reminder
from bot.schedule.warnings import warning_step, warning_steps

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("bot.scheduler")

DONE, FAILED, SKIPPED, MISSED, RUNNING = "done", "failed", "skipped", "missed", "running"
STATUS_LABELS = {
    DONE: "已执行",
    FAILED: "执行出错",
    SKIPPED: "非工作日跳过",
    MISSED: "错过（超出宽限时间）",
    RUNNING: "执行中",
}
# Missed fire times are looked for this far back; older ones are simply forgotten.
SCAN_LIMIT = timedelta(days=8)
_TICK = timedelta(microseconds=1)
_KEYS = {"name", "action", "cron", "options", "workdays_only", "grace_minutes", "enabled"}
_TYPE_NAMES = {str: "字符串", int: "整数", list: "列表", bool: "true/false"}


@dataclass(frozen=True)
class JobSpec:
    """One recurring job from a schedule file."""

    name: str
    action: str
    cron: str
    trigger: CronTrigger
    options: Mapping[str, Any] = field(default_factory=dict)
    workdays_only: bool = False
    grace: timedelta = timedelta(hours=2)
    source: str = ""

    @property
    def job(self) -> Job:
        """The job function its action names."""
        return ACTIONS[self.action].run


def cron_trigger(expr: str, tz: tzinfo) -> CronTrigger:
    """A trigger from "minute hour day month weekday"; weekdays by name (mon…sun).

    Raises ValueError with a Chinese reason. Weekday numbers are refused because cron and
    APScheduler 3 disagree on what 0 means.
    """
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"应为 5 个字段（分 时 日 月 星期），实际 {len(fields)} 个")
    if re.search(r"\d", fields[4]):
        raise ValueError("星期字段请写 mon、tue、wed、thu、fri、sat、sun 或 *，不要用数字")
    try:
        return CronTrigger.from_crontab(expr, timezone=tz)
    except ValueError as exc:
        raise ValueError(str(exc)) from None


def parse_schedule(
    data: Mapping[str, Any], where: str, tz: tzinfo, default_grace: timedelta
) -> JobSpec | None:
    """Validate one schedule file's table; None for a disabled job."""
    errors = [
        f"未知字段 {k}（可用：{'、'.join(sorted(_KEYS))}）" for k in sorted(set(data) - _KEYS)
    ]
    for key in ("name", "action", "cron"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            errors.append(f"字段 {key} 缺失或不是字符串")
    action = data.get("action")
    if isinstance(action, str) and action not in ACTIONS:
        known = "、".join(f"{k}（{a.summary}）" for k, a in ACTIONS.items())
        errors.append(f"字段 action 的值 {action!r} 无效，可用：{known}")
    trigger = None
    if isinstance(data.get("cron"), str):
        try:
            trigger = cron_trigger(data["cron"], tz)
        except ValueError as exc:
            errors.append(f"字段 cron 的值 {data['cron']!r} 无效：{exc}")
    for key in ("workdays_only", "enabled"):
        if key in data and not isinstance(data[key], bool):
            errors.append(f"字段 {key} 应为 true 或 false")
    grace = data.get("grace_minutes")
    if grace is not None and (isinstance(grace, bool) or not isinstance(grace, int) or grace < 0):
        errors.append(f"字段 grace_minutes 应为不小于 0 的整数，实际为 {grace!r}")
    options = data.get("options", {})
    if not isinstance(options, dict):
        errors.append("字段 options 应为表 [options]")
        options = {}
    elif isinstance(action, str) and action in ACTIONS:
        allowed = ACTIONS[action].options
        for key, value in options.items():
            if key not in allowed:
                names = "、".join(allowed) or "无"
                errors.append(f"字段 options.{key} 未知（{action} 可用的选项：{names}）")
            elif isinstance(value, bool) or not isinstance(value, allowed[key]):
                errors.append(f"字段 options.{key} 应为{_TYPE_NAMES[allowed[key]]}")
    if errors:
        raise ScheduleError("\n".join(f"{where}：{e}" for e in errors))
    if not data.get("enabled", True):
        return None
    assert trigger is not None
    return JobSpec(
        name=data["name"].strip(),
        action=data["action"],
        cron=data["cron"],
        trigger=trigger,
        options=dict(options),
        workdays_only=bool(data.get("workdays_only", False)),
        grace=timedelta(minutes=grace) if isinstance(grace, int) else default_grace,
        source=where,
    )


def load_schedules(folder: Path, tz: tzinfo, default_grace: timedelta) -> list[JobSpec]:
    """Every enabled job in `folder`/*.toml (except the holiday list), checked as a whole."""
    if not folder.exists():
        return []
    specs: list[JobSpec] = []
    errors: list[str] = []
    for path in sorted(folder.glob("*.toml")):
        if path.name == HOLIDAYS_FILE:
            continue
        where = f"定时任务文件 {path.name}"
        try:
            data = parse_toml(read_text(path, "定时任务文件", ScheduleError), where, ScheduleError)
            spec = parse_schedule(data, where, tz, default_grace)
        except ScheduleError as exc:
            errors.append(str(exc))
            continue
        if spec is None:
            continue
        if any(s.name == spec.name for s in specs):
            errors.append(f"{where}：任务名 {spec.name!r} 与其他文件重复")
        specs.append(spec)
    if errors:
        raise ScheduleError("\n".join(errors))
    return specs


@dataclass(frozen=True)
class DueRun:
    """A fire time that is due now."""

    job: str
    fire_time: datetime
    run: Job
    options: Mapping[str, Any]


class Scheduler:
    """Runs due jobs for an App; `run_due(now)` is the whole logic, APScheduler just wakes it."""

    def __init__(self, app: App, specs: Sequence[JobSpec]) -> None:
        self.app = app
        self.specs = list(specs)
        config = app.config
        self.tz = config.tz
        self.grace = timedelta(minutes=config.scheduler.grace_minutes)
        d = config.deadline
        self._remind_before = timedelta(minutes=d.remind_before_minutes)
        self._escalate_after = timedelta(minutes=d.escalate_after_minutes) if d.escalate else None
        self._lock = asyncio.Lock()
        self._aps: AsyncIOScheduler | None = None

    # -- what is due ------------------------------------------------------------------------

    def _steps(self, since: datetime, until: datetime) -> list[DeadlineStep]:
        d = self.app.config.deadline
        lookback = (self._escalate_after or timedelta(0)) + timedelta(seconds=1)
        steps = []
        for push in self.app.store.pushes_with_deadline(
            since - lookback, until + self._remind_before
        ):
            steps += deadline_steps(
                push, self._remind_before, d.remind_at_deadline, self._escalate_after
            )
        return steps

    def _latest_fire(self, spec: JobSpec, now: datetime) -> datetime | None:
        store = self.app.store
        since = store.job_since(spec.name, now)
        last = store.last_job_fire(spec.name)
        lo = max(since, now - SCAN_LIMIT, last + _TICK if last else since)
        latest = None
        t = spec.trigger.get_next_fire_time(None, lo)
        while t is not None and t <= now:
            latest = t
            t = spec.trigger.get_next_fire_time(t, t + _TICK)
        return latest

    def _record(self, job: str, fire: datetime, now: datetime, status: str, detail: str) -> None:
        with self.app.store.transaction():
            self.app.store.claim_job_run(job, fire, now, status, detail)

    def due(self, now: datetime) -> list[DueRun]:
        """Fire times to run now; missed and non-working-day ones are recorded as such."""
        runs: list[DueRun] = []
        for spec in self.specs:
            fire = self._latest_fire(spec, now)
            if fire is None:
                continue
            if fire < now - spec.grace:
                log.warning("定时任务 %s 错过了 %s 的执行（已超出宽限时间）", spec.name, fire)
                self._record(spec.name, fire, now, MISSED, f"{now.isoformat()} 时已超出宽限")
            elif spec.workdays_only and not self.app.calendar.is_workday(
                fire.astimezone(self.tz).date()
            ):
                self._record(spec.name, fire, now, SKIPPED, "非工作日")
            else:
                runs.append(DueRun(spec.name, fire, spec.job, spec.options))
        for step in self._steps(now - self.grace - SCAN_LIMIT, now):
            if step.at > now or self.app.store.has_job_run(step.job, step.at):
                continue
            if step.at < now - self.grace:
                self._record(step.job, step.at, now, MISSED, "已超出宽限")
                continue
            run = deadline_escalation if step.kind == ESCALATION else deadline_reminder
            runs.append(
                DueRun(step.job, step.at, run, {"push_id": step.push_id, "kind": step.kind})
            )
        for wstep in warning_steps(self.app, now - self.grace - SCAN_LIMIT, now + _TICK):
            if self.app.store.has_job_run(wstep.job, wstep.at):
                continue
            if wstep.at < now - self.grace:
                self._record(wstep.job, wstep.at, now, MISSED, "已超出宽限")
                continue
            options = {"warning_id": wstep.warning_id, "kind": wstep.kind}
            runs.append(DueRun(wstep.job, wstep.at, warning_step, options))
        runs.sort(key=lambda r: (r.fire_time, r.job))
        return runs

    def next_due(self, after: datetime) -> datetime | None:
        """The first fire time strictly after `after` (for simulated clocks)."""
        times = [
            t
            for spec in self.specs
            if (t := spec.trigger.get_next_fire_time(None, after + _TICK)) is not None
        ]
        times += [s.at for s in self._steps(after, after + timedelta(days=400)) if s.at > after]
        times += [
            s.at for s in warning_steps(self.app, after + _TICK, after + timedelta(days=400))
        ]
        return min(times, default=None)

    # -- running ----------------------------------------------------------------------------

    async def run_due(self, now: datetime) -> list[DueRun]:
        """Run every job due at `now` once, oldest fire time first; returns what ran."""
        async with self._lock:
            self.app.reload_roster()  # a roster restored from the CLI counts for jobs too
            ran = []
            for due in self.due(now):
                with self.app.store.transaction():
                    if not self.app.store.claim_job_run(due.job, due.fire_time, now, RUNNING):
                        continue
                ctx = Context(
                    app=self.app,
                    now=now,
                    options=due.options,
                    job=due.job,
                    fire_time=due.fire_time,
                )
                status, detail = DONE, ""
                try:
                    await due.run(ctx)
                except Exception as exc:
                    log.exception("定时任务 %s（%s）执行出错", due.job, due.fire_time)
                    status, detail = FAILED, repr(exc)
                with self.app.store.transaction():
                    self.app.store.finish_job_run(due.job, due.fire_time, now, status, detail)
                ran.append(due)
            self.app.sender.wake()
            return ran

    async def start(self) -> None:
        """Catch up on what is due, then let APScheduler wake us (needs a running loop)."""
        await self.run_due(self.app.clock.now())
        aps = AsyncIOScheduler(timezone=self.tz)
        for spec in self.specs:
            aps.add_job(
                self._wake,
                trigger=spec.trigger,
                id=f"job:{spec.name}",
                name=spec.name,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=None,
            )
        tick = IntervalTrigger(seconds=self.app.config.scheduler.tick_seconds, timezone=self.tz)
        aps.add_job(
            self._wake,
            trigger=tick,
            id="tick",
            name="截止催办检查",
            coalesce=True,
            max_instances=1,
        )
        aps.start()
        self._aps = aps
        log.info("定时任务已启动：%s", "、".join(s.name for s in self.specs) or "仅截止催办")

    def stop(self) -> None:
        """Stop waking up (jobs not yet due stay for the next start)."""
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None

    @property
    def running(self) -> bool:
        """Whether APScheduler is waking us."""
        return self._aps is not None and self._aps.running

    def wakeups(self) -> list[tuple[str, datetime | None]]:
        """APScheduler's registered wake-ups (job id, next run time)."""
        if self._aps is None:
            return []
        return [(j.id, j.next_run_time) for j in self._aps.get_jobs()]

    async def _wake(self) -> None:
        try:
            await self.run_due(self.app.clock.now())
        except Exception:
            log.exception("定时任务检查出错")


def build_scheduler(app: App, specs: Sequence[JobSpec] | None = None) -> Scheduler:
    """A scheduler for `app` with the configured schedules (or the given ones)."""
    config = app.config
    if specs is None:
        grace = timedelta(minutes=config.scheduler.grace_minutes)
        specs = load_schedules(schedules_dir(config), config.tz, grace)
    return Scheduler(app, specs)
