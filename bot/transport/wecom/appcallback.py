"""The self-built app's 接收消息 URL (WECOM.md §6): members' replies in the app conversation.

The bot reaches a member privately by app message; a member who answers right there (rather
than in the smart robot's single chat) reaches this callback. WeCom first checks the URL
with a signed GET (`echostr`: answer its plaintext), then POSTs each message as encrypted
XML; the answer is an empty 200 (no passive reply: the bot answers by app message). Text
and images become private `IncomingMessage`s (an image is fetched from its `PicUrl`); events
and other types are skipped. A bad signature or key is refused with 403 and logged in Chinese.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from datetime import datetime, tzinfo

import aiohttp
from aiohttp import web

from bot.domain.model import IncomingMessage, MessageKind
from bot.transport.wecom.crypto import CryptoError, WecomCrypto
from bot.transport.wecom.robot_media import MAX_IMAGE_BYTES, suffix

log = logging.getLogger("bot.transport.wecom.callback")


def parse_message(plain: str, tz: tzinfo) -> tuple[IncomingMessage | None, str]:
    """The message in a decrypted callback XML, and its PicUrl ("" when none)."""
    try:
        root = ET.fromstring(plain)
    except ET.ParseError:
        log.warning("企业微信应用回调的明文不是合法的 XML，已忽略")
        return None, ""

    def field(name: str) -> str:
        node = root.find(name)
        return (node.text or "").strip() if node is not None else ""

    kind, sender, msgid = field("MsgType"), field("FromUserName"), field("MsgId")
    if kind not in ("text", "image") or not sender or not msgid:
        log.debug("企业微信应用回调 %s（%s）已忽略", kind, field("Event"))
        return None, ""
    stamp = field("CreateTime")
    at = datetime.fromtimestamp(int(stamp), tz) if stamp.isdigit() else datetime.now(tz)
    msg = IncomingMessage(id=f"app-{msgid}", at=at, sender=sender, text=field("Content"))
    if kind == "image":
        msg = IncomingMessage(msg.id, at, sender, kind=MessageKind.IMAGE)
        return msg, field("PicUrl")
    return msg, ""


class AppCallback:
    """An aiohttp server for the app's callback URL, feeding a queue of private messages."""

    def __init__(self, crypto: WecomCrypto, host: str, port: int, path: str, tz: tzinfo) -> None:
        self.crypto = crypto
        self.host, self.port, self.path = host, port, path
        self.tz = tz
        self.queue: asyncio.Queue[IncomingMessage | None] = asyncio.Queue()
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Listen (host, port); port 0 picks a free one (then `self.port` is it)."""
        app = web.Application()
        app.router.add_get(self.path, self._verify)
        app.router.add_post(self.path, self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        for sock in getattr(site._server, "sockets", None) or ():
            self.port = int(sock.getsockname()[1])
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        log.info("企业微信应用回调在 %s:%d%s 接收消息", self.host, self.port, self.path)

    async def stop(self) -> None:
        """Stop listening; the stream ends."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._http is not None:
            await self._http.close()
            self._http = None
        self.queue.put_nowait(None)

    async def _verify(self, request: web.Request) -> web.Response:
        q = request.query
        try:
            plain = self.crypto.verify_url(
                q.get("msg_signature", ""),
                q.get("timestamp", ""),
                q.get("nonce", ""),
                q.get("echostr", ""),
            )
        except CryptoError as exc:
            log.warning("企业微信应用回调 URL 校验失败：%s", exc)
            return web.Response(status=403, text="forbidden")
        return web.Response(text=plain)

    async def _receive(self, request: web.Request) -> web.Response:
        q = request.query
        body = await request.read()
        try:
            plain = self.crypto.decrypt_xml(
                body, q.get("msg_signature", ""), q.get("timestamp", ""), q.get("nonce", "")
            )
        except CryptoError as exc:
            log.warning("企业微信应用回调消息无法验证或解密：%s", exc)
            return web.Response(status=403, text="forbidden")
        msg, pic_url = parse_message(plain, self.tz)
        if msg is not None and pic_url:
            data = await self._download(pic_url)
            msg = None if data is None else _with_image(msg, data)
        if msg is not None:
            self.queue.put_nowait(msg)
        return web.Response(text="")

    async def _download(self, url: str) -> bytes | None:
        if self._http is None:
            return None
        try:
            async with self._http.get(url) as response:
                response.raise_for_status()
                data = await response.content.read(MAX_IMAGE_BYTES + 1)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("无法下载应用消息里的图片 %s：%s", url, exc)
            return None
        return data if len(data) <= MAX_IMAGE_BYTES else None


def _with_image(msg: IncomingMessage, data: bytes) -> IncomingMessage:
    name = f"{msg.id}{suffix(data)}"
    return IncomingMessage(
        msg.id, msg.at, msg.sender, kind=MessageKind.IMAGE, data=data, filename=name
    )


async def merged(*streams: AsyncIterator[IncomingMessage]) -> AsyncIterator[IncomingMessage]:
    """Messages from several streams as they come, until every stream has ended."""
    queue: asyncio.Queue[IncomingMessage | None] = asyncio.Queue()

    async def pump(stream: AsyncIterator[IncomingMessage]) -> None:
        try:
            async for msg in stream:
                queue.put_nowait(msg)
        finally:
            queue.put_nowait(None)

    tasks = [asyncio.create_task(pump(s)) for s in streams]
    running = len(tasks)
    try:
        while running:
            msg = await queue.get()
            if msg is None:
                running -= 1
            else:
                yield msg
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
