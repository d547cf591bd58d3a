"""`WechatyTransport`: the Transport protocol over a Wechaty puppet service.

It composes the pieces of this package: `Connection` (connect, log in, reconnect),
`Inbound` (events into messages), `Outbound` (sends) and `Directory` (rooms, members).
While disconnected, sends raise `TransportError` so the outbox keeps the message;
`messages()` goes on across reconnects.
"""

from __future__ import annotations

import asyncio
import logging
import random as _random
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, tzinfo
from typing import Any

from bot.domain.model import IncomingMessage
from bot.settings import WechatySection
from bot.transport.base import ContactInfo, RoomInfo, TransportStatus, until_stopped
from bot.transport.wechaty.connection import Connection, Sleep
from bot.transport.wechaty.directory import Directory
from bot.transport.wechaty.inbound import Inbound
from bot.transport.wechaty.outbound import Outbound
from bot.transport.wechaty.protocol import (
    EV_DIRTY,
    EV_MESSAGE,
    EV_ROOM_JOIN,
    EV_ROOM_LEAVE,
    EV_ROOM_TOPIC,
)
from bot.transport.wechaty.session import Session

log = logging.getLogger("bot.transport.wechaty")


class WechatyTransport:
    """Transport over a Wechaty puppet service (see the module docstring)."""

    name = "wechaty"

    def __init__(
        self,
        settings: WechatySection,
        *,
        sleep: Sleep = asyncio.sleep,
        random: Callable[[], float] = _random.random,
        tz: tzinfo = UTC,
    ) -> None:
        self.settings = settings
        self.status = TransportStatus()
        self._queue: asyncio.Queue[IncomingMessage | None] = asyncio.Queue()
        self.connection = Connection(
            settings, self.status, self._on_event, sleep=sleep, random=random, tz=tz
        )
        self._inbound = Inbound(settings, self.status, tz)
        self._directory = Directory(settings, self.connection.require)
        self._outbound = Outbound(settings, self.connection.require, self._directory)

    async def start(self) -> None:
        """Connect, (re)start the puppet, wait for LOGIN; FatalTransportError if impossible."""
        if self.connection.running:
            return
        self._drop_end_markers()
        await self.connection.open()

    def _drop_end_markers(self) -> None:
        """Forget the end-of-stream marker of an earlier stop() (keep unread messages)."""
        kept: list[IncomingMessage] = []
        while not self._queue.empty():
            item = self._queue.get_nowait()
            if item is not None:
                kept.append(item)
        for item in kept:
            self._queue.put_nowait(item)

    async def stop(self) -> None:
        """Disconnect (stopping the puppet on the service side); `messages()` ends."""
        await self.connection.close()
        self._queue.put_nowait(None)
        log.info("已断开 Wechaty 服务 %s", self.settings.endpoint)

    def messages(self) -> AsyncIterator[IncomingMessage]:
        """Inbound messages (the bot's own excluded), across reconnects, until stop()."""
        return until_stopped(self._queue)

    async def send_text(
        self, conversation: str, text: str, mentions: Sequence[str] = ()
    ) -> str | None:
        """Send text; in rooms, `mentions` (contact ids) are @-mentioned."""
        return await self._outbound.send_text(conversation, text, mentions)

    async def send_image(self, conversation: str, path: str) -> str | None:
        """Send an image file (the service decides image vs file by its type)."""
        return await self._outbound.send_file(conversation, path, "发送图片")

    async def send_file(self, conversation: str, path: str) -> str | None:
        """Send any file as an attachment."""
        return await self._outbound.send_file(conversation, path, "发送文件")

    async def send_link(
        self, conversation: str, title: str, url: str, description: str = ""
    ) -> str | None:
        """Send a link card; where the service cannot, send "title\\nurl" as text."""
        return await self._outbound.send_link(conversation, title, url, description)

    async def list_groups(self) -> list[RoomInfo]:
        """Rooms the bot account is in."""
        return await self._directory.list_groups()

    async def group_members(self, group_id: str) -> list[ContactInfo]:
        """Members of one room, with their room nickname as `alias` where the service has one."""
        return await self._directory.group_members(group_id)

    async def wait_connected(self, connected: bool = True, timeout: float | None = None) -> None:
        """Wait until the transport is (dis)connected; TimeoutError after `timeout` seconds."""
        await self.connection.wait_connected(connected, timeout)

    async def _on_event(self, session: Session, kind: int, payload: dict[str, Any]) -> None:
        if kind == EV_MESSAGE:
            message_id = str(payload.get("messageId", ""))
            if message_id:
                msg = await self._inbound.incoming(session, message_id)
                if msg is not None:
                    self._queue.put_nowait(msg)
        elif kind in (EV_DIRTY, EV_ROOM_TOPIC, EV_ROOM_JOIN, EV_ROOM_LEAVE):
            self._directory.forget()
