"""A media push over Wechaty's own gateway: the relay posts the text, the poster (byte
exact), the letter and the article card; a shared article in a forward-mode group is
that group's delivery."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
import pytest_asyncio

from bot.config import Config
from bot.domain.model import Mode, Org
from bot.runtime import Runtime, build
from bot.transport.wechaty import WechatyTransport
from tests.media_library import ARTICLE, LETTER, with_library, write_library
from tests.wechaty.harness import Gateway, sent_bytes
from tests.wechaty.scenario import COMMAND_ROOM, VILLAGE_1, VILLAGE_2, DaytimeClock, Event
from tests.wechaty.test_app import app_config, gateway_town, wechaty_config

pytestmark = [pytest.mark.gateway, pytest.mark.asyncio(loop_scope="module")]

SHARED = ARTICLE.replace("&scene=21", "&scene=1&from=groupmessage&isappinstalled=0")


def forwarding_town() -> Org:
    """The gateway town with 二村's group in forward mode."""
    town = gateway_town()
    groups = tuple(replace(g, mode=Mode.FORWARD) if g.id == "v2" else g for g in town.groups)
    return Org(town.town, groups, town.members)


@pytest_asyncio.fixture(loop_scope="module")
async def bot(gateway: Gateway, config: Config, tmp_path: Path) -> AsyncIterator[Runtime]:
    cfg = with_library(app_config(config), write_library(tmp_path / "content"))
    rt = build(
        cfg,
        DaytimeClock(config.tz),
        org=forwarding_town(),
        transport=WechatyTransport(wechaty_config(gateway)),
    )
    await rt.app.start()
    yield rt
    await rt.app.stop()
    rt.store.close()


async def next_to(gateway: Gateway, room: str) -> Event:
    return await gateway.next_event(lambda e: e.get("event") == "sent" and e["to"] == room, 15)


async def test_media_push_arrives_in_order(gateway: Gateway, bot: Runtime, tmp_path: Path) -> None:
    await gateway.say("office", "推送 素材1", COMMAND_ROOM)
    announce = [await next_to(gateway, COMMAND_ROOM) for _ in range(4)]
    assert announce[0]["text"].startswith("【第1期】")
    await gateway.say("pusher1", "收到", COMMAND_ROOM)
    text, image, letter, card = [await next_to(gateway, VILLAGE_1) for _ in range(4)]
    assert "冒充“客服”" in text["text"]
    poster = tmp_path / "content" / "posters" / "kefu.png"
    assert image["kind"] == "image" and sent_bytes(image) == poster.read_bytes()
    assert letter["kind"] == "file" and sent_bytes(letter) == LETTER
    assert card["kind"] == "url"
    assert (card["title"], card["url"]) == ("警惕！冒充客服退款新套路", ARTICLE)


async def test_shared_article_is_the_forward(gateway: Gateway, bot: Runtime) -> None:
    await gateway.say("office", "推送 素材1", COMMAND_ROOM)
    for _ in range(4):
        await next_to(gateway, COMMAND_ROOM)
    await gateway.say("pusher2", "收到", COMMAND_ROOM)
    await gateway.send_link("pusher2", "警惕！冒充客服退款新套路", SHARED, VILLAGE_2)
    # Messages are handled in order: once 进度 is answered, the card has been handled.
    await gateway.say("office", "进度", COMMAND_ROOM)
    progress = await gateway.next_event(
        lambda e: e.get("event") == "sent" and e["text"].startswith("第1期《"), 15
    )
    assert "送达群：1/3 个" in progress["text"]
    assert {d.group_id: d.via for d in bot.store.deliveries(1)}["v2"] == "forward"
