"""预警 replies in the self-built app's own conversation on WeCom: the member answers the app
message right where it arrived; WeCom POSTs it, encrypted and signed, to the app's 接收消息 URL
(`[wecom] callback_*`). The URL check answers the echostr; a forged signature is refused."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.clock import SimClock
from bot.runtime import build
from tests.wecom import fake_callback as cb
from tests.wecom.conftest import CORP, START
from tests.wecom.fake_robot import FakeRobotServer
from tests.wecom.fake_server import FakeWecom
from tests.wecom.test_channel import BOT, COMMAND_CHAT, ROBOT_SECRET, Town, wecom_config
from tests.wecom.test_issue13_workflows import PHONE, app_texts, police_corp, police_roster


@pytest.fixture
async def town(tmp_path: Path) -> AsyncIterator[Town]:
    clock = SimClock(START)
    wecom = FakeWecom(police_corp(), clock.now)
    robot = FakeRobotServer({BOT: ROBOT_SECRET})
    config = wecom_config(tmp_path, await wecom.start(), await robot.start())
    config = replace(
        config,
        wecom=replace(
            config.wecom,
            callback_token=cb.TOKEN,
            callback_aes_key=cb.AES_KEY,
            callback_host="127.0.0.1",
            callback_port=0,
        ),
    )
    rt = build(config, clock, org=police_roster(), live=True)
    await rt.app.start()
    town = Town(rt, wecom, robot, config, clock)
    yield town
    await town.rt.app.stop()
    town.rt.store.close()
    await robot.close()
    await wecom.stop()


def callback_url(town: Town) -> str:
    inner = town.rt.transport.inner  # type: ignore[attr-defined]
    return f"http://127.0.0.1:{inner.callback.port}/wecom/callback"


async def in_app(town: Town, userid: str, text: str = "", image: bytes | None = None) -> None:
    """`userid` answers in the app conversation; wait (bounded) until it is handled."""
    before = town.rt.store.message_count()
    pic = town.robot.host_file(image) if image is not None else ""
    status = await cb.post(callback_url(town), CORP, cb.message_xml(CORP, userid, text, pic))
    assert status == 200
    async with asyncio.timeout(5):
        while town.rt.store.message_count() <= before:
            await asyncio.sleep(0.01)
    await town.rt.app.settle()


async def test_warning_answered_in_the_app_conversation(town: Town) -> None:
    assert await cb.verify(callback_url(town), CORP, "1616140317555161061") == (
        200,
        "1616140317555161061",
    )
    await in_app(town, "police", f"预警 户1 {PHONE} 疑似刷单诈骗")
    assert app_texts(town, "police")[-1].startswith("预警1已私聊下发给李一")
    assert app_texts(town, "li1")[-1].startswith("【预警劝阻单】第1号")
    await in_app(town, "li1", "收到")
    assert app_texts(town, "li1")[-1].startswith("预警1已签收")
    await in_app(town, "li1", "电话劝阻了，对方表示不会再转账")
    assert "电话·已劝阻" in app_texts(town, "li1")[-1]
    photo = b"\x89PNG\r\n\x1a\n" + os.urandom(5_000)
    await in_app(town, "li1", image=photo)
    assert app_texts(town, "li1")[-1] == "预警1的现场照片已保存。"
    await in_app(town, "li1", "反馈：已电话讲解")
    done = town.rt.store.get_warning(1)
    assert done is not None and done.state == "已反馈" and done.method == "电话"
    assert Path(done.photo).read_bytes() == photo
    assert not [b for b in town.robot.sent("aibot_send_msg") if b.get("chatid") == COMMAND_CHAT]


async def test_forged_callbacks_are_refused(town: Town) -> None:
    url = callback_url(town)
    plain = cb.message_xml(CORP, "li1", "收到")
    assert await cb.post(url, CORP, plain, token="wrongToken") == 403
    assert (await cb.verify(url, CORP, "x", token="wrongToken"))[0] == 403
    assert town.rt.store.message_count() == 0


def test_callback_settings_are_checked(tmp_path: Path) -> None:
    from bot.config import ConfigError, load_config

    cfg = tmp_path / "config.toml"
    cfg.write_text(
        '[bot]\ntransport = "wecom"\n[wecom]\ncorp_id = "ww1"\nsecret = "s"\n'
        'webhook_key = "k"\ncallback_token = "t"\ncallback_aes_key = "short"\n',
        "utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    assert "wecom.callback_aes_key" in str(err.value)
