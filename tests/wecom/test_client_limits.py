"""Rate limits and an unreachable WeCom: 45009/45033 back off with jitter (the sleeps are
recorded, nothing waits), and network failures become transient Chinese errors."""

from __future__ import annotations

import asyncio
import socket

import pytest

from bot.clock import SimClock
from bot.transport.base import FatalTransportError
from bot.transport.wecom import WecomApiSettings, WecomClient, WecomError
from tests.wecom.conftest import CORP, Sleeps, settings_for
from tests.wecom.fake_server import FakeWecom
from tests.wecom.fake_world import FakeOptions

GET = "externalcontact/groupchat/get"


@pytest.mark.parametrize("options", [FakeOptions(rate_overrides={GET: 1})])
async def test_45009_backs_off_exponentially_until_the_block_lifts(
    fake: FakeWecom, clock: SimClock, sleeps: Sleeps
) -> None:
    settings = settings_for(fake, backoff_initial=10.0, backoff_max=25.0)
    async with WecomClient(settings, clock=clock, sleep=sleeps) as client:
        await client.group_chat("wrlj1a")
        chat = await client.group_chat("wrlj1b")  # blocked for 60 s by the fake's clock
    assert chat.chat_id == "wrlj1b"
    assert fake.count(GET, 45009) == len(sleeps.delays) >= 3
    ceilings = [10.0, 20.0, 25.0, 25.0, 25.0]
    for delay, ceiling in zip(sleeps.delays, ceilings, strict=False):
        assert ceiling / 2 <= delay <= ceiling
    assert sum(sleeps.delays[:-1]) < 60 <= sum(sleeps.delays)


@pytest.mark.parametrize("options", [FakeOptions(rate_overrides={GET: 1})])
async def test_45009_gives_up_after_max_retries_with_a_chinese_reason(
    fake: FakeWecom, client: WecomClient, sleeps: Sleeps
) -> None:
    await client.group_chat("wrlj1a")
    with pytest.raises(WecomError) as info:
        await client.group_chat("wrlj1a")
    err = info.value
    assert err.errcode == 45009 and err.retry_later
    assert not isinstance(err, FatalTransportError)
    assert "频率" in str(err) and "groupchat/get" in str(err)
    assert len(sleeps.delays) == 5 and sum(sleeps.delays) <= 31


def test_backoff_is_bounded_and_jittered() -> None:
    from bot.transport.wecom.api import WecomApi

    api = WecomApi(WecomApiSettings(CORP, "s", backoff_initial=1.0, backoff_max=8.0))
    delays = [api.backoff(n) for n in range(8)]
    for n, delay in enumerate(delays):
        ceiling = min(8.0, 2.0**n)
        assert ceiling / 2 <= delay <= ceiling
    assert len(set(delays)) > 1


@pytest.mark.parametrize("options", [FakeOptions(concurrency=1)])
async def test_45033_concurrency_backs_off_and_retries(fake: FakeWecom, clock: SimClock) -> None:
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)
        fake.release(GET)  # the first request answers while the second waits
        for _ in range(100):
            if not fake.limits.in_flight[GET]:
                return
            await asyncio.sleep(0)

    async with WecomClient(settings_for(fake), clock=clock, sleep=sleep) as client:
        await client.api.token()
        fake.hold(GET)
        first = asyncio.create_task(client.group_chat("wrlj1a"))
        while not fake.limits.in_flight[GET]:
            await asyncio.sleep(0)
        second = await client.group_chat("wrlj1b")
        assert (await first).chat_id == "wrlj1a"
    assert second.chat_id == "wrlj1b"
    assert fake.count(GET, 45033) == 1 and len(delays) == 1


async def test_connection_refused_is_transient_and_says_wecom_is_unreachable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = WecomApiSettings(CORP, "s", base_url=f"http://127.0.0.1:{port}")
    async with WecomClient(settings) as client:
        with pytest.raises(WecomError) as info:
            await client.remind_group_msg("msg1")
    err = info.value
    assert err.errcode is None and err.retry_later
    assert not isinstance(err, FatalTransportError)
    assert "企业微信接口暂时连不上" in str(err) and "gettoken" in str(err)
    assert "不会丢失" in str(err)


async def test_a_timeout_is_transient(fake: FakeWecom, clock: SimClock) -> None:
    settings = settings_for(fake, request_timeout=0.2)
    async with WecomClient(settings, clock=clock) as client:
        await client.api.token()
        fake.hold(GET)
        with pytest.raises(WecomError, match=r"暂时连不上.*请求超时") as info:
            await client.group_chat("wrlj1a")
        fake.release(GET)
    assert info.value.retry_later


async def test_a_reply_that_is_not_wecom_json_is_transient(clock: SimClock) -> None:
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    async def gateway_page(_request: web.Request) -> web.Response:
        return web.Response(text="<html>网关错误</html>")

    app = web.Application()
    app.router.add_get("/cgi-bin/gettoken", gateway_page)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        base = str(server.make_url("")).rstrip("/")
        async with WecomClient(WecomApiSettings(CORP, "s", base_url=base), clock=clock) as c:
            with pytest.raises(WecomError, match="不是企业微信的 JSON") as info:
                await c.api.token()
    finally:
        await server.close()
    assert info.value.retry_later
