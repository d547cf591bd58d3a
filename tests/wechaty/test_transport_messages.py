"""WechatyTransport against a real Wechaty puppet-service gateway (Node, wechaty-puppet-mock):
rooms and members, inbound text/image/file/link, sends (mentions, files byte-exact, big
files streamed, link cards), self-message filtering and duplicate events."""

from __future__ import annotations

import hashlib
import random
import struct
import time
import zlib
from pathlib import Path

import pytest

from bot.domain.model import MessageKind
from bot.transport.base import ContactInfo, FatalTransportError, RoomInfo, TransportError
from bot.transport.wechaty import WechatyTransport
from tests.wechaty.harness import Gateway, sent_bytes
from tests.wechaty.scenario import (
    BOT_ID,
    COMMAND_ROOM,
    DEFAULT_WORLD,
    VILLAGE_1,
    VILLAGE_2,
    next_message,
    settings_for,
)

pytestmark = [pytest.mark.gateway, pytest.mark.asyncio(loop_scope="module")]


def make_png(path: Path, width: int = 256, height: int = 256, seed: int = 7) -> bytes:
    """Write a valid, incompressible RGB PNG (~200 KB at 256×256) and return its bytes."""
    rnd = random.Random(seed)
    raw = b"".join(b"\x00" + rnd.randbytes(width * 3) for _ in range(height))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 1))
        + chunk(b"IEND", b"")
    )
    path.write_bytes(png)
    return png


def make_blob(path: Path, size: int, seed: int = 11) -> bytes:
    """Write `size` random bytes (all 256 byte values, so any mangling shows)."""
    data = random.Random(seed).randbytes(size)
    path.write_bytes(data)
    return data


def sha256(data: bytes | None) -> str:
    """Hex digest (None → empty string)."""
    return hashlib.sha256(data).hexdigest() if data is not None else ""


async def test_list_rooms_and_members(transport: WechatyTransport) -> None:
    rooms = await transport.list_groups()
    assert rooms == [
        RoomInfo(COMMAND_ROOM, "东风镇反诈指挥群"),
        RoomInfo(VILLAGE_1, "一村反诈群"),
        RoomInfo(VILLAGE_2, "二村反诈群"),
    ]
    members = await transport.group_members(VILLAGE_1)
    assert [m.id for m in members] == [BOT_ID, "pusher1", "hh11", "hh12", "hh13"]
    assert ContactInfo("pusher1", "李推送", "一村小李") in members
    assert ContactInfo("hh11", "张大爷", "") in members


async def test_room_text_arrives(gateway: Gateway, transport: WechatyTransport) -> None:
    messages = transport.messages()
    sent_id = await gateway.say("hh11", "收到，已转给家里人", VILLAGE_1, mentions=[BOT_ID])
    msg = await next_message(messages)
    assert msg.id == sent_id
    assert msg.group == VILLAGE_1
    assert msg.sender == "hh11"
    assert msg.text == "收到，已转给家里人"
    assert msg.kind is MessageKind.TEXT
    assert msg.mentions == (BOT_ID,)
    assert msg.at.tzinfo is not None
    assert abs(time.time() - msg.at.timestamp()) < 60

    await gateway.say("office", "查询进度", None)
    private = await next_message(messages)
    assert private.private and private.group is None
    assert (private.sender, private.text, private.mentions) == ("office", "查询进度", ())


async def test_private_image_arrives_byte_exact(
    gateway: Gateway, transport: WechatyTransport, tmp_path: Path
) -> None:
    png = make_png(tmp_path / "evidence.png")
    assert 190_000 < len(png) < 220_000
    messages = transport.messages()
    await gateway.send_image("hh21", tmp_path / "evidence.png", None, name="x.png")
    msg = await next_message(messages)
    assert msg.kind is MessageKind.IMAGE
    assert msg.private and msg.sender == "hh21"
    assert msg.filename == "x.png"
    assert sha256(msg.data) == sha256(png)


async def test_file_and_link_arrive(
    gateway: Gateway, transport: WechatyTransport, tmp_path: Path
) -> None:
    blob = make_blob(tmp_path / "通报.pdf", 150_000)
    messages = transport.messages()
    await gateway.send_file("office", tmp_path / "通报.pdf", COMMAND_ROOM)
    msg = await next_message(messages)
    assert (msg.kind, msg.group, msg.filename) == (MessageKind.FILE, COMMAND_ROOM, "通报.pdf")
    assert sha256(msg.data) == sha256(blob)

    await gateway.send_link("pusher1", "警惕刷单诈骗", "https://example.org/a", VILLAGE_1)
    link = await next_message(messages)
    assert link.kind is MessageKind.LINK
    assert link.text == "警惕刷单诈骗\nhttps://example.org/a"


