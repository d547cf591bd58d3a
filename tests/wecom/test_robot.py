"""The smart robot's long connection against the fake WeCom WebSocket on 127.0.0.1.

Waits are event-driven with small bounds; the only real delays are the injected tiny
reconnect/heartbeat intervals on a local socket.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path

import pytest

from bot.domain.model import IncomingMessage
from bot.nlp.quote import split_quote
from bot.transport.base import FatalTransportError, TransportError
from bot.transport.wecom.robot import RobotChannel, RobotSettings
from bot.transport.wecom.robot_frames import upload_plan
from tests.wecom.fake_robot import FakeRobotServer

BOT = "aib-test"
SECRET = "s3cret"
COMMAND_CHAT = "wrkSFfCgAAcommand"


@pytest.fixture
async def fake() -> AsyncIterator[FakeRobotServer]:
    server = FakeRobotServer({BOT: SECRET})
    await server.start()
    yield server
    await server.close()


def settings_for(fake: FakeRobotServer, **overrides: object) -> RobotSettings:
    base = RobotSettings(
        bot_id=BOT,
        secret=SECRET,
        command_chats={COMMAND_CHAT: "指挥群"},
        ws_url=fake.url,
        robot_name="反诈助手",
        heartbeat_interval=3600,
        ack_timeout=2,
        reconnect_base=0.01,
        reconnect_max=0.05,
        takeover_retry=0.01,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


@pytest.fixture
async def channel(fake: FakeRobotServer) -> AsyncIterator[RobotChannel]:
    robot = RobotChannel(settings_for(fake), display_name={"lisi": "李四"}.get)
    await robot.start()
    yield robot
    await robot.stop()


async def until(check: Callable[[], object], timeout: float = 3.0) -> None:
    """Wait (bounded) for the channel's side of the socket to catch up."""
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.005)


async def next_message(robot: RobotChannel) -> IncomingMessage:
    async with asyncio.timeout(3):
        return await anext(aiter(robot.messages()))


async def test_subscribe_is_acked(fake: FakeRobotServer, channel: RobotChannel) -> None:
    assert channel.status.connected
    assert fake.sent("aibot_subscribe") == [{"bot_id": BOT, "secret": SECRET}]
    subscribe = fake.frames[0]
    assert subscribe["headers"]["req_id"].startswith("aibot_subscribe_")
    assert BOT in fake.current


async def test_leader_group_mention_arrives_without_the_mention(
    fake: FakeRobotServer, channel: RobotChannel
) -> None:
    await fake.group_message(BOT, COMMAND_CHAT, "zhangsan", "@反诈助手 进度")
    msg = await next_message(channel)
    assert (msg.group, msg.sender, msg.text) == ("指挥群", "zhangsan", "进度")
    assert msg.id.startswith("msg") and not msg.private
    assert msg.mentions == (BOT,)


async def test_quote_reads_like_any_quote_reply(
    fake: FakeRobotServer, channel: RobotChannel
) -> None:
    quote = {"msgtype": "text", "text": {"content": "第3期 反诈提醒"}}
    await fake.group_message(BOT, COMMAND_CHAT, "zhangsan", "@反诈助手 签收", quote=quote)
    msg = await next_message(channel)
    split = split_quote(msg.text)
    assert (split.reply, split.quoted) == ("签收", "第3期 反诈提醒")


async def test_other_groups_and_media_are_skipped_single_chat_is_private(
    fake: FakeRobotServer, channel: RobotChannel
) -> None:
    await fake.group_message(BOT, "wrkOTHER", "zhangsan", "@反诈助手 进度")
    await fake.group_message(BOT, COMMAND_CHAT, "zhangsan", "", msgtype="image")
    await fake.single_message(BOT, "wangwu", "排名")
    msg = await next_message(channel)
    assert (msg.group, msg.sender, msg.text) == (None, "wangwu", "排名")
    assert msg.private


