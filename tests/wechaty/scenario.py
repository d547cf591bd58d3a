"""The scenario the gateway tests share: a small town on the gateway, the transport
settings that reach it, and ways to wait for what the transport does."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from bot.clock import SystemClock
from bot.config import WechatySection
from bot.domain.model import IncomingMessage

if TYPE_CHECKING:
    from tests.wechaty.harness import Gateway

TOKEN = "insecure_gatewaytoken"  # SNI = prefix before the last "_": the TLS cert CN "insecure"

Event = dict[str, Any]


class DaytimeClock(SystemClock):
    """The wall clock's pace from a working morning (Monday 09:00): the gateway tests wait
    in real time, but what the bot decides by the hour (quiet hours hold relays from 22:00,
    the working day) must not depend on when the suite runs."""

    def __init__(self, tz: tzinfo) -> None:
        super().__init__(tz)
        self._start = datetime(2026, 11, 23, 9, 0, tzinfo=tz)
        self._origin = time.monotonic()

    def now(self) -> datetime:
        """The fixed morning plus the real time since this clock was made."""
        return self._start + timedelta(seconds=time.monotonic() - self._origin)


BOT_ID = "bot"
BOT_NAME = "反诈助手"
COMMAND_ROOM = "cmd@chatroom"
VILLAGE_1 = "v1@chatroom"
VILLAGE_2 = "v2@chatroom"

# A small town: the command room (office + the two village pushers) and two village rooms.
DEFAULT_WORLD: dict[str, Any] = {
    "bot": {"id": BOT_ID, "name": BOT_NAME},
    "contacts": [
        {"id": "office", "name": "王主任"},
        {"id": "pusher1", "name": "李推送"},
        {"id": "pusher2", "name": "赵推送"},
        {"id": "hh11", "name": "张大爷"},
        {"id": "hh12", "name": "刘大妈"},
        {"id": "hh13", "name": "陈二叔"},
        {"id": "hh21", "name": "孙奶奶"},
        {"id": "hh22", "name": "周大哥"},
    ],
    "rooms": [
        {
            "id": COMMAND_ROOM,
            "topic": "东风镇反诈指挥群",
            "members": [BOT_ID, "office", "pusher1", "pusher2"],
        },
        {
            "id": VILLAGE_1,
            "topic": "一村反诈群",
            "members": [BOT_ID, "pusher1", "hh11", "hh12", "hh13"],
            "aliases": {"pusher1": "一村小李"},
        },
        {
            "id": VILLAGE_2,
            "topic": "二村反诈群",
            "members": [BOT_ID, "pusher2", "hh21", "hh22"],
        },
    ],
}


def settings_for(gateway: Gateway, **overrides: Any) -> WechatySection:
    """Settings for the local gateway: plaintext, short timeouts, fast backoff."""
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
    return WechatySection(**values)


async def next_message(
    messages: AsyncIterator[IncomingMessage], timeout: float = 10.0
) -> IncomingMessage:
    """The next inbound message, or fail after `timeout` seconds."""
    return await asyncio.wait_for(anext(messages), timeout)


async def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll `condition` until true; TimeoutError after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)
