"""Shared by the 倒查 tests: a month of history for the small town.

Push 1 (roster v2): 李一 relays it to 李家村干部群 and 一网格群, 王网格员 to 王家村村民群, the
school's pusher proves 中心小学家长群 with a screenshot; 李二 never signs, so 二网格群 misses
it. 李一户0 answers "收到了，谢谢提醒" and a read link is tapped in 一网格群. Then the roster
changes (v3): 李一户1 moves to 二网格群 and 王户3 leaves. Push 2 reaches 二网格群 only.
"""

from __future__ import annotations

from dataclasses import replace

from bot.clock import SimClock
from bot.domain.model import Member, MessageKind
from bot.runtime import Runtime
from tests.chat import advance, say

PHONES = {
    "lj1_h0": "13800001234",
    "lj2_h0": "13900001234",
    "wj_h3": "13700005678",
    "lj1_h1": "13600002222",
}
PUSH1 = "推送\n【警惕刷单返利诈骗】所有刷单都是诈骗！遇到可疑情况请拨打96110咨询。"
PUSH2 = "推送\n范围：李家村\n【冒充客服退款诈骗】客服主动联系退款要你操作转账的，都是诈骗。"


def _with_phones(members: tuple[Member, ...]) -> tuple[Member, ...]:
    return tuple(replace(m, phone=PHONES.get(m.wechat, m.phone)) for m in members)


def _save(rt: Runtime, clock: SimClock, members: tuple[Member, ...], source: str) -> None:
    org = replace(rt.app.org, members=members)
    rt.store.save_org(org, clock.now(), source)
    assert rt.app.reload_roster()


async def month_of_pushes(rt: Runtime, clock: SimClock) -> None:
    """Two pushes around a roster change (see the module docstring)."""
    _save(rt, clock, _with_phones(rt.app.org.members), "加手机号")
    await say(rt, "office", PUSH1, "cmd")
    advance(clock, 5)
    await say(rt, "lj_p1", "收到", "cmd")
    await say(rt, "wj_p", "收到", "cmd")
    await say(rt, "school_p", "收到", "cmd")
    await say(
        rt, "school_p", "", None, kind=MessageKind.IMAGE, data=b"shot" * 50, filename="a.png"
    )
    advance(clock, 10)
    await say(rt, "lj1_h0", "收到了，谢谢提醒", "lj1")
    push = rt.store.get_push(1)
    assert push is not None
    assert rt.store.add_read_tap(1, "lj1", "李家村", "device-1", True, clock.now())
    advance(clock, 60 * 24)
    moved = tuple(
        replace(m, groups=("lj2",)) if m.wechat == "lj1_h1" else m
        for m in rt.app.org.members
        if m.wechat != "wj_h3"
    )
    _save(rt, clock, moved, "住户调整")
    await say(rt, "office", PUSH2, "cmd")
    advance(clock, 5)
    await say(rt, "lj_p2", "收到", "cmd")
    advance(clock, 10)
    await say(rt, "lj1_h1", "已阅", "lj2")
    rt.simulator.pop_sent()  # type: ignore[union-attr]