async def test_without_robot_name_the_leading_mention_is_stripped(fake: FakeRobotServer) -> None:
    robot = RobotChannel(settings_for(fake, robot_name=""))
    await robot.start()
    try:
        await fake.group_message(BOT, COMMAND_CHAT, "zhangsan", "@机器人\u2005今日排名")
        assert (await next_message(robot)).text == "今日排名"
    finally:
        await robot.stop()


async def test_proactive_send_is_markdown_to_the_chat(
    fake: FakeRobotServer, channel: RobotChannel
) -> None:
    await channel.send_text("指挥群", "**日报**\n覆盖率 87%", mentions=["lisi", "zhaoliu"])
    await channel.send_text("zhangsan", "私聊回复")
    sends = fake.sent("aibot_send_msg")
    assert sends[0] == {
        "chatid": COMMAND_CHAT,
        "msgtype": "markdown",
        "markdown": {"content": "@李四 @zhaoliu\n**日报**\n覆盖率 87%"},
    }
    assert sends[1]["chatid"] == "zhangsan"


async def test_long_text_is_split(fake: FakeRobotServer, channel: RobotChannel) -> None:
    lines = [f"第{i}行：" + "反诈" * 40 for i in range(60)]
    await channel.send_text("指挥群", "\n".join(lines))
    pieces = [b["markdown"]["content"] for b in fake.sent("aibot_send_msg")]
    assert len(pieces) > 1
    assert all(len(p.encode()) <= 4096 for p in pieces)
    assert "\n".join(pieces) == "\n".join(lines)


async def test_refused_send_is_a_chinese_transport_error(
    fake: FakeRobotServer, channel: RobotChannel
) -> None:
    fake.send_errors.append((93008, "not in group"))
    with pytest.raises(TransportError, match=r"aibot_send_msg.*93008"):
        await channel.send_text("指挥群", "日报")


async def test_image_goes_through_the_chunked_upload(
    fake: FakeRobotServer, channel: RobotChannel, tmp_path: Path
) -> None:
    data = bytes(range(256)) * 4100  # 1,049,600 bytes: three chunks
    chart = tmp_path / "chart.png"
    chart.write_bytes(data)
    await channel.send_image("指挥群", str(chart))
    (init,) = fake.sent("aibot_upload_media_init")
    assert init == {
        "type": "image",
        "filename": "chart.png",
        "total_size": len(data),
        "total_chunks": 3,
        "md5": hashlib.md5(data).hexdigest(),
    }
    chunks = fake.sent("aibot_upload_media_chunk")
    assert [c["chunk_index"] for c in chunks] == [0, 1, 2]
    assert all(len(base64.b64decode(c["base64_data"])) <= 512 * 1024 for c in chunks)
    assert len(fake.sent("aibot_upload_media_finish")) == 1
    (send,) = fake.sent("aibot_send_msg")
    assert send["chatid"] == COMMAND_CHAT and send["msgtype"] == "image"
    assert fake.media[send["image"]["media_id"]] == data


async def test_reconnects_after_a_drop_and_keeps_delivering(
    fake: FakeRobotServer, channel: RobotChannel
) -> None:
    await fake.drop(BOT)
    await fake.wait_for(lambda: fake.subscriptions == 2 and BOT in fake.current)
    await fake.group_message(BOT, COMMAND_CHAT, "zhangsan", "@反诈助手 进度")
    assert (await next_message(channel)).text == "进度"
    await channel.send_text("指挥群", "好")
    assert fake.sent("aibot_send_msg")[-1]["markdown"]["content"] == "好"
    assert channel.status.reconnects == 1 and channel.status.connected


async def test_send_while_disconnected_fails_for_the_outbox_to_retry(
    fake: FakeRobotServer,
) -> None:
    robot = RobotChannel(settings_for(fake, reconnect_base=30, reconnect_max=30))
    await robot.start()
    try:
        await fake.drop(BOT)
        await until(lambda: not robot.status.connected)
        with pytest.raises(TransportError, match=r"长连接未建立.*稍后重发"):
            await robot.send_text("指挥群", "日报")
    finally:
        await robot.stop()


