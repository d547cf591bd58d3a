"""Access tokens against the fake: cached per app, refetched once when WeCom drops them early
or they expire, and the Chinese errors for wrong secrets, corpids and trusted IPs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import SimClock
from bot.transport.base import FatalTransportError
from bot.transport.wecom import (
    TokenCache,
    WecomClient,
    WecomConfigError,
    WecomError,
)
from tests.wecom.conftest import (
    CONTACT_SECRET,
    OUTSIDE_SECRET,
    START,
    Sleeps,
    settings_for,
)
from tests.wecom.fake_server import FakeWecom
from tests.wecom.fake_world import FakeOptions


async def test_token_is_fetched_once_and_sent_in_the_query(
    fake: FakeWecom, client: WecomClient
) -> None:
    await client.group_chat("wrlj1a")
    await client.group_chat_ids(["li1"])
    assert fake.count("gettoken") == 1
    assert fake.count("externalcontact/groupchat/get", 0) == 1
    assert len(fake.tokens) == 1


async def test_early_invalidation_midway_refetches_and_the_call_succeeds(
    fake: FakeWecom, client: WecomClient
) -> None:
    chats = await client.group_chat_ids(["li1"])
    fake.invalidate_tokens()
    chat = await client.group_chat(chats[0])
    assert chat.owner == "li1"
    assert fake.count("gettoken") == 2
    assert fake.count("externalcontact/groupchat/get", 40014) == 1


@pytest.mark.parametrize("options", [FakeOptions(invalidation_code=42001)])
async def test_invalidation_answered_with_42001_is_handled_alike(
    fake: FakeWecom, client: WecomClient
) -> None:
    await client.group_chat("wrlj1a")
    fake.invalidate_tokens()
    await client.group_chat("wrlj1a")
    assert fake.count("externalcontact/groupchat/get", 42001) == 1
    assert fake.count("gettoken") == 2


async def test_expiry_on_the_fake_clock_alone_gives_42001_then_a_new_token(
    clock: SimClock, sleeps: Sleeps
) -> None:
    from tests.wecom.conftest import town_world

    fake_clock = SimClock(START)
    fake = FakeWecom(town_world(), fake_clock.now)
    await fake.start()
    try:
        async with WecomClient(settings_for(fake), clock=clock, sleep=sleeps) as client:
            await client.group_chat("wrlj1a")
            fake_clock.advance(7200)  # the client's clock stands still: it trusts its token
            await client.group_chat("wrlj1a")
    finally:
        await fake.stop()
    assert fake.count("externalcontact/groupchat/get", 42001) == 1
    assert fake.count("gettoken") == 2


async def test_the_client_refreshes_before_expiry_on_a_shared_clock(
    fake: FakeWecom, client: WecomClient, clock: SimClock
) -> None:
    await client.group_chat("wrlj1a")
    clock.advance(7200 - 299)  # inside the refresh margin
    await client.group_chat("wrlj1a")
    assert fake.count("gettoken") == 2
    assert fake.count("externalcontact/groupchat/get", 42001) == 0


@pytest.mark.parametrize("options", [FakeOptions(token_life=0)])
async def test_a_token_dead_again_after_refetch_is_a_transient_error(
    fake: FakeWecom, client: WecomClient
) -> None:
    with pytest.raises(WecomError) as info:
        await client.group_chat("wrlj1a")
    err = info.value
    assert err.errcode == 42001 and err.retry_later
    assert not isinstance(err, FatalTransportError)
    assert "获取客户群详情（groupchat/get）" in str(err)
    assert "重新获取一次仍失败" in str(err)
    assert fake.count("gettoken") == 2


async def test_tokens_are_per_app_secret(fake: FakeWecom, clock: SimClock, sleeps: Sleeps) -> None:
    cache = TokenCache()
    one = WecomClient(settings_for(fake), clock=clock, sleep=sleeps, tokens=cache)
    two = WecomClient(settings_for(fake, CONTACT_SECRET), clock=clock, sleep=sleeps, tokens=cache)
    three = WecomClient(settings_for(fake), clock=clock, sleep=sleeps, tokens=cache)
    try:
        for c in (one, two, three):
            await c.group_chat("wrlj2a")
        assert await one.api.token() != await two.api.token()
        assert await one.api.token() == await three.api.token()
    finally:
        for c in (one, two, three):
            await c.close()
    assert fake.count("gettoken") == 2


@pytest.mark.parametrize("options", [FakeOptions(same_token_while_valid=True)])
async def test_older_reading_same_token_while_valid(
    fake: FakeWecom, clock: SimClock, sleeps: Sleeps
) -> None:
    a = WecomClient(settings_for(fake), clock=clock, sleep=sleeps)
    b = WecomClient(settings_for(fake), clock=clock, sleep=sleeps)
    try:
        first = await a.api.token()
        assert await b.api.token() == first
        clock.advance(7200)
        second = await a.api.token()
        assert second != first and await b.api.token() == second
    finally:
        await a.close()
        await b.close()


async def test_wrong_secret_is_fatal_and_names_the_secret_to_use(
    fake: FakeWecom, clock: SimClock, sleeps: Sleeps
) -> None:
    async with WecomClient(settings_for(fake, "nope"), clock=clock, sleep=sleeps) as client:
        with pytest.raises(WecomConfigError) as info:
            await client.group_chat_ids(["li1"])
    err = info.value
    assert isinstance(err, FatalTransportError)
    assert err.errcode == 40001 and err.call == "gettoken"
    assert "获取 access_token（gettoken）" in str(err)
    assert "客户联系" in str(err) and "可调用应用" in str(err)
    assert sleeps.delays == []


async def test_wrong_corpid(fake: FakeWecom, clock: SimClock, sleeps: Sleeps) -> None:
    settings = settings_for(fake)
    from dataclasses import replace

    async with WecomClient(replace(settings, corp_id="ww-other"), clock=clock) as client:
        with pytest.raises(WecomConfigError, match="corp_id") as info:
            await client.group_chat("wrlj1a")
    assert info.value.errcode == 40013


@pytest.mark.parametrize("options", [FakeOptions(failed_gettoken_ban=3)])
async def test_repeated_wrong_secrets_ban_the_ip_for_an_hour(
    fake: FakeWecom, clock: SimClock, sleeps: Sleeps
) -> None:
    async with WecomClient(settings_for(fake, "nope"), clock=clock, sleep=sleeps) as bad:
        for _ in range(3):
            with pytest.raises(WecomConfigError):
                await bad.api.token()
    async with WecomClient(settings_for(fake), clock=clock, sleep=sleeps) as good:
        with pytest.raises(WecomError) as info:
            await good.api.token()
        assert info.value.errcode == 45009 and info.value.retry_later
        assert "1 小时" in str(info.value)
        assert len(sleeps.delays) == 5  # max_retries backoffs, then it gives up
        clock.advance(3600)
        assert await good.api.token()


@pytest.mark.parametrize("options", [FakeOptions(trusted_ips=frozenset({"10.1.2.3"}))])
async def test_untrusted_ip_names_the_trusted_ip_setting_and_the_ip(client: WecomClient) -> None:
    with pytest.raises(WecomConfigError) as info:
        await client.group_chat_ids(["li1"])
    text = str(info.value)
    assert info.value.errcode == 60020
    assert "企业可信IP" in text and "1 分钟" in text and "127.0.0.1" in text


async def test_an_app_outside_the_callable_apps_gets_48002(
    fake: FakeWecom, clock: SimClock
) -> None:
    settings = settings_for(fake, OUTSIDE_SECRET, agent_id=1000003)
    async with WecomClient(settings, clock=clock) as client:
        with pytest.raises(WecomConfigError) as info:
            await client.add_group_msg_task("li1", ["wrlj1a"], "通知")
        # the same token still sends app messages: only customer-contact calls are refused
        await client.send_app_text(["li1"], "催办")
    assert info.value.errcode == 48002
    assert "可调用应用" in str(info.value) and "可见范围" in str(info.value)
    assert "创建客户群群发任务（add_msg_template）" in str(info.value)


async def test_proactive_refresh_margin_does_not_outlive_the_token(
    fake: FakeWecom, client: WecomClient, clock: SimClock
) -> None:
    token = await client.api.token()
    clock.advance(timedelta(seconds=7200 - 301).total_seconds())
    assert await client.api.token() == token
    clock.advance(2)
    assert await client.api.token() != token


async def test_concurrent_first_calls_fetch_one_token(
    fake: FakeWecom, client: WecomClient
) -> None:
    import asyncio

    chats = await asyncio.gather(*(client.group_chat("wrlj1a") for _ in range(20)))
    assert {c.chat_id for c in chats} == {"wrlj1a"}
    assert fake.count("gettoken") == 1
