"""Inbound: a MESSAGE event becomes an `IncomingMessage`.

The event carries only the message id: the payload is fetched with `message_payload()`,
link cards with `message_url()`, and the bytes of images/files with the chunked
`message_file_stream()` (or `message_file()` on services without it). The bot's own sends
come back as events too and are dropped here, as are message types the bot does not read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, tzinfo

from bot.domain.media import LinkCard
from bot.domain.model import IncomingMessage, MessageKind
from bot.settings import WechatySection
from bot.transport.base import TransportStatus
from bot.transport.wechaty.errors import reason
from bot.transport.wechaty.protocol import (
    KIND_BY_TS_TYPE,
    TS_TYPE_LABELS,
    filebox_bytes,
    filebox_kind,
    json_object,
    message_time,
)
from bot.transport.wechaty.session import Session

log = logging.getLogger("bot.transport.wechaty")


class Inbound:
    """Completes MESSAGE events into `IncomingMessage`s."""

    def __init__(self, settings: WechatySection, status: TransportStatus, tz: tzinfo = UTC):
        self.settings = settings
        self.status = status
        self.tz = tz

    def _reason(self, exc: BaseException) -> str:
        return reason(exc, self.settings.tls)

    async def incoming(self, session: Session, message_id: str) -> IncomingMessage | None:
        """Complete one MESSAGE event; None for the bot's own and unsupported messages."""
        try:
            payload = await session.stub.message_payload(id=message_id)
        except Exception as exc:
            log.error("获取消息 %s 的内容失败，已跳过：%s", message_id, self._reason(exc))
            return None
        sender = payload.from_id
        if sender and sender == self.status.self_id:
            return None
        ts_type = int(payload.type)
        kind = KIND_BY_TS_TYPE.get(ts_type)
        if kind is None:
            log.info(
                "忽略暂不支持的消息（%s，类型 %d）：%s",
                TS_TYPE_LABELS.get(ts_type, "未知"),
                ts_type,
                message_id,
            )
            return None
        text = payload.text or ""
        data: bytes | None = None
        filename: str | None = payload.filename or None
        link: LinkCard | None = None
        if kind is MessageKind.LINK:
            text, link = await self._link_text(session, message_id, text)
        elif kind in (MessageKind.IMAGE, MessageKind.FILE):
            fetched = await self._download(session, message_id)
            if fetched is not None:
                data, name = fetched
                filename = filename or name or None
            text = ""
        return IncomingMessage(
            id=payload.id or message_id,
            at=message_time(int(payload.timestamp), self.tz),
            sender=sender,
            text=text,
            group=payload.room_id or None,
            kind=kind,
            mentions=tuple(payload.mention_ids),
            data=data,
            filename=filename,
            link=link,
        )

    async def _link_text(
        self, session: Session, message_id: str, fallback: str
    ) -> tuple[str, LinkCard | None]:
        """A link card as text ("title\nurl") and as a card (for forward matching)."""
        try:
            response = await session.stub.message_url(id=message_id)
        except Exception as exc:
            log.warning("获取链接消息 %s 失败：%s", message_id, self._reason(exc))
            return fallback, None
        link = json_object(response.url_link)
        title = str(link.get("title", "")).strip()
        url = str(link.get("url", "")).strip()
        card = LinkCard(url=url, title=title, desc=str(link.get("description", "")).strip())
        return "\n".join(part for part in (title, url) if part) or fallback, card

    async def _download(self, session: Session, message_id: str) -> tuple[bytes, str] | None:
        """The bytes of an image/file message: MessageFileStream (chunks), else MessageFile."""
        from grpclib.const import Status
        from grpclib.exceptions import GRPCError

        try:
            return await self._download_stream(session, message_id)
        except GRPCError as exc:
            if exc.status is not Status.UNIMPLEMENTED:
                log.error("下载消息 %s 的文件失败：%s", message_id, self._reason(exc))
                return None
        except Exception as exc:
            log.error("下载消息 %s 的文件失败：%s", message_id, self._reason(exc))
            return None
        # services without the streaming call: small files come inline as base64 FileBox JSON
        try:
            response = await session.stub.message_file(id=message_id)
        except Exception as exc:
            log.error("下载消息 %s 的文件失败：%s", message_id, self._reason(exc))
            return None
        fetched = filebox_bytes(response.filebox)
        if fetched is None:
            log.error(
                "下载消息 %s 的文件失败：服务返回了无法读取的 FileBox（%s）",
                message_id,
                filebox_kind(response.filebox),
            )
        return fetched

    async def _download_stream(
        self, session: Session, message_id: str
    ) -> tuple[bytes, str] | None:
        """MessageFileStream: the name, then the bytes in chunks (None: over the size limit)."""
        import betterproto

        limit = self.settings.max_download_bytes
        idle_limit = self.settings.rpc_timeout
        chunks: list[bytes] = []
        size = 0
        name = ""
        loop = asyncio.get_running_loop()
        stream = session.stream_stub.message_file_stream(id=message_id)
        # rpc_timeout is the longest pause between two chunks, not for the whole file
        async with contextlib.aclosing(stream), asyncio.timeout(idle_limit) as idle:
            async for response in stream:
                idle.reschedule(loop.time() + idle_limit)
                chunk = response.file_box_chunk
                which, _ = betterproto.which_one_of(chunk, "payload")
                if which == "name":
                    name = chunk.name
                elif which == "data":
                    chunks.append(chunk.data)
                    size += len(chunk.data)
                    if size > limit:
                        log.warning("消息 %s 的文件超过 %d 字节，未下载", message_id, limit)
                        return None
        return b"".join(chunks), name
