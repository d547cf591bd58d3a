"""WechatyTransport's connection against a real gateway: login, stop and start again,
fatal start-up errors (token, TLS), reconnect after a gateway crash and after a hang
(watchdog), and taking over an event stream left registered.

The crash and hang tests kill or freeze the module's gateway; the next test's reset starts
or thaws it again. The TLS test needs a gateway with TLS on, so it starts its own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest

from bot.transport.base import FatalTransportError, TransportError
from bot.transport.wechaty import WechatyTransport
from tests.wechaty.harness import Gateway, running_gateway
from tests.wechaty.scenario import (
    BOT_ID,
    BOT_NAME,
    VILLAGE_1,
    VILLAGE_2,
    next_message,
    settings_for,
    wait_until,
)

pytestmark = [pytest.mark.gateway, pytest.mark.asyncio(loop_scope="module")]

LOGGER = "bot.transport.wechaty"


async def test_login_records_self_id(gateway: Gateway, transport: WechatyTransport) -> None:
    assert transport.status.connected
    assert transport.status.self_id == BOT_ID
    assert transport.status.self_name == BOT_NAME
    assert transport.status.last_event_at is not None
    assert transport.status.reconnects == 0
    await transport.stop()
    assert not transport.status.connected


async def test_stop_then_start_again_same_world(gateway: Gateway) -> None:
    t = WechatyTransport(settings_for(gateway))
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


async def test_wrong_token_is_fatal_quickly(gateway: Gateway) -> None:
    t = WechatyTransport(settings_for(gateway, token="insecure_wrongtoken"))
    began = time.monotonic()
    with pytest.raises(FatalTransportError) as info:
        await t.start()
    assert time.monotonic() - began < 3
    message = str(info.value)
    assert f"无法连接 Wechaty 服务 {gateway.endpoint}" in message
    assert "令牌（token）错误" in message and "WECHATY_PUPPET_SERVICE_TOKEN" in message
    assert not t.status.connected and t.status.last_error == message


async def test_tls_with_the_service_ca_and_mismatches(gateway: Gateway, tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    async with running_gateway(tls=True, ca_out=ca) as gw:
        # verified TLS: the service's CA, server name from the token prefix ("insecure")
        t = WechatyTransport(settings_for(gw, tls=True, ca_file=str(ca)))
        await t.start()
        try:
            assert t.status.self_id == BOT_ID
        finally:
            await t.stop()
        # the system CAs do not know the service's self-signed CA
        with pytest.raises(FatalTransportError, match="TLS 证书校验失败"):
            await WechatyTransport(settings_for(gw, tls=True)).start()
        # plaintext against TLS: "Connection lost"
        with pytest.raises(FatalTransportError, match="服务端可能启用了 TLS"):
            await WechatyTransport(settings_for(gw, tls=False)).start()
    # TLS against plaintext: the module's gateway
    with pytest.raises(FatalTransportError, match="TLS 握手失败"):
        await WechatyTransport(settings_for(gateway, tls=True, verify=False)).start()


async def test_reconnects_after_gateway_restart(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    delays: list[float] = []

    async def recording_sleep(seconds: float) -> None:
        delays.append(seconds)
        await asyncio.sleep(seconds)

    t = WechatyTransport(settings_for(gateway), sleep=recording_sleep, random=lambda: 1.0)
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


async def test_watchdog_reconnects_a_hung_service(gateway: Gateway) -> None:
    t = WechatyTransport(settings_for(gateway, watchdog_seconds=2.5, rpc_timeout=1.0))
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


async def test_takes_over_an_event_stream_left_registered(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    first = WechatyTransport(settings_for(gateway))
    await first.start()
    # another client with the same token: its stop()+start() ends our stream and registers
    # its own (it then backs off for good, so nothing flaps)
    other = WechatyTransport(settings_for(gateway, backoff_initial=100, backoff_max=100))
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
