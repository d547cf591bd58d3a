"""倒查 in chat: answered privately (a short note in the command group), disambiguation by
number, a supervisor limited to their unit (a 片警 of the 派出所 sees all), pushers refused,
phones masked and every lookup audited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.clock import SimClock
from bot.config import Config
from bot.domain.model import Member, Role
from bot.runtime import Runtime, build
from tests.chat import say
from tests.conftest import small_town
from tests.trace_town import month_of_pushes


@pytest.fixture
async def town(config: Config, clock: SimClock) -> AsyncIterator[Runtime]:
    """The small town with a 片警 of the 派出所, over a month of pushes."""
    org = small_town()
    police = Member("赵警官", Role.SUPERVISOR, "派出所", "police", ("cmd",))
    runtime = build(config, clock, org=replace(org, members=(*org.members, police)))
    await month_of_pushes(runtime, clock)
    yield runtime
    runtime.store.close()
    assert runtime.simulator is not None and not runtime.simulator.unread


def _audits(rt: Runtime, action: str) -> list[tuple[str, str]]:
    return [(a.actor, a.detail) for a in rt.store.audit_log() if a.action == action]


async def test_office_asks_in_the_command_group_and_is_answered_privately(town: Runtime) -> None:
    sent = await say(town, "office", "倒查 1234", "cmd")
    assert [s.conversation for s in sent] == ["cmd", "office"]
    assert (sent[0].conversation, sent[0].text) == (
        "cmd",
        "倒查结果已私信发给您（住户信息不在群里发）。",
    )
    (listing,) = [s.text for s in sent if s.conversation == "office"]
    assert listing.startswith("“1234”有 2 人符合，请回复“倒查 1234 序号”选定：")
    assert "1. 李一户0（李家村·李家村一网格群，138****1234）" in listing
    assert "13800001234" not in listing

    (answer,) = await say(town, "office", "倒查 1234 1")  # privately, picking the first
    assert answer.conversation == "office"
    lines = answer.text.splitlines()
    assert lines[0] == "【责任倒查】李一户0（李家村·李家村一网格群，138****1234）"
    assert lines[1] == "李一户0（李家村）：所在群收到 1 期，本户回执 1 期，未收到 1 期。"
    assert "第1期《警惕刷单返利诈骗》" in lines[3] and "“收到了，谢谢提醒”" in lines[3]
    assert lines[5] == "· 第2期《冒充客服退款诈骗》：计划送达，但未送达（机器人发送）"
    assert lines[-1].endswith("/trace?who=lj1_h0")
    assert _audits(town, "倒查查看") == [("张主任（微信）", "李一户0（李家村，lj1_h0）")]
    assert [d for _, d in _audits(town, "倒查检索")] == [
        "检索“1234”：2 人符合",
        "检索“1234”：2 人符合",
    ]


async def test_police_sees_every_unit_and_a_supervisor_only_their_own(town: Runtime) -> None:
    (answer,) = await say(town, "police", "倒查王户3")
    assert "【责任倒查】王户3（王家村·王家村村民群，137****5678，已不在当前名册）" in answer.text
    assert "推送时本户不在名册中" in answer.text
    (refused,) = await say(town, "lj_sup", "倒查 王户3")
    assert refused.text == "名册中（含历史版本）没有找到李家村的“王户3”。"
    (own,) = await say(town, "lj_sup", "倒查 李二户0")
    assert own.text.startswith("【责任倒查】李二户0（李家村")
    (phone,) = await say(town, "lj_sup", "倒查 13900001234")
    assert "139****1234" in phone.text
    assert _audits(town, "倒查检索")[0] == ("李网格长（微信）", "检索“139****1234”：1 人符合")


async def test_pushers_are_refused_and_an_empty_query_explained(town: Runtime) -> None:
    (refused,) = await say(town, "lj_p1", "倒查 李一户0", "cmd")
    assert refused.text == "抱歉，查询和催办仅限领导、办公室和监督员使用。"
    (usage,) = await say(town, "office", "倒查")
    assert usage.text.startswith("请写要倒查的住户姓名或手机号")
    assert _audits(town, "倒查检索") == []
