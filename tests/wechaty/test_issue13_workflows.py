"""Issue 13's chat workflows over Wechaty's own gateway (Node + wechaty-puppet-mock):
a 预警劝阻单 issued privately by a 片警, signed, 劝阻 with an on-site photo (byte exact) and
反馈 — all in private chats, nothing in any room; a reminder and an escalation privately; a
household's 专项行动 receipt in its room (no reply) and privately (thanked privately);
"倒查" answered privately. The roster's ids differ from the account's (bound by name)."""

from __future__ import annotations

import copy
import os
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.config import Config
from bot.domain.drives import Drive, Milestone
from bot.domain.model import Member, Org, Role
from bot.domain.warnings import SIGN_ESCALATE, SIGN_REMIND
from bot.runtime import Runtime, build
from bot.transport.wechaty import WechatyTransport
from tests.wechaty.harness import Gateway
from tests.wechaty.scenario import (
    COMMAND_ROOM,
    DEFAULT_WORLD,
    VILLAGE_1,
    VILLAGE_2,
    DaytimeClock,
    Event,
)
from tests.wechaty.test_app import app_config, gateway_town, wechaty_config

pytestmark = [pytest.mark.gateway, pytest.mark.asyncio(loop_scope="module")]

PHONE = "13800001234"
ROOMS = {COMMAND_ROOM, VILLAGE_1, VILLAGE_2}


def police_world() -> dict[str, Any]:
    """The gateway's small town with a 片警 (real id "cop") in the command room."""
    world = copy.deepcopy(DEFAULT_WORLD)
    world["contacts"].append({"id": "cop", "name": "赵警官"})
    world["rooms"][0]["members"].append("cop")
    return world


def police_town() -> Org:
    """The roster: the 片警 under their own id, 刘大妈 with a phone."""
    town = gateway_town()
    police = Member("赵警官", Role.SUPERVISOR, "派出所", "police", ("cmd", "v1"))
    members = tuple(replace(m, phone=PHONE) if m.wechat == "hh12" else m for m in town.members)
    return replace(town, members=(*members, police))


@pytest_asyncio.fixture(loop_scope="module")
async def bot(gateway: Gateway, config: Config) -> AsyncIterator[Runtime]:
    await gateway.reset(police_world())
    rt = build(
        app_config(config),
        DaytimeClock(config.tz),
        org=police_town(),
        transport=WechatyTransport(wechaty_config(gateway)),
    )
    await rt.app.start()
    yield rt
    await rt.app.stop()
    rt.store.close()


async def private(gateway: Gateway, contact: str, prefix: str = "") -> Event:
    """The next message the bot sent privately to `contact` starting with `prefix`."""
    return await gateway.next_event(
        lambda e: e.get("event") == "sent" and e["to"] == contact and e["text"].startswith(prefix),
        15,
    )


def room_sends(gateway: Gateway) -> list[Event]:
    return [e for e in gateway.pending() if e.get("event") == "sent" and e["to"] in ROOMS]


async def test_warning_chain_is_private_on_wechaty(
    gateway: Gateway, bot: Runtime, tmp_path: Path
) -> None:
    await gateway.say("cop", f"预警 刘大妈 {PHONE} 疑似刷单诈骗")
    issued = await private(gateway, "cop", "预警1已私聊下发给李推送")
    notice = await private(gateway, "pusher1", "【预警劝阻单】第1号（风险：高）")
    assert PHONE in notice["text"] and "疑似刷单诈骗" in notice["text"]
    assert issued["mentions"] == [] and notice["mentions"] == []

    await gateway.say("pusher1", "收到")
    await private(gateway, "pusher1", "预警1已签收")
    await gateway.say("pusher1", "已上门劝阻，老人表示明白了")
    await private(gateway, "pusher1", "预警1劝阻情况已登记：上门·已劝阻")
    photo = tmp_path / "现场.jpg"
    data = b"\xff\xd8\xff\xe0" + os.urandom(40_000)
    photo.write_bytes(data)
    await gateway.send_image("pusher1", photo)
    await private(gateway, "pusher1", "预警1的现场照片已保存。")
    await gateway.say("pusher1", "反馈：已当面讲解刷单诈骗手法，老人卸载了可疑APP")
    await private(gateway, "pusher1", "预警1的反馈已收到")

    done = bot.store.get_warning(1)
    assert done is not None and done.state == "已反馈"
    assert done.assignee == "p1" and done.issuer == "police"  # roster ids, not the account's
    assert (done.method, done.result) == ("上门", "已劝阻")
    assert Path(done.photo).read_bytes() == data
    assert [e.kind for e in done.events] == [
        "下发",
        "签收",
        "劝阻（上门·已劝阻）",
        "现场照片",
        "反馈",
    ]
    assert room_sends(gateway) == []


