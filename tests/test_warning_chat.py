"""预警劝阻单 end to end on the sandbox: issued privately to the grid member, signed,
劝阻 with a result and a photo, 反馈 and the issuer's 评价 — nothing ever in a group;
deadlines remind the assignee and escalate to the 片警/supervisors on a simulated clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.chat.warnings import WarningDraft
from bot.clock import SimClock
from bot.config import Config
from bot.domain.model import Member, MessageKind, Org, Role
from bot.domain.warnings import WarningError, WarningNotice
from bot.runtime import Runtime, build
from bot.schedule.scheduler import build_scheduler
from tests.chat import advance, say
from tests.conftest import START, small_town
from tests.scheduler_sim import at, tick

VICTIM_PHONE = "13800001234"
GROUPS = {"cmd", "lj", "lj1", "lj2", "wj", "bank", "school"}


def warning_town() -> Org:
    """The small town with a 片警 in 李家村's groups and phones for two households."""
    town = small_town()
    police = Member("赵警官", Role.SUPERVISOR, "派出所", "police", ("cmd", "lj", "lj1", "wj"))
    phones = {"lj1_h2": VICTIM_PHONE, "wj_h1": "13900002222"}
    members = tuple(
        replace(m, phone=phones[m.wechat]) if m.wechat in phones else m for m in town.members
    )
    return replace(town, members=(*members, police))


@pytest.fixture
async def wrt(config: Config, clock: SimClock) -> AsyncIterator[Runtime]:
    runtime = build(config, clock, org=warning_town())
    yield runtime
    runtime.store.close()
    assert runtime.simulator is not None
    assert not runtime.simulator.unread


def draft(assignee: str | None = None, **kw: str) -> WarningDraft:
    fields = {
        "victim_name": "李一户2",
        "victim_phone": VICTIM_PHONE,
        "detected": "接听涉诈电话（冒充客服）",
        "risk": "高",
        "issuer": "web:police1",
        "issuer_label": "police1（派出所）",
        **kw,
    }
    return WarningDraft(assignee=assignee, **fields)  # type: ignore[arg-type]


async def issue(rt: Runtime, d: WarningDraft) -> WarningNotice:
    ctx = rt.app.context(rt.app.clock.now())
    with rt.store.transaction():
        warning = rt.app.chat.warnings.issue(ctx, d)
    await rt.app.settle()
    return warning


async def test_whole_chain_is_private(wrt: Runtime, clock: SimClock) -> None:
    w = await issue(wrt, draft())
    sent = wrt.simulator.pop_sent()  # type: ignore[union-attr]
    # The household's group pusher answers for it, privately.
    assert [line.conversation for line in sent] == ["lj_p1"]
    assert sent[0].text.startswith(f"【预警劝阻单】第{w.id}号（风险：高）")
    assert VICTIM_PHONE in sent[0].text and "李家村" in sent[0].text
    assert w.sign_by == clock.now().replace(minute=30) and w.unit == "李家村"

    advance(clock, 7)
    signed = await say(wrt, "lj_p1", "收到")
    assert [line.conversation for line in signed] == ["lj_p1"]
    assert signed[0].text.startswith(f"预警{w.id}已签收（11月23日09:07）")
    advance(clock, 60)
    half = await say(wrt, "lj_p1", "已上门")
    assert "请说明结果" in half[0].text
    visited = await say(wrt, "lj_p1", "已上门劝阻，老人表示明白了")
    assert "上门·已劝阻" in visited[0].text
    photo = await say(
        wrt, "lj_p1", "", kind=MessageKind.IMAGE, data=b"\x89PNGphoto", filename="x.png"
    )
    assert photo[0].text == f"预警{w.id}的现场照片已保存。"
    fed = await say(wrt, "lj_p1", "反馈：已当面讲解冒充客服诈骗手法，卸载了可疑APP")
    assert "反馈已收到" in fed[0].text

    done = wrt.store.get_warning(w.id)
    assert done is not None and done.state == "已反馈" and done.method == "上门"
    assert done.result == "已劝阻" and done.feedback.startswith("已当面讲解")
    assert done.photo.endswith(".png") and Path(done.photo).read_bytes() == b"\x89PNGphoto"
    assert [e.kind for e in done.events] == [
        "下发",
        "签收",
        "劝阻（上门·已劝阻）",
        "现场照片",
        "反馈",
    ]
    ctx = wrt.app.context(clock.now())
    with wrt.store.transaction():
        wrt.app.chat.warnings.evaluate(ctx, done, "满意", "处置及时", "police1（派出所）")
    await wrt.app.settle()
    told = wrt.simulator.pop_sent()  # type: ignore[union-attr]
    assert [(t.conversation, t.text) for t in told] == [
        ("lj_p1", f"预警{w.id}已办结，下发单位评价：满意（处置及时）。")
    ]
    assert all(line.conversation not in GROUPS for line in wrt.simulator.transcript)  # type: ignore[union-attr]
    audit = [a.action for a in wrt.store.audit_log()]
    assert audit[:2] == ["预警评价", "预警下发"]


