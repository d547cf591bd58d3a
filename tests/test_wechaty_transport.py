"""WechatyTransport against a real Wechaty puppet-service gateway (Node, wechaty-puppet-mock).

Transport level only: login, rooms, inbound text/image/file/link, sends (mentions, files
byte-exact, links), self-message filtering, duplicate events, fatal start-up errors (token,
port, TLS), reconnect after a gateway crash and after a hang (watchdog).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import random
import socket
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.domain.model import IncomingMessage, MessageKind
from bot.transport.base import (
    ContactInfo,
    FatalTransportError,
    RoomInfo,
    Transport,
    TransportError,
)
from bot.transport.wechaty import (
    WechatyConfig,
    WechatyTransport,
    filebox_json,
    message_time,
)
from tests.gateway_harness import (
    BOT_ID,
    BOT_NAME,
    COMMAND_ROOM,
    DEFAULT_WORLD,
    VILLAGE_1,
    VILLAGE_2,
    Gateway,
    running_gateway,
    sent_bytes,
)

LOGGER = "bot.transport.wechaty"


# -- helpers ---------------------------------------------------------------------------------


def config_for(gateway: Gateway, **overrides: Any) -> WechatyConfig:
    """A config for the local gateway: plaintext, short timeouts, fast backoff."""
    values: dict[str, Any] = {
        "endpoint": gateway.endpoint,
        "token": gateway.token,
        "tls": False,
        "watchdog_seconds": 5.0,
        "backoff_initial": 0.05,
        "backoff_max": 0.2,
        "login_timeout": 10.0,
        "rpc_timeout": 5.0,
    }
    values.update(overrides)
    return WechatyConfig(**values)


async def next_message(
    messages: AsyncIterator[IncomingMessage], timeout: float = 10.0
) -> IncomingMessage:
    """The next inbound message, or fail after `timeout` seconds."""
    return await asyncio.wait_for(anext(messages), timeout)


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


def free_port() -> int:
    """A port nothing listens on (bound and released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    """A fresh gateway with the default small town."""
    async with running_gateway() as gw:
        yield gw


@pytest.fixture
async def transport(gateway: Gateway) -> AsyncIterator[WechatyTransport]:
    """A transport logged in to `gateway`."""
    t = WechatyTransport(config_for(gateway))
    await t.start()
    try:
        yield t
    finally:
        await t.stop()


# -- configuration (no gateway needed) -------------------------------------------------------


def test_config_from_env_overrides_base() -> None:
    base = WechatyConfig(endpoint="old:1", token="old_token", ca_file="", watchdog_seconds=9)
    env = {
        "WECHATY_PUPPET_SERVICE_TOKEN": "puppet_padlocal_abc",
        "WECHATY_PUPPET_SERVICE_ENDPOINT": "10.0.0.2:8788",
        "WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT": "true",
    }
    cfg = WechatyConfig.from_env(base, env)
    assert (cfg.endpoint, cfg.token, cfg.tls) == ("10.0.0.2:8788", "puppet_padlocal_abc", False)
    assert cfg.ca_file is None
    assert cfg.watchdog_seconds == 9
    assert cfg.host_port() == ("10.0.0.2", 8788)
    assert cfg.tls_server_name() == "puppet_padlocal"


def test_config_from_env_accepts_a_config_section_and_keeps_it_without_env() -> None:
    section = SimpleNamespace(
        endpoint="[::1]:8788", token="t", tls=True, ca_file="/etc/ca.pem", verify=False
    )
    cfg = WechatyConfig.from_env(section, {})
    assert cfg.host_port() == ("::1", 8788)
    assert (cfg.tls, cfg.ca_file, cfg.verify) == (True, "/etc/ca.pem", False)
    assert cfg.tls_server_name() is None  # no "_" in the token: the endpoint host


@pytest.mark.parametrize("endpoint", ["", "localhost", "host:", "host:abc", "host:70000"])
def test_bad_endpoint_is_fatal_in_chinese(endpoint: str) -> None:
    with pytest.raises(FatalTransportError, match="格式不对，应为 主机:端口"):
        WechatyConfig(endpoint=endpoint, token="t").host_port()


def test_backoff_is_exponential_with_jitter_and_capped() -> None:
    cfg = WechatyConfig(endpoint="h:1", token="t", backoff_initial=1, backoff_max=60)
    high = WechatyTransport(cfg, random=lambda: 1.0)
    low = WechatyTransport(cfg, random=lambda: 0.0)
    assert [high._backoff(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert [low._backoff(n) for n in range(1, 4)] == [0.5, 1, 2]


def test_filebox_json_is_base64_filebox() -> None:
    data = bytes(range(256)) * 3
    box = json.loads(filebox_json(data, "海报.png"))
    assert box["type"] == 1 and box["boxType"] == 1
    assert box["name"] == "海报.png" and box["size"] == len(data)
    assert base64.b64decode(box["base64"]) == data


def test_message_time_reads_milliseconds_and_seconds() -> None:
    assert message_time(1_700_000_000_000) == message_time(1_700_000_000)
    assert message_time(1_700_000_000).tzinfo is not None


async def test_start_without_endpoint_is_fatal() -> None:
    t = WechatyTransport(WechatyConfig(endpoint="", token="t"))
    with pytest.raises(FatalTransportError, match="无法连接 Wechaty 服务"):
        await t.start()
    assert not t.status.connected
    assert t.status.last_error and "格式不对" in t.status.last_error


def test_grpc_packages_are_imported_lazily() -> None:
    code = (
        "import sys, bot.transport.wechaty as w; "
        "w.WechatyConfig.from_env(None, {}); "
        "print(sorted(m for m in ('grpclib', 'wechaty_grpc', 'betterproto') if m in sys.modules))"
    )
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


async def test_send_before_start_raises_transport_error() -> None:
    t = WechatyTransport(WechatyConfig(endpoint="127.0.0.1:1", token="t"))
    assert isinstance(t, Transport)
    with pytest.raises(TransportError, match="未连接"):
        await t.send_text(VILLAGE_1, "你好")


# -- against the gateway ---------------------------------------------------------------------


@pytest.mark.gateway
async def test_login_records_self_id(gateway: Gateway, transport: WechatyTransport) -> None:
    assert transport.status.connected
    assert transport.status.self_id == BOT_ID
    assert transport.status.self_name == BOT_NAME
    assert transport.status.last_event_at is not None
    assert transport.status.reconnects == 0
    await transport.stop()
    assert not transport.status.connected


@pytest.mark.gateway
async def test_stop_then_start_again_same_world(gateway: Gateway) -> None:
    t = WechatyTransport(config_for(gateway))
    await t.start()
    await t.stop()
    await t.start()  # the mock logs out and in again; the world stays
    try:
        assert t.status.self_id == BOT_ID
        assert len(await t.list_groups()) == 3
        # the end marker of the first stop() does not end a new consumer
        messages = t.messages()
        await gateway.say("hh11", "又开始了", VILLAGE_1)
        assert (await next_message(messages)).text == "又开始了"
    finally:
        await t.stop()


@pytest.mark.gateway
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


@pytest.mark.gateway
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


@pytest.mark.gateway
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


@pytest.mark.gateway
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


@pytest.mark.gateway
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


@pytest.mark.gateway
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


@pytest.mark.gateway
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


@pytest.mark.gateway
async def test_send_missing_file_is_a_transport_error(transport: WechatyTransport) -> None:
    with pytest.raises(TransportError, match="读取文件") as info:
        await transport.send_file(VILLAGE_1, "/nonexistent/手册.pdf")
    assert not isinstance(info.value, FatalTransportError)


@pytest.mark.gateway
async def test_send_link_card(gateway: Gateway, transport: WechatyTransport) -> None:
    await transport.send_link(VILLAGE_1, "国家反诈中心", "https://example.org/app", "下载")
    sent = await gateway.next_sent(to=VILLAGE_1)
    assert sent["kind"] == "url"
    assert (sent["title"], sent["url"], sent["description"]) == (
        "国家反诈中心",
        "https://example.org/app",
        "下载",
    )


@pytest.mark.gateway
async def test_send_link_degrades_to_text() -> None:
    async with running_gateway({**DEFAULT_WORLD, "urlLinks": False}) as gw:
        t = WechatyTransport(config_for(gw))
        await t.start()
        try:
            await t.send_link(VILLAGE_1, "国家反诈中心", "https://example.org/app")
            sent = await gw.next_sent(to=VILLAGE_1)
        finally:
            await t.stop()
    assert (sent["kind"], sent["text"]) == ("text", "国家反诈中心\nhttps://example.org/app")


@pytest.mark.gateway
async def test_own_sends_are_not_yielded(gateway: Gateway, transport: WechatyTransport) -> None:
    messages = transport.messages()
    await transport.send_text(VILLAGE_1, "机器人自己的消息")
    await gateway.next_sent(to=VILLAGE_1)
    await gateway.say("hh12", "好的", VILLAGE_1)
    msg = await next_message(messages)
    assert (msg.sender, msg.text) == ("hh12", "好的")


@pytest.mark.gateway
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


@pytest.mark.gateway
async def test_wrong_token_is_fatal_quickly(gateway: Gateway) -> None:
    t = WechatyTransport(config_for(gateway, token="insecure_wrongtoken"))
    began = time.monotonic()
    with pytest.raises(FatalTransportError) as info:
        await t.start()
    assert time.monotonic() - began < 3
    message = str(info.value)
    assert f"无法连接 Wechaty 服务 {gateway.endpoint}" in message
    assert "令牌（token）错误" in message and "WECHATY_PUPPET_SERVICE_TOKEN" in message
    assert not t.status.connected and t.status.last_error == message


async def test_unreachable_port_is_fatal_quickly() -> None:
    endpoint = f"127.0.0.1:{free_port()}"
    t = WechatyTransport(WechatyConfig(endpoint=endpoint, token="t", tls=False))
    began = time.monotonic()
    with pytest.raises(FatalTransportError) as info:
        await t.start()
    assert time.monotonic() - began < 3
    assert f"无法连接 Wechaty 服务 {endpoint}：连接被拒绝" in str(info.value)


@pytest.mark.gateway
async def test_tls_with_the_service_ca_and_mismatches(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    async with running_gateway(tls=True, ca_out=ca) as gw:
        # verified TLS: the service's CA, server name from the token prefix ("insecure")
        t = WechatyTransport(config_for(gw, tls=True, ca_file=str(ca)))
        await t.start()
        try:
            assert t.status.self_id == BOT_ID
        finally:
            await t.stop()
        # the system CAs do not know the service's self-signed CA
        with pytest.raises(FatalTransportError, match="TLS 证书校验失败"):
            await WechatyTransport(config_for(gw, tls=True)).start()
        # plaintext against TLS: "Connection lost"
        with pytest.raises(FatalTransportError, match="服务端可能启用了 TLS"):
            await WechatyTransport(config_for(gw, tls=False)).start()
    async with running_gateway() as plain:
        with pytest.raises(FatalTransportError, match="TLS 握手失败"):
            await WechatyTransport(config_for(plain, tls=True, verify=False)).start()


@pytest.mark.gateway
async def test_reconnects_after_gateway_restart(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    delays: list[float] = []

    async def recording_sleep(seconds: float) -> None:
        delays.append(seconds)
        await asyncio.sleep(seconds)

    t = WechatyTransport(config_for(gateway), sleep=recording_sleep, random=lambda: 1.0)
    await t.start()
    try:
        messages = t.messages()
        await gateway.say("hh11", "重启前", VILLAGE_1)
        assert (await next_message(messages)).text == "重启前"

        await gateway.kill()
        await t.wait_connected(False, timeout=5)
        with pytest.raises(TransportError, match="未连接") as info:
            await t.send_text(VILLAGE_1, "断线时发送")
        assert not isinstance(info.value, FatalTransportError)

        await gateway.restart()
        await t.wait_connected(True, timeout=15)
        assert t.status.reconnects == 1
        assert t.status.self_id == BOT_ID

        await gateway.say("hh21", "重启后", VILLAGE_2)
        after = await next_message(messages)  # the same iterator goes on
        assert (after.sender, after.group, after.text) == ("hh21", VILLAGE_2, "重启后")
        await t.send_text(VILLAGE_2, "已恢复")
        assert (await gateway.next_sent(to=VILLAGE_2))["text"] == "已恢复"
    finally:
        await t.stop()
    # exponential from backoff_initial, capped at backoff_max (jitter pinned by random=1.0)
    assert delays[:3] == [0.05, 0.1, 0.2]
    assert max(delays) == 0.2
    logs = caplog.text
    assert "连接断开" in logs and "秒后重连（第 1 次）" in logs
    assert "已重新连接" in logs


async def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll `condition` until true; TimeoutError after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


@pytest.mark.gateway
async def test_watchdog_reconnects_a_hung_service(gateway: Gateway) -> None:
    t = WechatyTransport(config_for(gateway, watchdog_seconds=2.5, rpc_timeout=1.0))
    await t.start()
    try:
        messages = t.messages()
        gateway.freeze()  # sockets stay open, nothing arrives
        try:
            await t.wait_connected(False, timeout=8)
            assert t.status.last_error and "没有收到任何事件" in t.status.last_error
            # reconnecting to the hung service times out instead of hanging
            await wait_until(lambda: (t.status.last_error or "").startswith("重连失败"), 8)
            assert not t.status.connected
        finally:
            gateway.thaw()
        await t.wait_connected(True, timeout=15)
        assert t.status.reconnects == 1
        await gateway.say("hh13", "恢复了吗", VILLAGE_1)
        msg = await next_message(messages)
        assert (msg.sender, msg.text) == ("hh13", "恢复了吗")
    finally:
        await t.stop()


@pytest.mark.gateway
async def test_takes_over_an_event_stream_left_registered(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    first = WechatyTransport(config_for(gateway))
    await first.start()
    # another client with the same token: its stop()+start() ends our stream and registers
    # its own (it then backs off for good, so nothing flaps)
    other = WechatyTransport(config_for(gateway, backoff_initial=100, backoff_max=100))
    try:
        await other.start()
        await wait_until(lambda: first.status.reconnects >= 1 and first.status.connected)
        assert "服务端已有另一个事件流" in caplog.text
        await other.wait_connected(False, timeout=5)  # taken over
        messages = first.messages()
        await gateway.say("hh22", "接管后", VILLAGE_2)
        assert (await next_message(messages)).text == "接管后"
    finally:
        await other.stop()
        await first.stop()
