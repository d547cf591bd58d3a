"""Issue 13's chat workflows on WeCom, against the fake WeCom server and the fake smart robot.

On WeCom a member is reached privately by an app message (message/send to the userid) and
writes back to the smart robot one to one (aibot_msg_callback, chattype single); photos sent
that way are downloaded and decrypted. So: a 片警 issues a 预警 to the robot privately → the
grid member gets it as an app message → 签收, 劝阻, an on-site photo, 反馈 by private robot
chat — nothing in the command group, no 群发 task. Reminders and escalations go by app
message. Residents in customer groups cannot be heard at all (the robot is not in customer
groups, and they are not corp members): a 专项行动 receipt counts only when someone the
robot can hear says it privately. 倒查 answers by app message.
"""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.clock import SimClock
from bot.domain.drives import Drive, Milestone
from bot.domain.model import Member, Org, Role
from bot.domain.warnings import SIGN_ESCALATE, SIGN_REMIND
from bot.runtime import build
from tests.wecom.conftest import START
from tests.wecom.fake_robot import FakeRobotServer
from tests.wecom.fake_server import FakeWecom
from tests.wecom.fake_world import World
from tests.wecom.test_channel import (
    BOT,
    COMMAND_CHAT,
    ROBOT_SECRET,
    Town,
    corp,
    roster,
    wecom_config,
)

PHONE = "13800001234"


def police_roster() -> Org:
    """The WeCom town with a 片警 (a corp member) and a phone for 户1."""
    town = roster()
    police = Member("赵警官", Role.SUPERVISOR, "派出所", "police", ("cmd",))
    members = tuple(replace(m, phone=PHONE) if m.wechat == "h1" else m for m in town.members)
    return replace(town, members=(*members, police))


def police_corp() -> World:
    """The fake corp with the 片警 and 王户 (a villager who is also a corp member)."""
    world = corp()
    world.users += ["police", "wh0"]
    return world


@pytest.fixture
async def town(tmp_path: Path) -> AsyncIterator[Town]:
    clock = SimClock(START)
    wecom = FakeWecom(police_corp(), clock.now)
    robot = FakeRobotServer({BOT: ROBOT_SECRET})
    config = wecom_config(tmp_path, await wecom.start(), await robot.start())
    rt = build(config, clock, org=police_roster(), live=True)
    await rt.app.start()
    town = Town(rt, wecom, robot, config, clock)
    yield town
    await town.rt.app.stop()
    town.rt.store.close()
    await robot.close()
    await wecom.stop()


async def private(town: Town, userid: str, text: str = "", image: bytes | None = None) -> None:
    """`userid` writes (or sends a photo) to the robot one to one; wait until it is handled."""
    before = town.rt.store.message_count()
    if image is not None:
        await town.robot.single_image(BOT, userid, image)
    else:
        await town.robot.single_message(BOT, userid, text)
    # The answer goes by HTTP (app message), not by a robot frame: poll the store (bounded).
    async with asyncio.timeout(5):
        while town.rt.store.message_count() <= before:
            await asyncio.sleep(0.01)
    await town.rt.app.settle()


def app_texts(town: Town, userid: str) -> list[str]:
    """App messages to `userid`, in order."""
    return [m.content for m in town.wecom.app_messages if m.touser == [userid]]


def command_group_sends(town: Town) -> list[dict[str, object]]:
    return [b for b in town.robot.sent("aibot_send_msg") if b.get("chatid") == COMMAND_CHAT]


async def test_warning_chain_by_app_message_and_private_robot_chat(town: Town) -> None:
    await private(town, "police", f"预警 户1 {PHONE} 疑似刷单诈骗")
    (issued,) = app_texts(town, "police")
    assert issued.startswith("预警1已私聊下发给李一")
    (notice,) = app_texts(town, "li1")
    assert notice.startswith("【预警劝阻单】第1号（风险：高）") and PHONE in notice

    town.clock.advance(5 * 60)
    await private(town, "li1", "收到")
    assert app_texts(town, "li1")[-1].startswith("预警1已签收（11月23日09:05）")
    town.clock.advance(40 * 60)
    await private(town, "li1", "已上门劝阻，老人表示明白了")
    assert "上门·已劝阻" in app_texts(town, "li1")[-1]
    photo = b"\xff\xd8\xff\xe0" + os.urandom(30_001)
    await private(town, "li1", image=photo)
    assert app_texts(town, "li1")[-1] == "预警1的现场照片已保存。"
    await private(town, "li1", "反馈：已当面讲解刷单诈骗手法")
    assert app_texts(town, "li1")[-1].startswith("预警1的反馈已收到")

    done = town.rt.store.get_warning(1)
    assert done is not None and done.state == "已反馈" and done.signed_at is not None
    assert Path(done.photo).read_bytes() == photo and done.photo.endswith(".jpg")
    assert [e.kind for e in done.events] == [
        "下发",
        "签收",
        "劝阻（上门·已劝阻）",
        "现场照片",
        "反馈",
    ]
    assert command_group_sends(town) == []  # nothing about it in the command group
    assert town.wecom.count("externalcontact/add_msg_template") == 0  # nor in customer groups