@pytest.mark.parametrize(
    ("bot_id", "secret", "code"), [(BOT, "wrong", "853000"), ("aib-nobody", SECRET, "93019")]
)
async def test_wrong_credentials_are_fatal_and_say_what_to_check(
    fake: FakeRobotServer, bot_id: str, secret: str, code: str
) -> None:
    robot = RobotChannel(settings_for(fake, bot_id=bot_id, secret=secret))
    with pytest.raises(FatalTransportError) as caught:
        await robot.start()
    message = str(caught.value)
    assert "智能机器人" in message and "Bot ID" in message and "Secret" in message
    assert code in message
    assert robot.status.last_error == message and not robot.status.connected


async def test_unreachable_server_is_fatal_at_start(fake: FakeRobotServer) -> None:
    url = fake.url
    await fake.close()
    robot = RobotChannel(settings_for(fake, ws_url=url))
    with pytest.raises(FatalTransportError, match="无法连接企业微信智能机器人"):
        await robot.start()


async def test_heartbeat_pings_are_acked(fake: FakeRobotServer) -> None:
    robot = RobotChannel(settings_for(fake, heartbeat_interval=0.01))
    await robot.start()
    try:
        await fake.wait_for(lambda: len(fake.sent("ping")) >= 3)
        await until(lambda: robot.pings_acked >= 2)
        assert all(
            f["headers"]["req_id"].startswith("ping_") for f in fake.frames if f["cmd"] == "ping"
        )
    finally:
        await robot.stop()


async def test_two_missed_ping_acks_close_the_dead_link_and_reconnect(
    fake: FakeRobotServer,
) -> None:
    robot = RobotChannel(settings_for(fake, heartbeat_interval=0.01, ack_timeout=0.05))
    await robot.start()
    try:
        fake.ack_pings = False
        await until(lambda: fake.subscriptions == 2)
        fake.ack_pings = True
        await until(lambda: robot.status.reconnects == 1 and robot.status.connected)
        assert len(fake.sent("ping")) >= 2
    finally:
        await robot.stop()


async def test_takeover_warns_and_does_not_fight_forever(
    fake: FakeRobotServer, caplog: pytest.LogCaptureFixture
) -> None:
    first = RobotChannel(settings_for(fake, max_takeovers=2))
    second = RobotChannel(settings_for(fake, max_takeovers=1))
    await first.start()
    try:
        await second.start()  # takes over: the first is told and reconnects once...
        await fake.wait_for(lambda: fake.subscriptions == 3)
        # ...which takes the bot back from the second, which gives up at once
        await until(lambda: "不再重连" in (second.status.last_error or ""))
        assert second.status.last_error and "另一个连接" in second.status.last_error
        assert not second.status.connected and second.takeovers == 1
        assert first.takeovers == 1 and first.status.connected
        assert any("另一个连接" in r.getMessage() for r in caplog.records)
        await fake.wait_for(lambda: len(fake.current) == 1)
        await fake.single_message(BOT, "zhangsan", "进度")
        assert (await next_message(first)).text == "进度"
    finally:
        await second.stop()
        await first.stop()


def test_upload_plan_limits() -> None:
    init, chunks = upload_plan("a.png", b"x" * (512 * 1024 + 1), "image")
    assert init["total_chunks"] == 2 and [len(c) for c in chunks] == [512 * 1024, 1]
    with pytest.raises(TransportError, match="5 字节到 50 MB"):
        upload_plan("big.bin", b"x" * (100 * 512 * 1024 + 1), "file")
    with pytest.raises(TransportError, match="现为 3 字节"):
        upload_plan("tiny.png", b"abc", "image")


async def test_rate_limited_subscribe_is_retried_not_fatal(fake: FakeRobotServer) -> None:
    robot = RobotChannel(settings_for(fake))
    await robot.start()
    try:
        fake.subscribe_errors.append((45009, "api freq out of limit"))
        await fake.drop(BOT)
        await until(lambda: robot.status.reconnects == 1)
        assert robot.status.connected and fake.subscriptions == 2
    finally:
        await robot.stop()
