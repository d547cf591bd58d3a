"""Deadline follow-up on a simulated clock: 截止前/到期催办, 督办 and the leaders' summary,
their caps, and manual 催办 with its own budget."""

from __future__ import annotations

from dataclasses import replace

from bot.clock import SimClock
from bot.config import Config
from bot.domain.followup import AT_DEADLINE, BEFORE_DEADLINE, ESCALATION, LEADER_SUMMARY, REMIND
from bot.domain.model import Role
from bot.runtime import Runtime
from bot.schedule.scheduler import DONE, build_scheduler
from tests.conftest import small_town
from tests.scheduler_sim import NOTICE, at, say, tick

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