async def test_several_open_warnings_need_a_number(wrt: Runtime) -> None:
    first = await issue(wrt, draft())
    second = await issue(wrt, draft(victim_name="李一户3", victim_phone="13700003333"))
    wrt.simulator.pop_sent()  # type: ignore[union-attr]
    ask = await say(wrt, "lj_p1", "收到")
    assert "2 张未办结的预警劝阻单" in ask[0].text
    ok = await say(wrt, "lj_p1", f"预警{second.id} 签收")
    assert ok[0].text.startswith(f"预警{second.id}已签收")
    both = await say(wrt, "lj_p1", f"预警{first.id} 电话未接通")
    assert "电话·未接通" in both[0].text
    assert wrt.store.get_warning(first.id).signed_at is not None  # type: ignore[union-attr]
    quoted = f"「反诈助手：【预警劝阻单】第{second.id}号（风险：高）」\n- - - - - - -\n已电话劝阻"
    by_quote = await say(wrt, "lj_p1", quoted)
    assert f"预警{second.id}劝阻情况已登记：电话·已劝阻" in by_quote[0].text
    missing = await say(wrt, "lj_p1", "预警99 收到")
    assert "没有找到指派给您的未办结预警99" in missing[0].text
    # Chat that is not about a warning goes on to the usual handling (silence here).
    assert await say(wrt, "lj_p1", "今天天气不错") == []


async def test_bad_draft_names_every_field_and_stores_nothing(wrt: Runtime) -> None:
    bad = draft(victim_name="", victim_phone="12345", risk="极高", victim_id_number="123")
    with pytest.raises(WarningError) as err:
        await issue(wrt, bad)
    message = str(err.value)
    for field in ("姓名", "电话", "身份证号", "风险等级"):
        assert field in message
    unknown = draft(victim_name="外地人", victim_phone="13600000000")
    with pytest.raises(WarningError, match="请指定负责人"):
        await issue(wrt, unknown)
    with pytest.raises(WarningError, match="没有网格员或片警“lj1_h0”"):
        await issue(wrt, draft(assignee="lj1_h0"))
    assert wrt.store.warnings() == []


async def test_overdue_reminds_then_escalates(wrt: Runtime, clock: SimClock) -> None:
    sch = build_scheduler(wrt.app, [])
    w = await issue(wrt, draft(victim_name="王户1", victim_phone="13900002222"))
    assert [m.conversation for m in wrt.simulator.pop_sent()] == ["wj_p"]  # type: ignore[union-attr]
    assert sch.next_due(clock.now()) == at("09:30")
    assert await tick(wrt, sch, clock, at("09:29")) == []
    remind = await tick(wrt, sch, clock, at("09:30"))
    assert [m.conversation for m in remind] == ["wj_p"]
    assert remind[0].text.startswith(f"【预警提醒】预警{w.id}（王户1）已过签收时限")
    assert await tick(wrt, sch, clock, at("09:31")) == []
    up = await tick(wrt, sch, clock, at("10:00"))
    # 王家村 has no supervisor of its own: its 片警 hears of it (privately).
    assert [m.conversation for m in up] == ["police"]
    assert up[0].text.startswith(f"【预警督办】预警{w.id}") and "王户1" not in up[0].text
    assert "13900002222" not in up[0].text
    await say(wrt, "wj_p", "收到")
    assert sch.next_due(clock.now()) == at("07:00", "2026-11-24")
    before = await tick(wrt, sch, clock, at("07:00", "2026-11-24"))
    assert [m.conversation for m in before] == ["wj_p"] and "须在" in before[0].text
    late = await tick(wrt, sch, clock, at("09:00", "2026-11-24"))
    assert [m.conversation for m in late] == ["wj_p", "police"]
    assert "已超过劝阻时限" in late[0].text and "劝阻时限" in late[1].text
    await say(wrt, "wj_p", "电话劝阻了")
    assert sch.next_due(clock.now()) is None
    kinds = [e.kind for e in wrt.store.get_warning(w.id).events]  # type: ignore[union-attr]
    assert kinds == [
        "下发",
        "签收提醒",
        "签收超时上报",
        "签收",
        "劝阻提醒",
        "劝阻超时上报",
        "劝阻（电话·已劝阻）",
    ]


