"""Customer groups, app messages and the group-robot webhook against the fake."""

from __future__ import annotations

import hashlib

import pytest

from bot.clock import SimClock
from bot.transport.wecom import (
    GroupMember,
    WecomClient,
    WecomConfigError,
    WecomError,
    WecomRejectedError,
)
from tests.wecom.conftest import AGENT_ID, Sleeps, settings_for
from tests.wecom.fake_server import FakeWecom
from tests.wecom.fake_world import FakeGroup, FakeMember

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 40


async def test_group_details_with_names_and_member_version(
    fake: FakeWecom, client: WecomClient
) -> None:
    chat = await client.group_chat("wrlj1a")
    assert (chat.chat_id, chat.name, chat.owner) == ("wrlj1a", "李家村一网格1群", "li1")
    assert chat.members[0] == GroupMember("li1", 1, "李一", "")
    assert chat.members[0].internal and not chat.members[1].internal
    assert chat.members[1] == GroupMember("wma0", 2, "居民a0", "0号户")
    assert chat.create_time is not None
    group = fake.world.group("wrlj1a")
    assert group is not None
    group.members.append(FakeMember("wmnew", 2, "新居民"))
    again = await client.group_chat("wrlj1a")
    assert again.member_version != chat.member_version and len(again.members) == 5
    with pytest.raises(WecomRejectedError, match="重新同步客户群"):
        await client.group_chat("wr-gone")


async def test_group_ids_are_listed_in_owner_batches_of_100(
    fake: FakeWecom, client: WecomClient
) -> None:
    owners = [f"grid{i:03}" for i in range(250)]
    fake.world.users.extend(owners)
    fake.world.groups.extend(FakeGroup(f"wr{o}", f"{o}的群", o) for o in owners)
    ids = await client.group_chat_ids(["li1", *owners])
    assert ids[:2] == ["wrlj1a", "wrlj1b"] and len(ids) == 252
    assert fake.count("externalcontact/groupchat/list", 0) == 3
    everyone = await client.group_chat_ids()
    assert set(everyone) == set(ids) | {"wrlj2a", "wrwj1"}


async def test_listing_without_owners_beyond_1000_visible_people_gives_81017(
    fake: FakeWecom, client: WecomClient
) -> None:
    fake.world.users.extend(f"u{i}" for i in range(1000))
    with pytest.raises(WecomRejectedError, match="1000 人") as info:
        await client.group_chat_ids()
    assert info.value.errcode == 81017
    assert await client.group_chat_ids(["li2"]) == ["wrlj2a"]


async def test_app_text_reaches_members_and_lists_the_invalid(
    fake: FakeWecom, client: WecomClient
) -> None:
    result = await client.send_app_text(["li1", "ghost"], "李家村一网格未签收，请督促")
    assert result.invalid_users == ("ghost",) and result.msgid
    [sent] = fake.app_messages
    assert (sent.agentid, sent.touser, sent.content) == (
        AGENT_ID,
        ["li1"],
        "李家村一网格未签收，请督促",
    )
    with pytest.raises(WecomRejectedError) as info:
        await client.send_app_text(["ghost"], "x")
    assert info.value.errcode == 81013 and "可见范围" in str(info.value)


async def test_app_text_needs_an_agent_id(fake: FakeWecom, clock: SimClock) -> None:
    async with WecomClient(settings_for(fake, agent_id=0), clock=clock) as client:
        with pytest.raises(WecomConfigError, match=r"wecom\.agent_id"):
            await client.send_app_text(["li1"], "x")
    async with WecomClient(settings_for(fake, agent_id=42), clock=clock) as client:
        with pytest.raises(WecomConfigError, match=r"wecom\.agent_id") as info:
            await client.send_app_text(["li1"], "x")
    assert info.value.errcode == 40056


async def test_more_than_30_app_messages_a_minute_are_dropped_silently(
    fake: FakeWecom, client: WecomClient
) -> None:
    for i in range(31):
        await client.send_app_text(["li2"], f"第{i}条")
    assert [m.dropped for m in fake.app_messages[-2:]] == [[], ["li2"]]


async def test_webhook_text_with_mentions_and_an_image(
    fake: FakeWecom, client: WecomClient
) -> None:
    await client.webhook_send_text("今日反诈日报", mentioned=["li1", "@all"])
    await client.webhook_send_image(PNG)
    text, image = fake.webhook_messages
    assert (text.msgtype, text.content, text.mentioned) == (
        "text",
        "今日反诈日报",
        ["li1", "@all"],
    )
    assert image.msgtype == "image" and image.image == PNG
    assert hashlib.md5(image.image).hexdigest() == hashlib.md5(PNG).hexdigest()


async def test_webhook_20_a_minute_then_45009(
    fake: FakeWecom, client: WecomClient, clock: SimClock, sleeps: Sleeps
) -> None:
    for i in range(20):
        await client.webhook_send_text(f"第{i}条")
    with pytest.raises(WecomError) as info:
        await client.webhook_send_text("第21条")  # 5 backoffs (≤31 s) stay inside the minute
    assert info.value.errcode == 45009 and "群机器人发消息（webhook/send）" in str(info.value)
    assert len(sleeps.delays) == 5
    clock.advance(60)
    await client.webhook_send_text("下一分钟")
    assert len(fake.webhook_messages) == 21


async def test_webhook_with_a_patient_backoff_gets_through(
    fake: FakeWecom, clock: SimClock
) -> None:
    sleeps = Sleeps(clock)
    settings = settings_for(fake, backoff_initial=20.0)
    async with WecomClient(settings, clock=clock, sleep=sleeps) as client:
        for i in range(21):
            await client.webhook_send_text(f"第{i}条")
    assert len(fake.webhook_messages) == 21 and sleeps.delays


async def test_webhook_key_problems_are_config_errors(fake: FakeWecom, clock: SimClock) -> None:
    async with WecomClient(settings_for(fake, webhook_key="wrong"), clock=clock) as client:
        with pytest.raises(WecomConfigError, match=r"wecom\.webhook_key") as info:
            await client.webhook_send_text("x")
    assert info.value.errcode == 93000
    async with WecomClient(settings_for(fake, webhook_key=""), clock=clock) as client:
        with pytest.raises(WecomConfigError, match=r"wecom\.webhook_key"):
            await client.webhook_send_text("x")
    assert fake.count("gettoken") == 0  # the webhook needs no token