async def test_warning_reminder_and_escalation_go_privately(
    gateway: Gateway, bot: Runtime
) -> None:
    await gateway.say("cop", f"预警 刘大妈 {PHONE} 冒充客服来电")
    await private(gateway, "cop", "预警1已私聊下发")
    await private(gateway, "pusher1", "【预警劝阻单】第1号")
    ctx = bot.app.context(bot.app.clock.now())
    with bot.store.transaction():
        bot.app.chat.warnings.step(ctx, 1, SIGN_REMIND)
        bot.app.chat.warnings.step(ctx, 1, SIGN_ESCALATE)
    bot.app.sender.wake()
    remind = await private(gateway, "pusher1")
    assert "预警1" in remind["text"] and "签收" in remind["text"]
    escalation = await private(gateway, "cop")
    assert "李推送" in escalation["text"] and "预警1" in escalation["text"]
    await bot.app.settle()
    assert room_sends(gateway) == []


async def test_drive_receipts_in_a_room_and_privately(
    gateway: Gateway, bot: Runtime, tmp_path: Path
) -> None:
    today = bot.app.clock.now().astimezone(bot.app.config.tz).date()
    drive = Drive(
        0,
        "推广国家反诈中心APP",
        ("已安装", "已注册", "装好了"),
        True,  # screenshots in the household's own room count too
        today - timedelta(days=1),
        today + timedelta(days=30),
        (Milestone(today + timedelta(days=30), 0.8),),
        (),
        created_by="王主任",
    )
    stored = bot.app.chat.drives.create(bot.app.context(bot.app.clock.now()), drive)
    await private(gateway, COMMAND_ROOM, "")  # the announcement, in the command room
    await gateway.say("hh11", "已经装好了", VILLAGE_1)  # counted, no reply in the room
    shot = tmp_path / "app.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2_000))
    await gateway.send_image("hh12", shot, VILLAGE_1)  # a screenshot in the room: counted
    await gateway.say("hh21", "全家都注册了")  # privately: counted and thanked
    thanks = await private(gateway, "hh21")
    assert "谢谢" in thanks["text"]
    await gateway.say("office", "进度", COMMAND_ROOM)
    progress = await gateway.next_event(
        lambda e: e.get("event") == "sent" and "推广国家反诈中心APP" in e["text"], 15
    )
    assert progress["to"] == COMMAND_ROOM
    counts = bot.store.drive_counts(stored.id, bot.app.clock.now() + timedelta(days=1))
    assert counts == {"一村": 2, "二村": 1}
    receipts = {(r.wechat, r.group_id) for r in bot.store.drive_receipts(stored.id)}
    assert receipts == {("hh11", "v1"), ("hh12", "v1"), ("h21", None)}
    assert not [e for e in room_sends(gateway) if e["to"] in (VILLAGE_1, VILLAGE_2)]


async def test_trace_is_answered_privately(gateway: Gateway, bot: Runtime) -> None:
    await gateway.say("office", "倒查 张大爷", COMMAND_ROOM)
    note = await private(gateway, COMMAND_ROOM, "倒查结果已私信发给您")
    assert note["mentions"] == []
    answer = await private(gateway, "office", "【责任倒查】张大爷")
    assert "/trace?who=hh11" in answer["text"]
    await gateway.say("office", "倒查 张大爷")  # privately: nothing in the room at all
    await private(gateway, "office", "【责任倒查】张大爷")
    await bot.app.settle()
    assert room_sends(gateway) == []
    assert [a.action for a in bot.store.audit_log()].count("倒查查看") == 2