async def test_police_issue_a_warning_in_private_chat(wrt: Runtime) -> None:
    sent = await say(wrt, "police", f"预警 李一户2 {VICTIM_PHONE} 疑似刷单诈骗")
    assert [line.conversation for line in sent] == ["lj_p1", "police"]
    assert "疑似刷单诈骗" in sent[0].text
    assert sent[1].text.startswith("预警1已私聊下发给李一")
    warning = wrt.store.get_warning(1)
    assert warning is not None and warning.issuer == "police"
    # A grid member cannot issue one.
    assert await say(wrt, "lj_p2", f"预警 李一户2 {VICTIM_PHONE} 疑似刷单诈骗") == []
    assert len(wrt.store.warnings()) == 1


async def test_monthly_ranking_counts_warnings_without_names(
    wrt: Runtime, clock: SimClock
) -> None:
    from bot.context import Context
    from bot.domain.periods import DAILY, MONTHLY
    from bot.schedule.bulletins import compose

    first = await issue(wrt, draft())
    await issue(wrt, draft(victim_name="王户1", victim_phone="13900002222"))
    wrt.simulator.pop_sent()  # type: ignore[union-attr]
    advance(clock, 5)
    await say(wrt, "lj_p1", "收到")
    await say(wrt, "lj_p1", f"预警{first.id} 电话劝阻了")
    await say(wrt, "lj_p1", "反馈：已劝阻，本人表示不再操作")
    ctx = Context(wrt.app, clock.now(), options={})
    text = compose(ctx, MONTHLY, previous=False).text
    lines = text.splitlines()
    at = lines.index("预警劝阻：")
    assert lines[at + 1 : at + 5] == [
        "下发预警劝阻单 2 张；签收 1 张，其中按时签收 1 张（50%）。",
        "完成劝阻 1 张，其中按时 1 张（50%）；电话 1 张、上门 0 张。",
        "劝阻结果：已劝阻 1，未接通 0，拒绝 0，已被骗 0。",
        "尚未办结（未反馈）1 张。",
    ]
    for secret in ("李一户2", "王户1", VICTIM_PHONE, "李一", "王网格员"):
        assert secret not in "\n".join(lines[at:])
    assert "预警劝阻" not in compose(ctx, DAILY, previous=False).text
    last_month = compose(ctx, MONTHLY, previous=True).text
    assert "预警劝阻" not in last_month


async def test_late_image_is_left_to_evidence(wrt: Runtime, clock: SimClock) -> None:
    w = await issue(wrt, draft())
    wrt.simulator.pop_sent()  # type: ignore[union-attr]
    await say(wrt, "lj_p1", "收到，已电话劝阻")
    advance(clock, 3 * 60)
    shot = await say(wrt, "lj_p1", "", kind=MessageKind.IMAGE, data=b"\x89PNG", filename="a.png")
    assert "现场照片" not in shot[0].text  # the pusher owes no 佐证: the usual answer
    assert wrt.store.get_warning(w.id).photo == ""  # type: ignore[union-attr]


async def test_a_bare_number_says_what_the_warning_waits_for(wrt: Runtime) -> None:
    w = await issue(wrt, draft())
    wrt.simulator.pop_sent()  # type: ignore[union-attr]
    waiting = await say(wrt, "lj_p1", f"预警{w.id} 怎么弄")
    assert waiting[0].text == f"预警{w.id}待签收，请回复“预警{w.id} 收到”签收。"
    await say(wrt, "lj_p1", "签收")
    early = await say(wrt, "lj_p1", "反馈：还没去")
    assert "还没有登记劝阻情况" in early[0].text
    assert wrt.store.get_warning(w.id).state == "已签收"  # type: ignore[union-attr]


async def test_work_report_and_later_visits_pass_through(wrt: Runtime) -> None:
    w = await issue(wrt, draft())
    wrt.simulator.pop_sent()  # type: ignore[union-attr]
    await say(wrt, "lj_p1", "收到，已上门劝阻")
    report = await say(wrt, "lj_p1", "今日工作：上门走访3户，劝阻1人")
    assert "今日工作" in report[0].text or "汇报" in report[0].text
    assert wrt.store.work_reports(START.date(), START.date() + timedelta(days=1))
    # Another visit story without a number is not this warning's business any more.
    assert await say(wrt, "lj_p1", "又电话劝阻了一户") == []
    assert wrt.store.get_warning(w.id).state == "已劝阻"  # type: ignore[union-attr]