async def test_send_text_with_mentions(gateway: Gateway, transport: WechatyTransport) -> None:
    message_id = await transport.send_text(VILLAGE_1, "请签收今天的反诈提醒", ["hh11", "pusher1"])
    sent = await gateway.next_sent(to=VILLAGE_1)
    assert sent["kind"] == "text"
    assert sent["mentions"] == ["hh11", "pusher1"]
    # WeChat shows the text as sent: the names go in front (room nickname where there is one)
    assert sent["text"] == "@张大爷\u2005@一村小李\u2005请签收今天的反诈提醒"
    assert message_id == sent["messageId"]

    await transport.send_text(VILLAGE_2, "@孙奶奶 记得回执", ["hh21"])
    again = await gateway.next_sent(to=VILLAGE_2)
    assert again["text"] == "@孙奶奶 记得回执"  # already named: not doubled
    assert again["mentions"] == ["hh21"]

    await transport.send_text("office", "私聊消息")
    private = await gateway.next_sent(to="office")
    assert (private["text"], private["mentions"]) == ("私聊消息", [])


async def test_send_file_and_image_byte_exact(
    gateway: Gateway, transport: WechatyTransport, tmp_path: Path
) -> None:
    blob = make_blob(tmp_path / "防诈手册.pdf", 400_000)
    file_id = await transport.send_file(VILLAGE_1, str(tmp_path / "防诈手册.pdf"))
    sent = await gateway.next_sent(to=VILLAGE_1)
    assert (sent["kind"], sent["name"]) == ("file", "防诈手册.pdf")
    assert sha256(sent_bytes(sent)) == sha256(blob)
    assert file_id == sent["messageId"]

    png = make_png(tmp_path / "poster.png")
    await transport.send_image(COMMAND_ROOM, str(tmp_path / "poster.png"))
    image = await gateway.next_sent(to=COMMAND_ROOM)
    assert (image["kind"], image["name"]) == ("image", "poster.png")
    assert sha256(sent_bytes(image)) == sha256(png)


async def test_send_big_file_streams_byte_exact(
    gateway: Gateway, transport: WechatyTransport, tmp_path: Path
) -> None:
    # above the inline limit (and above gRPC's 4 MiB message limit once in base64)
    blob = make_blob(tmp_path / "宣传片.mp4", 3_500_000)
    message_id = await transport.send_file(VILLAGE_2, str(tmp_path / "宣传片.mp4"))
    sent = await gateway.next_sent(to=VILLAGE_2, timeout=20)
    assert sent["name"] == "宣传片.mp4"
    assert sha256(sent_bytes(sent)) == sha256(blob)
    assert message_id == sent["messageId"]


async def test_send_missing_file_is_a_transport_error(transport: WechatyTransport) -> None:
    with pytest.raises(TransportError, match="读取文件") as info:
        await transport.send_file(VILLAGE_1, "/nonexistent/手册.pdf")
    assert not isinstance(info.value, FatalTransportError)


async def test_send_link_card(gateway: Gateway, transport: WechatyTransport) -> None:
    await transport.send_link(VILLAGE_1, "国家反诈中心", "https://example.org/app", "下载")
    sent = await gateway.next_sent(to=VILLAGE_1)
    assert sent["kind"] == "url"
    assert (sent["title"], sent["url"], sent["description"]) == (
        "国家反诈中心",
        "https://example.org/app",
        "下载",
    )


async def test_send_link_degrades_to_text(gateway: Gateway) -> None:
    await gateway.reset({**DEFAULT_WORLD, "urlLinks": False})
    t = WechatyTransport(settings_for(gateway))
    await t.start()
    try:
        await t.send_link(VILLAGE_1, "国家反诈中心", "https://example.org/app")
        sent = await gateway.next_sent(to=VILLAGE_1)
    finally:
        await t.stop()
    assert (sent["kind"], sent["text"]) == ("text", "国家反诈中心\nhttps://example.org/app")


async def test_own_sends_are_not_yielded(gateway: Gateway, transport: WechatyTransport) -> None:
    messages = transport.messages()
    await transport.send_text(VILLAGE_1, "机器人自己的消息")
    await gateway.next_sent(to=VILLAGE_1)
    await gateway.say("hh12", "好的", VILLAGE_1)
    msg = await next_message(messages)
    assert (msg.sender, msg.text) == ("hh12", "好的")


async def test_duplicate_event_arrives_twice_with_same_id(
    gateway: Gateway, transport: WechatyTransport
) -> None:
    messages = transport.messages()
    message_id = await gateway.say("pusher2", "已签收", COMMAND_ROOM)
    first = await next_message(messages)
    await gateway.duplicate(message_id)
    second = await next_message(messages)
    assert first.id == second.id == message_id
    assert second.text == "已签收"
