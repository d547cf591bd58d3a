"""The whole bot over the real gRPC connection to Wechaty's own gateway (Node + puppet-mock).

The roster uses its own ids for some people (bound by name) and the rooms' real ids differ
from the roster's group ids (bound by topic), as with a real account.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
import pytest_asyncio

from bot.config import Config, SenderSection
from bot.domain.model import Group, Level, Member, Mode, Org, Role
from bot.runtime import Runtime, build
from bot.transport.wechaty import WechatySection, WechatyTransport
from tests.wechaty.harness import Gateway
from tests.wechaty.scenario import (
    COMMAND_ROOM,
    TOKEN,
    VILLAGE_1,
    VILLAGE_2,
    DaytimeClock,
    Event,
    settings_for,
)

pytestmark = [pytest.mark.gateway, pytest.mark.asyncio(loop_scope="module")]

NOTICE = (
    "推送\n【警惕冒充客服诈骗】有人冒充电商或快递客服，说你的商品有质量问题要给你“理赔”，"
    "或者说你误开了会员要帮你“取消”，然后让你下载会议软件、开启屏幕共享、提供验证码。"
    "正规客服不会让你转账或共享屏幕，遇到请挂断并拨打官方电话核实，或拨打96110。"
)


def gateway_town() -> Org:
    """The roster of the gateway's world; some ids differ from the account's."""
    G, M = Group, Member
    return Org(
        "东风镇",
        (
            G("cmd", "东风镇反诈指挥群", Level.COMMAND, None, None),
            G("v1", "一村反诈群", Level.VILLAGE, "cmd", "一村"),
            G("v2", "二村反诈群", Level.VILLAGE, "cmd", "二村"),
            G("school", "东风小学家长群", Level.UNIT, "cmd", "东风小学", Mode.EVIDENCE),
        ),
        (
            M("王主任", Role.OFFICE, None, "office", ("cmd",)),
            M("李推送", Role.PUSHER, "一村", "p1", ("cmd", "v1")),
            M("赵推送", Role.PUSHER, "二村", "p2", ("cmd", "v2", "school")),
            M("张大爷", Role.HOUSEHOLD, "一村", "hh11", ("v1",)),
            M("刘大妈", Role.HOUSEHOLD, "一村", "hh12", ("v1",)),
            M("陈二叔", Role.HOUSEHOLD, "一村", "hh13", ("v1",)),
            M("孙奶奶", Role.HOUSEHOLD, "二村", "h21", ("v2",)),
            M("周大哥", Role.HOUSEHOLD, "二村", "h22", ("v2",)),
            M("家长甲", Role.HOUSEHOLD, "东风小学", "s1", ("school",)),
            M("家长乙", Role.HOUSEHOLD, "东风小学", "s2", ("school",)),
        ),
    )


def wechaty_config(gateway: Gateway) -> WechatySection:
    return settings_for(gateway, backoff_max=0.3)


def app_config(config: Config, gap: float = 0.0) -> Config:
    return replace(
        config,
        sender=SenderSection(
            per_minute=6000, burst=50, group_gap_seconds=gap, jitter_seconds=0, retry_seconds=0.2
        ),
    )


@pytest_asyncio.fixture(loop_scope="module")
async def bot(gateway: Gateway, config: Config) -> AsyncIterator[Runtime]:
    rt = build(
        app_config(config),
        DaytimeClock(config.tz),
        org=gateway_town(),
        transport=WechatyTransport(wechaty_config(gateway)),
    )
    await rt.app.start()
    yield rt
    await rt.app.stop()
    rt.store.close()


def sent_to(room: str, prefix: str = "") -> object:
    return lambda e: e.get("event") == "sent" and e["to"] == room and e["text"].startswith(prefix)


async def sent(gateway: Gateway, room: str, prefix: str = "", timeout: float = 15) -> Event:
    return await gateway.next_event(sent_to(room, prefix), timeout)  # type: ignore[arg-type]


async def test_push_lifecycle_over_grpc(gateway: Gateway, bot: Runtime) -> None:
    await gateway.say("office", NOTICE, COMMAND_ROOM)
    announce = await sent(gateway, COMMAND_ROOM, "【第1期】")
    assert set(announce["mentions"]) == {"pusher1", "pusher2"}  # real ids, bound by name

    await gateway.say("pusher1", "收到", COMMAND_ROOM)
    relay = await sent(gateway, VILLAGE_1, "【反诈提醒】警惕冒充客服诈骗")
    assert "96110" in relay["text"]
    await gateway.say("pusher2", "收到！马上转发", COMMAND_ROOM)
    await sent(gateway, VILLAGE_2, "【反诈提醒】")
    await sent(gateway, COMMAND_ROOM, "第1期《警惕冒充客服诈骗》已全部签收")

    await gateway.say("hh11", "收到", VILLAGE_1)
    await gateway.say("hh12", "没收到", VILLAGE_1)
    await gateway.say("hh13", "收到一个诈骗电话", VILLAGE_1)
    await gateway.say("hh21", "好的👍", VILLAGE_2)
    await gateway.say("office", "进度", COMMAND_ROOM)
    progress = (await sent(gateway, COMMAND_ROOM, "第1期《"))["text"]
    assert "签收：2/2 人（100.0%）" in progress
    assert "送达群：2/3 个（66.7%）" in progress
    assert "覆盖户数：5/7 户" in progress
    assert "回执：2/7 户（28.6%）" in progress
    assert "东风小学家长群" in progress
    assert "张大爷" not in progress and "孙奶奶" not in progress


async def test_remind_reaches_gateway_with_mention_ids(gateway: Gateway, bot: Runtime) -> None:
    await gateway.say("office", NOTICE, COMMAND_ROOM)
    await sent(gateway, COMMAND_ROOM, "【第1期】")
    await gateway.say("pusher1", "签收", COMMAND_ROOM)
    await sent(gateway, VILLAGE_1)
    await gateway.say("office", "催办", COMMAND_ROOM)
    remind = await sent(gateway, COMMAND_ROOM, "【催办】")
    assert remind["mentions"] == ["pusher2"]
    assert "@赵推送" in remind["text"]


async def test_private_screenshot_stored_byte_exact(
    gateway: Gateway, bot: Runtime, tmp_path: Path
) -> None:
    shot = tmp_path / "截图.png"
    data = b"\x89PNG\r\n\x1a\n" + os.urandom(150_000)
    shot.write_bytes(data)
    await gateway.say("office", NOTICE, COMMAND_ROOM)
    await sent(gateway, COMMAND_ROOM, "【第1期】")
    await gateway.say("pusher2", "收到", COMMAND_ROOM)
    await sent(gateway, VILLAGE_2)
    await gateway.send_image("pusher2", shot)
    reply = await sent(gateway, "pusher2", "已收到佐证截图")
    assert "东风小学家长群" in reply["text"]
    (ev,) = bot.store.evidence(1)
    assert Path(ev.path).read_bytes() == data
    assert ev.sha256 == hashlib.sha256(data).hexdigest()


async def test_every_event_twice_counts_once(gateway: Gateway, bot: Runtime) -> None:
    first = await gateway.say("office", NOTICE, COMMAND_ROOM)
    await sent(gateway, COMMAND_ROOM, "【第1期】")
    await gateway.duplicate(first)
    sign = await gateway.say("pusher1", "收到", COMMAND_ROOM)
    await sent(gateway, VILLAGE_1)
    await gateway.duplicate(sign)
    for who in ("hh11", "hh12"):
        mid = await gateway.say(who, "收到", VILLAGE_1)
        await gateway.duplicate(mid)
    await gateway.say("office", "进度", COMMAND_ROOM)
    progress = (await sent(gateway, COMMAND_ROOM, "第1期《"))["text"]
    assert "回执：2/7 户" in progress
    assert "签收：1/2 人" in progress
    texts = [e["text"] for e in gateway.pending() if e.get("event") == "sent"]
    assert not any(t.startswith("【第2期】") for t in texts)
    assert bot.store.latest_push().id == 1  # type: ignore[union-attr]
    assert len([r for r in bot.store.outbox() if r.conversation == "v1"]) == 1


async def test_gateway_restart_mid_fanout_loses_and_repeats_nothing(
    gateway: Gateway, config: Config
) -> None:
    # A real pause between sends to the same group, so the fan-out is still running when
    # the gateway dies.
    rt = build(
        app_config(config, gap=0.4),
        DaytimeClock(config.tz),
        org=gateway_town(),
        transport=WechatyTransport(wechaty_config(gateway)),
    )
    await rt.app.start()
    try:
        for n in range(1, 4):
            await gateway.say("office", f"{NOTICE}第{n}期", COMMAND_ROOM)
        for n in range(1, 4):
            await gateway.say("pusher1", f"签收 #{n}", COMMAND_ROOM)
        first = await sent(gateway, VILLAGE_1, "【反诈提醒】")
        await gateway.kill()
        await gateway.restart()
        # Chat typed while the bot is offline never reaches it (the puppet does not queue it).
        inner = rt.transport.inner  # type: ignore[attr-defined]
        await inner.wait_connected(timeout=30)
        for n in range(1, 4):
            await gateway.say("pusher2", f"签收 #{n}", COMMAND_ROOM)
        await gateway.say("office", "进度 #3", COMMAND_ROOM)
        await sent(gateway, COMMAND_ROOM, "第3期《", timeout=30)
        expected = {(VILLAGE_1, n) for n in range(1, 4)} | {(VILLAGE_2, n) for n in range(1, 4)}
        seen: Counter[tuple[str, int]] = Counter()

        def count(e: Event) -> None:
            seen[(e["to"], int(e["text"].split("第")[-1].split("期")[0]))] += 1

        async def next_relay() -> None:
            count(
                await gateway.next_event(
                    lambda ev: ev.get("event") == "sent" and ev["text"].startswith("【反诈提醒】"),
                    30,
                )
            )

        count(first)

        while set(seen) != expected:
            await next_relay()
        # Rows retried after the reconnect may still be going out: wait for the outbox to
        # empty, then count any late copies too.
        await asyncio.wait_for(rt.app.sender.wait_idle(), 30)
        for e in gateway.pending():
            if e.get("event") == "sent" and e["text"].startswith("【反诈提醒】"):
                count(e)
        # Every relay arrived; at most the one in flight at the kill arrived twice.
        assert sum(seen.values()) - len(expected) <= 1
        assert rt.transport.status.reconnects >= 1
        assert {r.status for r in rt.store.outbox()} == {"sent"}
    finally:
        await rt.app.stop()
        rt.store.close()


async def test_wrong_token_exits_non_zero_with_clear_error(
    gateway: Gateway, tmp_path: Path
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[bot]\ntransport = "wechaty"\ndata_dir = "{tmp_path / "data"}"\n'
        f'org = "{Path("examples/town.toml").resolve()}"\n'
        f'[wechaty]\nendpoint = "{gateway.endpoint}"\ntoken = "wrong_{TOKEN}"\ntls = false\n'
        "[web]\nenabled = false\n",
        "utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("WECHATY_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(cfg),
        "--no-console",
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    result = subprocess.CompletedProcess([], proc.returncode or 0, out.decode(), "")
    assert result.returncode != 0
    assert "令牌" in result.stdout or "token" in result.stdout.lower()
    assert "Traceback" not in result.stdout