async def test_warning_reminder_and_escalation_by_app_message(town: Town) -> None:
    await private(town, "police", f"预警 户1 {PHONE} 冒充客服来电")
    town.clock.advance(25 * 60)
    ctx = town.rt.app.context(town.clock.now())
    with town.rt.store.transaction():
        town.rt.app.chat.warnings.step(ctx, 1, SIGN_REMIND)
    await town.rt.app.settle()
    remind = app_texts(town, "li1")[-1]
    assert "预警1" in remind and "签收" in remind
    town.clock.advance(20 * 60)
    ctx = town.rt.app.context(town.clock.now())
    with town.rt.store.transaction():
        town.rt.app.chat.warnings.step(ctx, 1, SIGN_ESCALATE)
    await town.rt.app.settle()
    for boss in ("police", "office"):  # the issuer, and the office (no village supervisor)
        assert "李一" in app_texts(town, boss)[-1] and "预警1" in app_texts(town, boss)[-1]
    assert command_group_sends(town) == []


async def test_drive_receipt_only_from_what_the_robot_can_hear(town: Town) -> None:
    drive = Drive(
        0,
        "推广国家反诈中心APP",
        ("已安装", "已注册", "装好了"),
        True,
        date(2026, 11, 23),
        date(2026, 11, 30),
        (Milestone(date(2026, 11, 30), 0.5),),
        (),
        created_by="张主任",
    )
    stored = town.rt.app.chat.drives.create(town.rt.app.context(town.clock.now()), drive)
    await town.rt.app.settle()
    assert "推广国家反诈中心APP" in town.robot_texts()[-1]  # announced in the command group
    await private(town, "wh0", "已经装好了")
    assert "谢谢" in app_texts(town, "wh0")[-1]
    (receipt,) = town.rt.store.drive_receipts(stored.id)
    assert (receipt.wechat, receipt.unit, receipt.group_id) == ("wh0", "王家村", None)
    await town.say("leader", "进度")
    assert "王家村" in town.robot_texts()[-1] and "推广国家反诈中心APP" in town.robot_texts()[-1]
    counts = town.rt.store.drive_counts(stored.id, town.clock.now() + timedelta(days=1))
    assert counts == {"王家村": 1}


async def test_trace_answer_goes_by_app_message(town: Town) -> None:
    await town.say("office", "倒查 户1")
    assert town.robot_texts()[-1] == "倒查结果已私信发给您（住户信息不在群里发）。"
    (answer,) = app_texts(town, "office")
    assert answer.startswith("【责任倒查】户1") and PHONE not in answer
    await private(town, "police", "倒查 户1")
    assert app_texts(town, "police")[-1].startswith("【责任倒查】户1")
    assert [a.action for a in town.rt.store.audit_log()].count("倒查查看") == 2


async def test_without_an_app_the_robot_speaks_to_the_member_one_to_one(tmp_path: Path) -> None:
    clock = SimClock(START)
    wecom = FakeWecom(police_corp(), clock.now)
    robot = FakeRobotServer({BOT: ROBOT_SECRET})
    config = wecom_config(tmp_path, await wecom.start(), await robot.start())
    config = replace(config, wecom=replace(config.wecom, agent_id=0))
    rt = build(config, clock, org=police_roster(), live=True)
    await rt.app.start()
    town = Town(rt, wecom, robot, config, clock)
    try:
        await private(town, "police", f"预警 户1 {PHONE} 疑似刷单诈骗")
        await robot.wait_for(lambda: len(robot.sent("aibot_send_msg")) >= 2)
        chats = {b["chatid"]: b["markdown"]["content"] for b in robot.sent("aibot_send_msg")}
        assert chats["police"].startswith("预警1已私聊下发给李一")
        assert chats["li1"].startswith("【预警劝阻单】第1号") and COMMAND_CHAT not in chats
        await private(town, "li1", "收到")
        await robot.wait_for(lambda: len(robot.sent("aibot_send_msg")) >= 3)
        last = robot.sent("aibot_send_msg")[-1]
        assert last["chatid"] == "li1" and last["markdown"]["content"].startswith("预警1已签收")
        assert wecom.app_messages == []
    finally:
        await rt.app.stop()
        rt.store.close()
        await robot.close()
        await wecom.stop()


def test_robot_media_decrypts_and_refuses_what_does_not_fit() -> None:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    from bot.transport.wecom.robot_media import MediaError, decrypt, wanted

    key = bytes(range(32))
    data = b"\x89PNG" + bytes(100)
    pad = 32 - len(data) % 32
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    sealed = enc.update(data + bytes([pad]) * pad) + enc.finalize()
    aeskey = base64.b64encode(key).decode().rstrip("=")  # WeCom may drop the padding
    assert decrypt(sealed, aeskey) == data
    with pytest.raises(MediaError, match="填充"):
        decrypt(sealed, base64.b64encode(bytes(32)).decode())
    with pytest.raises(MediaError, match="密钥"):
        decrypt(sealed, "c2hvcnQ=")
    image = {"url": "http://x/y", "aeskey": aeskey}
    assert wanted({"msgtype": "image", "chattype": "single", "image": image})
    assert not wanted({"msgtype": "image", "chattype": "group", "image": image})
    assert not wanted({"msgtype": "text", "chattype": "single", "text": {"content": "收到"}})
