"""The scheduler on a simulated clock: catch-up after downtime, quiet hours, campaigns,
APScheduler wiring. Nothing sleeps; `run_due(now)` is called at the minutes a real clock
would reach."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.clock import SimClock
from bot.config import Config
from bot.domain.model import MessageKind
from bot.domain.quiet import quiet_until
from bot.runtime import Runtime, build
from bot.schedule.scheduler import DONE, MISSED, Scheduler, build_scheduler
from tests.conftest import small_town
from tests.scheduler_sim import NOTICE, at, say, spec, tick

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
