"""责任倒查: the household's record across roster versions, assembled from stored facts
(SQLite here; the PostgreSQL store runs the same reads in test_trace_pg.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import SimClock
from bot.domain.model import Delivery, Evidence, Group, Level, Member, Mode, Push, Role
from bot.domain.trace import (
    NOT_IN_ROSTER,
    NOT_IN_SCOPE,
    TracedEvidence,
    TracedReceipt,
    TraceFacts,
    assemble_trace,
)
from bot.runtime import Runtime
from bot.trace import find_members, trace_member
from tests.trace_town import month_of_pushes

T0 = datetime.fromisoformat("2026-11-23T09:00:00+08:00")


def _push(n: int) -> Push:
    return Push(n, f"标题{n}", "正文", T0 + timedelta(days=n), "office", ("李家村",))


def test_assembly_lists_received_and_missed_with_reasons() -> None:
    g1 = Group("g1", "一网格群", Level.GRID, "v", "李家村")
    g2 = Group("g2", "二网格群", Level.GRID, "v", "李家村", Mode.EVIDENCE)
    me = Member("张三", Role.HOUSEHOLD, "李家村", "zs", ("g2",), "13800001234")
    at = T0 + timedelta(hours=1)
    facts = TraceFacts(
        member=me,
        group_names=("二网格群",),
        current=True,
        pushes=[_push(1), _push(2), _push(3), _push(4)],
        groups_at={1: (g1,), 2: (g2,), 3: (g2,)},  # not in the roster for push 4
        deliveries=[
            Delivery(1, "g1", "李家村", Mode.RELAY, "v", at, "relay"),
            Delivery(2, "g2", "李家村", Mode.EVIDENCE, "v", at, "evidence"),
            Delivery(3, "g1", "李家村", Mode.RELAY, "v", None, None),  # not my group then
        ],
        receipts=[TracedReceipt(1, "g1", at + timedelta(minutes=3), "收到")],
        evidence=[TracedEvidence(2, "g2", at, 0), TracedEvidence(2, "g9", at, 1)],
        taps={(1, "g1"): 2},
    )
    report = assemble_trace(facts)
    first, second = report.received
    assert (first.push_name, first.group, first.via, first.ack_text) == (
        "第1期《标题1》",
        "一网格群",
        "机器人发送",
        "收到",
    )
    assert first.taps == 2 and first.evidence == ()
    assert second.ack_at is None and second.mode == "截图佐证"
    assert [e.index for e in second.evidence] == [0]
    assert [(m.push_id, m.reason) for m in report.missed] == [
        (3, NOT_IN_SCOPE),
        (4, NOT_IN_ROSTER),
    ]
    assert report.summary() == "张三（李家村）：所在群收到 2 期，本户回执 1 期，未收到 2 期"


async def test_trace_follows_roster_versions(rt: Runtime, clock: SimClock) -> None:
    await month_of_pushes(rt, clock)
    report = trace_member(rt.store, "lj1_h0")
    assert report is not None and report.current
    (line,) = report.received
    assert (line.push_id, line.group, line.ack_text, line.taps) == (
        1,
        "李家村一网格群",
        "收到了，谢谢提醒",
        1,
    )
    assert [(m.push_id, m.reason) for m in report.missed] == [
        (2, "计划送达，但未送达（机器人发送）")
    ]

    moved = trace_member(rt.store, "lj1_h1")
    assert moved is not None
    assert [(x.push_id, x.group, x.ack_text) for x in moved.received] == [
        (1, "李家村一网格群", ""),
        (2, "李家村二网格群", "已阅"),
    ]
    left = trace_member(rt.store, "wj_h3")
    assert left is not None and not left.current and left.groups == ("王家村村民群",)
    assert [x.push_id for x in left.received] == [1]
    assert [(m.push_id, m.reason) for m in left.missed] == [(2, NOT_IN_ROSTER)]
    school = trace_member(rt.store, "school_h0")
    assert school is not None
    assert [(x.via, len(x.evidence)) for x in school.received] == [("截图佐证", 1)]
    assert [m.reason for m in school.missed] == [NOT_IN_SCOPE]
    assert trace_member(rt.store, "nobody") is None
    early = trace_member(rt.store, "lj1_h0", until=clock.now() - timedelta(hours=2))
    assert early is not None and early.missed == ()


async def test_lookup_by_name_phone_and_tail(rt: Runtime, clock: SimClock) -> None:
    await month_of_pushes(rt, clock)
    several = find_members(rt.store, "李一户")
    assert [c.name for c in several] == ["李一户0", "李一户1", "李一户2", "李一户3"]
    assert several[1].groups == ("李家村二网格群",)  # as in the newest roster
    assert [c.name for c in find_members(rt.store, "李一户1")] == ["李一户1"]
    by_tail = find_members(rt.store, "1234")
    assert {c.wechat for c in by_tail} == {"lj1_h0", "lj2_h0"}
    (full,) = find_members(rt.store, "13700005678")
    assert (full.wechat, full.current, full.groups) == ("wj_h3", False, ("王家村村民群",))
    assert [c.wechat for c in find_members(rt.store, "王户3")] == ["wj_h3"]
    assert find_members(rt.store, "1234", unit="王家村") == []
    assert find_members(rt.store, "%") == [] and find_members(rt.store, "  ") == []


async def test_evidence_keeps_its_index_within_the_push(rt: Runtime, clock: SimClock) -> None:
    await month_of_pushes(rt, clock)
    assert rt.store.mark_delivered(1, "bank", clock.now(), "forward")
    shot = Evidence(1, "bank", "bank_p", "/nowhere/b.png", "0" * 64, 10, clock.now())
    rt.store.add_evidence(shot, None)
    bank = trace_member(rt.store, "bank_h0")
    assert bank is not None
    (line,) = bank.received
    assert (line.via, [e.index for e in line.evidence]) == ("检测到转发", [1])  # school's is 0
