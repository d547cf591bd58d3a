"""群发 tasks for task-mode groups (WeCom customer groups), on the simulated network.

The bot cannot post into these groups: each push becomes one task per member, the member's
send is the signature, and each group the platform reports as reached is a delivery.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.clock import SHANGHAI, SimClock
from bot.config import Config, WebUser
from bot.domain.model import Group, Level, Member, Mode, Org, Push, Role
from bot.runtime import Runtime, build
from bot.transport.sandbox import SandboxTransport
from bot.web import dashboard
from bot.web.auth import Session
from bot.web.context import Viewer
from tests.chat import advance, cov, say

NOTICE = "推送\n【警惕刷单返利诈骗】所有刷单都是诈骗！遇到可疑情况请拨打96110咨询。"


def task_town() -> Org:
    """A command group and three villages whose groups are members' customer groups."""
    G, M, T = Group, Member, Mode.TASK
    groups = (
        G("cmd", "指挥群", Level.COMMAND, None, None),
        G("wj1", "王家村客户群一", Level.VILLAGE, "cmd", "王家村", T),
        G("wj2", "王家村客户群二", Level.VILLAGE, "cmd", "王家村", T),
        G("lj", "李家村客户群", Level.VILLAGE, "cmd", "李家村", T),
        G("zj", "张家村客户群", Level.VILLAGE, "cmd", "张家村", T),
    )
    members = [
        M("张主任", Role.OFFICE, None, "office", ("cmd",)),
        M("刘书记", Role.LEADER, None, "leader", ("cmd",)),
        M("王网格员", Role.PUSHER, "王家村", "wj_p", ("cmd", "wj1", "wj2")),
        M("李网格员", Role.PUSHER, "李家村", "lj_p", ("cmd", "lj")),
        M("张网格员", Role.PUSHER, "张家村", "zj_p", ("cmd", "zj")),
    ]
    for gid, unit in (("wj1", "王家村"), ("wj2", "王家村"), ("lj", "李家村"), ("zj", "张家村")):
        members += [
            M(f"{gid}户{i}", Role.HOUSEHOLD, unit, f"{gid}_h{i}", (gid,)) for i in range(5)
        ]
    return Org("测试镇", groups, tuple(members))


@pytest.fixture
async def tt(config: Config, clock: SimClock) -> AsyncIterator[Runtime]:
    runtime = build(config, clock, org=task_town())
    yield runtime
    runtime.store.close()
    assert runtime.simulator is not None
    assert runtime.simulator.unread == []


def tasks_of(rt: Runtime) -> SandboxTransport:
    assert isinstance(rt.transport, SandboxTransport)
    return rt.transport


async def test_tasks_sign_deliver_and_remind_only_the_laggard(
    tt: Runtime, clock: SimClock
) -> None:
    (announce,) = await say(tt, "office", NOTICE, "cmd")
    assert announce.text.startswith("【第1期】")
    sim = tasks_of(tt).mass
    assert sorted((t.sender, t.groups) for t in sim.tasks.values()) == [
        ("lj_p", ("lj",)),
        ("wj_p", ("wj1", "wj2")),
        ("zj_p", ("zj",)),
    ]
    advance(clock, 20)
    assert tasks_of(tt).confirm_task("lj_p")
    assert tasks_of(tt).confirm_task("wj_p", ["wj1"])  # the member picked one group only
    await tt.app.settle()
    c = cov(tt)
    assert (c["sign_rate"], c["delivery_rate"]) == (round(2 / 3, 4), 0.5)
    assert c["median_sign_minutes"] == 20.0
    assert c["ack_rate"] is None  # households' replies cannot be seen in customer groups
    (progress,) = await say(tt, "leader", "进度", "cmd")
    assert "签收：2/3 人" in progress.text and "送达群：2/4 个" in progress.text
    assert "回执：—" in progress.text or "（—）" in progress.text
    (urge,) = await say(tt, "leader", "催办", "cmd")
    assert set(urge.mentions) == {"zj_p", "wj_p"}  # unsigned, and one group not reached
    reminded = {t.sender: len(t.reminds) for t in sim.tasks.values()}
    assert reminded == {"lj_p": 0, "wj_p": 0, "zj_p": 1}  # only the unsent task
    await tt.app.settle()  # polling again counts nothing twice
    assert cov(tt)["sign_rate"] == round(2 / 3, 4)


async def test_platform_reminders_stay_within_three_a_day(tt: Runtime, clock: SimClock) -> None:
    await say(tt, "office", NOTICE, "cmd")
    for _ in range(3):
        advance(clock, 30)
        await say(tt, "office", "催办", "cmd")
    await say(tt, "leader", "催办", "cmd")  # the bot's own manual cap (3) answers this one
    advance(clock, 60)
    tt.app.chat.followup.remind(tt.app.context(clock.now()), _push(tt), "到期催办")
    await tt.app.settle()
    tt.simulator.pop_sent()  # type: ignore[union-attr]
    assert {len(t.reminds) for t in tasks_of(tt).mass.tasks.values()} == {3}
    clock.advance(timedelta(hours=24).total_seconds())
    await say(tt, "office", "催办", "cmd")
    assert {len(t.reminds) for t in tasks_of(tt).mass.tasks.values()} == {4}


def _push(rt: Runtime) -> Push:
    push = rt.store.get_push(1)
    assert push is not None
    return push


async def test_quota_is_shown_before_a_big_push(config: Config, clock: SimClock) -> None:
    cfg = replace(
        config,
        policy=replace(config.policy, confirm_over_groups=-1),
        wecom=replace(config.wecom, quota_rule="legacy4"),
    )
    rt = build(cfg, clock, org=task_town())
    for n in range(4):
        await say(rt, "office", NOTICE, "cmd")
        (announce,) = await say(rt, "office", "确认", "cmd")
        assert announce.text.startswith(f"【第{n + 1}期】")
        advance(clock, 11)
    (summary,) = await say(rt, "office", NOTICE, "cmd")
    assert "客户群本月还能接收群发：最少 0 次；4 个群已用完，这次收不到。" in summary.text
    rt.store.close()


async def test_a_withdrawn_push_creates_no_tasks(tt: Runtime) -> None:
    await tt.app.handle(tt.simulator.message("office", NOTICE, "cmd"))  # type: ignore[union-attr]
    (notice,) = await say(tt, "office", "撤回第1期", "cmd")
    assert notice.text.startswith("【撤回】")
    assert [t.state for t in tt.store.mass_tasks(1)] == ["failed"] * 3
    assert tasks_of(tt).mass.tasks == {}


async def test_the_dashboard_labels_task_groups(tt: Runtime, clock: SimClock) -> None:
    await say(tt, "office", NOTICE, "cmd")
    assert tasks_of(tt).confirm_task("lj_p")
    await tt.app.settle()
    office = WebUser("zhang", "office", "unused-hash")
    viewer = Viewer(office, Session("zhang", "nonce", 0.0), "csrf")
    detail = dashboard.push_detail(tt.app, viewer, _push(tt), SHANGHAI)
    modes = {g["name"]: (g["mode"], g["via"]) for g in detail["groups"]}
    assert modes["李家村客户群"] == ("群发任务（成员确认发送）", "群发任务")
    assert modes["张家村客户群"][0] == "群发任务（成员确认发送）"
