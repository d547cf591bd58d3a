"""The scheduler on a simulated clock: deadline 催办/督办, catch-up after downtime, quiet
hours, campaigns, APScheduler wiring. Nothing sleeps; `run_due(now)` is called at the
minutes a real clock would reach."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import SHANGHAI, SimClock
from bot.config import Config, ConfigError, load_config
from bot.domain.followup import AT_DEADLINE, BEFORE_DEADLINE, ESCALATION, LEADER_SUMMARY, REMIND
from bot.domain.model import MessageKind, Role
from bot.domain.quiet import quiet_until
from bot.runtime import Runtime, build
from bot.schedule.calendar import ScheduleError
from bot.schedule.scheduler import (
    DONE,
    MISSED,
    JobSpec,
    Scheduler,
    build_scheduler,
    load_schedules,
    parse_schedule,
)
from bot.transport.base import ChatLine
from tests.conftest import small_town

NOTICE = (
    "推送\n截止:18:00\n【警惕刷单返利诈骗】所有刷单都是诈骗！先返小利、再骗大钱，"
    "遇到可疑情况请拨打96110咨询。"
)
GRACE = timedelta(hours=2)


def at(hhmm: str, day: str = "2026-11-23") -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00+08:00")


def spec(**raw: Any) -> JobSpec:
    """A job from the same validation the schedule files go through."""
    parsed = parse_schedule(raw, "测试任务", SHANGHAI, GRACE)
    assert parsed is not None
    return parsed


async def say(rt: Runtime, who: str, text: str, group: str | None = "cmd") -> list[ChatLine]:
    await rt.app.handle(rt.simulator.message(who, text, group))
    await rt.app.settle()
    return rt.simulator.pop_sent()


async def tick(rt: Runtime, sch: Scheduler, clock: SimClock, when: datetime) -> list[ChatLine]:
    """Move the clock to `when`, run what is due, send it; return what went out."""
    clock.advance_to(when)
    await sch.run_due(when)
    await rt.app.settle()
    return rt.simulator.pop_sent()


# -- schedule files ------------------------------------------------------------------------


def test_shipped_schedules_are_valid() -> None:
    specs = {s.name: s for s in load_schedules(Path("schedules"), SHANGHAI, GRACE)}
    assert set(specs) == {"收集工作汇报", "每日通报", "每周通报", "月度排名", "周五专项宣传"}
    daily = specs["每日通报"]
    assert daily.action == "daily_bulletin" and daily.workdays_only
    assert daily.trigger.get_next_fire_time(None, at("09:00")) == at("21:00")
    weekly = specs["每周通报"].trigger.get_next_fire_time(None, at("09:00"))
    assert weekly == at("08:30", "2026-11-30")  # the next Monday
    monthly = specs["月度排名"].trigger.get_next_fire_time(None, at("09:00"))
    assert monthly == at("09:00", "2026-12-01")
    friday = specs["周五专项宣传"].trigger.get_next_fire_time(None, at("09:00"))
    assert friday == at("10:00", "2026-11-27")


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ({"cron": "0 25 * * *"}, "字段 cron"),
        ({"cron": "0 21 * * 1"}, "星期字段"),
        ({"cron": "0 21 * *"}, "5 个字段"),
        ({"action": "send_everything"}, "字段 action"),
        ({"options": {"bottom": 2}}, "options.bottom"),
        ({"grace_minutes": -5}, "grace_minutes"),
        ({"workdays_only": "yes"}, "workdays_only"),
        ({"colour": "red"}, "未知字段 colour"),
    ],
)
def test_schedule_errors_name_the_key(raw: dict[str, Any], needle: str) -> None:
    base = {"name": "每日通报", "action": "daily_bulletin", "cron": "0 21 * * *"}
    with pytest.raises(ScheduleError) as err:
        parse_schedule(base | raw, "定时任务文件 x.toml", SHANGHAI, GRACE)
    assert needle in str(err.value) and "x.toml" in str(err.value)


def test_schedule_folder_checked_as_a_whole(tmp_path: Path) -> None:
    job = 'name = "通报"\naction = "daily_bulletin"\ncron = "0 21 * * *"\n'
    (tmp_path / "a.toml").write_text(job, "utf-8")
    (tmp_path / "b.toml").write_text(job, "utf-8")
    (tmp_path / "c.toml").write_text('name = "坏"\naction = "campaign"\n', "utf-8")
    (tmp_path / "holidays.toml").write_text("holidays = []\n", "utf-8")
    (tmp_path / "off.toml").write_text(job.replace("通报", "停用") + "enabled = false\n", "utf-8")
    with pytest.raises(ScheduleError) as err:
        load_schedules(tmp_path, SHANGHAI, GRACE)
    msg = str(err.value)
    assert "b.toml" in msg and "重复" in msg
    assert "c.toml" in msg and "cron" in msg
    assert "holidays" not in msg and "off.toml" not in msg


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[quiet]\nstart = '25:00'\n", "quiet.start"),
        ("[quiet]\nend = 7\n", "quiet.end"),
        ("[scheduler]\ngrace_minutes = -1\n", "scheduler.grace_minutes"),
        ("[deadline]\nremind_before_minutes = -10\n", "deadline.remind_before_minutes"),
        ("[deadline]\nauto_remind_cap = 0\n", "deadline.auto_remind_cap"),
        ("[deadline]\nescalate = 'soon'\n", "deadline.escalate"),
        ("[bulletin]\nbottom_count = -2\n", "bulletin.bottom_count"),
        ("[bulletin]\ncolour = 1\n", "bulletin.colour"),
    ],
)
def test_followup_config_errors_name_the_key(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert needle in str(err.value)


# -- deadline follow-up ----------------------------------------------------------------------


async def test_deadline_reminders_fire_on_the_minute_and_escalate(
    rt: Runtime, clock: SimClock
) -> None:
    sch = build_scheduler(rt.app, [])
    await say(rt, "office", NOTICE)
    await say(rt, "lj_p1", "收到")
    assert await tick(rt, sch, clock, at("16:59")) == []

    (early,) = await tick(rt, sch, clock, at("17:00"))
    assert early.conversation == "cmd" and early.text.startswith("【截止提醒】第1期")
    assert "今天18:00截止" in early.text and "24小时内第1/2次自动催办" in early.text
    assert set(early.mentions) == {"lj_p2", "wj_p", "bank_p", "school_p"}
    assert await tick(rt, sch, clock, at("17:00")) == []  # the same minute again: nothing

    await say(rt, "wj_p", "收到")  # 王网格员 signs; his village group gets the relay
    (due,) = await tick(rt, sch, clock, at("18:00"))
    assert due.text.startswith("【到期催办】") and "24小时内第2/2次自动催办" in due.text
    assert set(due.mentions) == {"lj_p2", "bank_p", "school_p"}

    assert await tick(rt, sch, clock, at("18:59")) == []
    sent = await tick(rt, sch, clock, at("19:00"))
    escalation, summary = sent
    assert escalation.conversation == "cmd" and escalation.text.startswith("【督办】")
    assert escalation.mentions == ("lj_sup",)  # 李家村's 网格长; the others have none
    assert "李家村（未签收：李二；未送达：李家村二网格群）" in escalation.text
    assert "农商银行（未签收：银行联络员；未送达：农商银行职工群）" in escalation.text
    assert "王家村" not in escalation.text
    assert summary.conversation == "leader" and summary.text.startswith("【督办汇总】")
    assert "此前已催办 2 次" in summary.text
    households = [m.name for m in small_town().members if m.role is Role.HOUSEHOLD]
    assert not any(name in m.text for name in households for m in sent)

    kinds = [(r.kind, r.at) for r in rt.store.reminders(1)]
    assert kinds == [
        (BEFORE_DEADLINE, at("17:00")),
        (AT_DEADLINE, at("18:00")),
        (ESCALATION, at("19:00")),
        (LEADER_SUMMARY, at("19:00")),
    ]
    (progress,) = await say(rt, "leader", "进度")
    assert "催办与督办记录（4次）：" in progress.text
    assert "· 今天17:00 截止前催办 → 李二、王网格员、银行联络员、学校联络员" in progress.text
    assert "· 今天18:00 到期催办 → 李二、银行联络员、学校联络员" in progress.text
    assert "· 今天19:00 升级督办 → 李网格长" in progress.text
    assert "· 今天19:00 领导汇总 → 刘书记" in progress.text
    assert await tick(rt, sch, clock, at("23:00")) == []
    assert {r.job: r.status for r in rt.store.job_runs()} == {
        "截止前催办#1": DONE,
        "到期催办#1": DONE,
        "升级督办#1": DONE,
    }


async def test_manual_reminders_do_not_use_up_the_deadline_reminders(
    rt: Runtime, clock: SimClock
) -> None:
    sch = build_scheduler(rt.app, [])
    await say(rt, "office", NOTICE)
    for n, hhmm in enumerate(("10:00", "11:00", "12:00"), 1):
        clock.advance_to(at(hhmm))
        (sent,) = await say(rt, "office", "催办")
        assert f"24小时内第{n}/3次催办" in sent.text
    (sent,) = await say(rt, "office", "催办")
    assert "已达上限" in sent.text  # the manual budget is spent …
    (early,) = await tick(rt, sch, clock, at("17:00"))  # … the deadline's is not
    assert early.text.startswith("【截止提醒】") and "24小时内第1/2次自动催办" in early.text
    (due,) = await tick(rt, sch, clock, at("18:00"))
    assert due.text.startswith("【到期催办】") and "24小时内第2/2次自动催办" in due.text
    kinds = [r.kind for r in rt.store.reminders(1)]
    assert kinds == [REMIND, REMIND, REMIND, BEFORE_DEADLINE, AT_DEADLINE]


async def test_deadline_reminders_stop_at_their_own_cap(
    rt: Runtime, clock: SimClock, config: Config
) -> None:
    rt.app.config = replace(config, deadline=replace(config.deadline, auto_remind_cap=1))
    sch = build_scheduler(rt.app, [])
    await say(rt, "office", NOTICE)
    (early,) = await tick(rt, sch, clock, at("17:00"))
    assert "24小时内第1/1次自动催办" in early.text
    assert await tick(rt, sch, clock, at("18:00")) == []  # capped: silent, not a refusal
    assert {r.job: r.status for r in rt.store.job_runs()}["到期催办#1"] == DONE
    clock.advance_to(at("18:30"))
    (sent,) = await say(rt, "office", "催办")  # manual 催办 has its own budget
    assert "24小时内第1/3次催办" in sent.text


async def test_reminder_counts_roll_over_24_hours_not_midnight(
    rt: Runtime, clock: SimClock
) -> None:
    await say(rt, "office", NOTICE)
    nov24 = "2026-11-24"
    steps = [
        (at("23:00"), "24小时内第1/3次"),
        (at("23:50"), "24小时内第2/3次"),
        (at("00:30", nov24), "24小时内第3/3次"),  # a new day, but not a new 24 hours
        (at("22:59", nov24), "已达上限"),
        (at("23:01", nov24), "24小时内第3/3次"),  # 23:00 yesterday has rolled out
        (at("23:40", nov24), "已达上限"),
    ]
    for when, expected in steps:
        clock.advance_to(when)
        (sent,) = await say(rt, "office", "催办")
        assert expected in sent.text, (when, sent.text)


async def test_no_followup_when_everyone_is_done(rt: Runtime, clock: SimClock) -> None:
    sch = build_scheduler(rt.app, [])
    await say(rt, "office", NOTICE.replace("推送\n", "推送\n范围:王家村\n"))
    await say(rt, "wj_p", "收到")
    for hhmm in ("17:00", "18:00", "19:00"):
        assert await tick(rt, sch, clock, at(hhmm)) == []
    assert rt.store.reminders(1) == []


async def test_late_push_skips_reminder_before_its_creation(rt: Runtime, clock: SimClock) -> None:
    sch = build_scheduler(rt.app, [])
    clock.advance_to(at("17:30"))
    await say(rt, "office", NOTICE)
    assert sch.next_due(clock.now()) == at("18:00")
    (due,) = await tick(rt, sch, clock, at("18:00"))
    assert due.text.startswith("【到期催办】")
    assert [r.kind for r in rt.store.reminders(1)] == [AT_DEADLINE]


# -- downtime and catch-up -------------------------------------------------------------------

DAILY = {"name": "每日通报", "action": "daily_bulletin", "cron": "0 21 * * *", "grace_minutes": 60}


async def restart(config: Config, when: datetime) -> tuple[Runtime, Scheduler, SimClock]:
    clock = SimClock(when)
    runtime = build(config, clock, org=small_town())
    return runtime, build_scheduler(runtime.app, [spec(**DAILY)]), clock


async def test_missed_job_runs_once_after_restart_within_grace(config: Config) -> None:
    rt1, sch1, _ = await restart(config, at("20:00"))
    assert await sch1.run_due(at("20:00")) == []  # registers the job; nothing due yet
    rt1.store.close()  # the bot goes down at 20:50 and misses 21:00

    rt2, sch2, _ = await restart(config, at("21:40"))
    ran = await sch2.run_due(at("21:40"))
    assert [(r.job, r.fire_time) for r in ran] == [("每日通报", at("21:00"))]
    await rt2.app.settle()
    sent = rt2.simulator.pop_sent()
    assert sent[0].text.startswith("【反诈工作日报】测试镇 11月23日")
    assert await sch2.run_due(at("21:45")) == []
    rt2.store.close()

    rt3, sch3, _ = await restart(config, at("21:50"))  # a second restart: still once
    assert await sch3.run_due(at("21:50")) == []
    (run,) = rt3.store.job_runs("每日通报")
    assert (run.fire_time, run.status, run.ran_at) == (at("21:00"), DONE, at("21:40"))
    assert len(rt3.store.bulletins()) == 1
    rt3.store.close()


async def test_missed_job_past_grace_is_not_run(config: Config) -> None:
    rt1, sch1, _ = await restart(config, at("20:00"))
    await sch1.run_due(at("20:00"))
    rt1.store.close()

    rt2, sch2, _ = await restart(config, at("22:30"))  # 90 min late, grace is 60
    assert await sch2.run_due(at("22:30")) == []
    await rt2.app.settle()
    assert rt2.simulator.pop_sent() == []
    (run,) = rt2.store.job_runs("每日通报")
    assert (run.fire_time, run.status) == (at("21:00"), MISSED)
    # The next evening runs as usual.
    ran = await sch2.run_due(at("21:00", "2026-11-24"))
    assert [r.fire_time for r in ran] == [at("21:00", "2026-11-24")]
    rt2.store.close()


async def test_new_job_does_not_catch_up_before_it_existed(config: Config) -> None:
    rt, sch, _ = await restart(config, at("21:30"))
    assert await sch.run_due(at("21:30")) == []
    assert rt.store.job_runs() == []
    rt.store.close()


async def test_catch_up_runs_only_the_latest_of_several(config: Config) -> None:
    hourly = spec(name="整点", action="collect_reports", cron="0 * * * *", grace_minutes=180)
    clock = SimClock(at("09:00"))
    rt = build(config, clock, org=small_town())
    sch = build_scheduler(rt.app, [hourly])
    await sch.run_due(at("09:00"))
    ran = await sch.run_due(at("12:30"))  # 10:00, 11:00 and 12:00 were missed
    assert [r.fire_time for r in ran] == [at("12:00")]
    rt.store.close()


# -- quiet hours -----------------------------------------------------------------------------


def test_quiet_until_overnight_and_daytime_windows() -> None:
    start, end = at("22:00").time(), at("07:00").time()
    assert quiet_until(at("21:59"), start, end) is None
    assert quiet_until(at("22:00"), start, end) == at("07:00", "2026-11-24")
    assert quiet_until(at("03:00"), start, end) == at("07:00")
    assert quiet_until(at("07:00"), start, end) is None
    noon, two = at("12:00").time(), at("14:00").time()
    assert quiet_until(at("13:00"), noon, two) == at("14:00")
    assert quiet_until(at("15:00"), noon, two) is None
    assert quiet_until(at("03:00"), start, start) is None


async def test_quiet_hours_hold_household_sends_then_release_in_order(
    rt: Runtime, clock: SimClock
) -> None:
    clock.advance_to(at("22:30"))
    sent = await say(rt, "office", NOTICE.replace("截止:18:00", "截止:明天18:00"))
    assert [s.conversation for s in sent] == ["cmd"]  # the command group is exempt
    assert [s.conversation for s in await say(rt, "wj_p", "收到")] == []
    assert [s.conversation for s in await say(rt, "lj_p1", "收到")] == []
    assert [s.conversation for s in await say(rt, "leader", "进度", None)] == ["leader"]
    held = [i.conversation for i in rt.store.outbox("pending")]
    assert held == ["wj", "lj"]
    assert rt.app.sender.next_wakeup(clock.now()) == 8.5 * 3600

    clock.advance_to(at("06:59", "2026-11-24"))
    await rt.app.settle()
    assert rt.simulator.pop_sent() == []
    clock.advance_to(at("07:00", "2026-11-24"))
    await rt.app.settle()
    released = rt.simulator.pop_sent()
    assert [s.conversation for s in released] == ["wj", "lj", "lj1"]  # lj1 follows lj
    assert all(s.at >= at("07:00", "2026-11-24") for s in released)
    assert rt.store.outbox("pending") == []


async def test_quiet_hours_can_be_switched_off(config: Config, clock: SimClock) -> None:
    cfg = replace(config, quiet=replace(config.quiet, enabled=False))
    clock.advance_to(at("23:00"))
    runtime = build(cfg, clock, org=small_town())
    await say(runtime, "office", NOTICE.replace("截止:18:00", "截止:明天18:00"))
    assert [s.conversation for s in await say(runtime, "wj_p", "收到")] == ["wj"]
    runtime.store.close()


# -- campaigns -------------------------------------------------------------------------------

CAMPAIGN = {
    "name": "周五专项",
    "action": "campaign",
    "cron": "0 10 * * fri",
    "workdays_only": True,
    "options": {"fraud_types": ["冒充公检法", "刷单返利"], "deadline": "18:00"},
}


async def test_campaign_pushes_the_next_item_and_remembers_it(config: Config) -> None:
    clock = SimClock(at("09:00"))
    rt1 = build(config, clock, org=small_town())
    sch1 = build_scheduler(rt1.app, [spec(**CAMPAIGN)])
    await sch1.run_due(clock.now())
    friday = at("10:00", "2026-11-27")
    (announce, *_) = await tick(rt1, sch1, clock, friday)
    assert announce.text.startswith("【第1期】") and "刷单" in announce.text
    push = rt1.store.get_push(1)
    assert push is not None and push.content_id == 1 and push.created_by == "bot"
    assert push.deadline == at("18:00", "2026-11-27")
    rt1.store.close()

    clock.advance_to(friday + timedelta(days=7))  # a restart in between changes nothing
    rt2 = build(config, clock, org=small_town())
    sch2 = build_scheduler(rt2.app, [spec(**CAMPAIGN)])
    await tick(rt2, sch2, clock, clock.now())
    second = rt2.store.get_push(2)
    assert second is not None and second.content_id == 2  # 冒充公检法, the next matching item
    await tick(rt2, sch2, clock, clock.now() + timedelta(days=7))
    third = rt2.store.get_push(3)
    assert third is not None and third.content_id == 1  # wrapped around
    rt2.store.close()


# -- APScheduler wake-ups ------------------------------------------------------------------


async def test_apscheduler_wakes_in_the_configured_zone(rt: Runtime) -> None:
    sch = build_scheduler(rt.app, [spec(**DAILY)])
    await sch.start()
    try:
        assert sch.running
        wakeups = dict(sch.wakeups())
        assert set(wakeups) == {"job:每日通报", "tick"}
        nxt = wakeups["job:每日通报"]
        assert nxt is not None and nxt.utcoffset() == timedelta(hours=8)
        assert (nxt.hour, nxt.minute) == (21, 0)
    finally:
        sch.stop()
    assert not sch.running


async def test_bulletin_into_command_group_is_not_held_at_night(
    rt: Runtime, clock: SimClock
) -> None:
    await say(rt, "office", NOTICE)
    await say(rt, "wj_p", "收到")
    sch = build_scheduler(rt.app, [spec(**(DAILY | {"cron": "30 22 * * *"}))])
    await sch.run_due(clock.now())
    sent = await tick(rt, sch, clock, at("22:30"))
    assert [(s.conversation, s.kind) for s in sent] == [
        ("cmd", MessageKind.TEXT),
        ("cmd", MessageKind.IMAGE),
    ]
