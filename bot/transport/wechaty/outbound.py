"""Outbound: text (with @-mentions), images, files and link cards.

Files up to `INLINE_FILE_LIMIT` go inline as base64 FileBox JSON in one MessageSendFile
call; bigger ones stream through MessageSendFileStream in chunks. Every failure is a plain
`TransportError`, so the outbox keeps the message and retries.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot.settings import WechatySection
from bot.transport.base import TransportError
from bot.transport.wechaty.directory import Directory
from bot.transport.wechaty.errors import guarded, send_error
from bot.transport.wechaty.protocol import (
    MENTION_SEPARATOR,
    authorization,
    filebox_json,
    response_id,
)
from bot.transport.wechaty.session import Session

log = logging.getLogger("bot.transport.wechaty")

# The Node server's gRPC default receive limit is 4 MiB per message, and base64 adds a third.
INLINE_FILE_LIMIT = 2 * 1024 * 1024
UPLOAD_CHUNK = 256 * 1024


def is_room(conversation: str) -> bool:
    """Whether a conversation id names a room (room ids contain "@")."""
    return "@chatroom" in conversation or "@" in conversation


class Outbound:
    """The send calls of the transport, over the live session."""

    def __init__(
        self, settings: WechatySection, require: Callable[[], Session], directory: Directory
    ) -> None:
        self.settings = settings
        self._require = require
        self._directory = directory

    async def send_text(
        self, conversation: str, text: str, mentions: Sequence[str] = ()
    ) -> str | None:
        """Send text; in rooms, `mentions` (contact ids) are @-mentioned."""
        session = self._require()
        ids = list(dict.fromkeys(m for m in mentions if m))
        if ids and self.settings.mention_names and is_room(conversation):
            text = await self._with_mention_names(session, conversation, text, ids)
        response = await guarded(
            "发送文字",
            session.stub.message_send_text(
                conversation_id=conversation, text=text, mentonal_ids=ids
            ),
            self.settings.tls,
        )
        return response_id(response)

    async def send_file(self, conversation: str, path: str, what: str) -> str | None:
        """Send a file (`what`: "发送图片"/"发送文件", for error messages)."""
        session = self._require()
        file = Path(path)
        try:
            data = await asyncio.to_thread(file.read_bytes)
        except OSError as exc:
            raise TransportError(
                f"{what}失败：读取文件 {path} 出错（{exc.strerror or exc}）"
            ) from exc
        if len(data) <= INLINE_FILE_LIMIT:
            response = await guarded(
                what,
                session.stub.message_send_file(
                    conversation_id=conversation, filebox=filebox_json(data, file.name)
                ),
                self.settings.tls,
            )
            return response_id(response)
        upload = self._upload(session, conversation, data, file.name)
        return response_id(await guarded(what, upload, self.settings.tls))

    async def send_link(
        self, conversation: str, title: str, url: str, description: str = ""
    ) -> str | None:
        """Send a link card; where the service cannot, send "title\\nurl" as text."""
        session = self._require()
        if self.settings.link_cards:
            from grpclib.const import Status
            from grpclib.exceptions import GRPCError

            payload = json.dumps(
                {"title": title, "url": url, "description": description}, ensure_ascii=False
            )
            try:
                response = await session.stub.message_send_url(
                    conversation_id=conversation, url_link=payload
                )
            except GRPCError as exc:
                if exc.status in (
                    Status.UNAVAILABLE,
                    Status.DEADLINE_EXCEEDED,
                    Status.UNAUTHENTICATED,
                    Status.CANCELLED,
                ):
                    raise send_error("发送链接", exc, self.settings.tls) from exc
                # the puppet refused the card (not supported): degrade to text
                log.info("服务未能发送链接卡片（%s），改为发送文字链接", exc.message or exc.status)
            except Exception as exc:
                raise send_error("发送链接", exc, self.settings.tls) from exc
            else:
                return response_id(response)
        return await self.send_text(conversation, f"{title}\n{url}")

    async def _with_mention_names(
        self, session: Session, room: str, text: str, ids: list[str]
    ) -> str:
        prefix: list[str] = []
        for contact_id in ids:
            name = await self._directory.mention_name(session, room, contact_id)
            if name and f"@{name}" not in text:
                prefix.append(f"@{name}")
        if not prefix:
            return text
        return MENTION_SEPARATOR.join(prefix) + MENTION_SEPARATOR + text

    async def _upload(self, session: Session, conversation: str, data: bytes, name: str) -> Any:
        """MessageSendFileStream: conversation id, then the name, then the bytes in chunks.

        (betterproto 1.2.5 lacks the stream-unary helper the generated stub calls.)"""
        from grpclib.const import Cardinality
        from wechaty_grpc.wechaty.puppet import (
            FileBoxChunk,
            MessageSendFileStreamRequest,
            MessageSendFileStreamResponse,
        )

        async with session.channel.request(
            "/wechaty.Puppet/MessageSendFileStream",
            Cardinality.STREAM_UNARY,
            MessageSendFileStreamRequest,
            MessageSendFileStreamResponse,
            timeout=self.settings.rpc_timeout,
            metadata=authorization(self.settings.token),
        ) as stream:
            await stream.send_message(MessageSendFileStreamRequest(conversation_id=conversation))
            await stream.send_message(
                MessageSendFileStreamRequest(file_box_chunk=FileBoxChunk(name=name))
            )
            for start in range(0, len(data), UPLOAD_CHUNK):
                piece = data[start : start + UPLOAD_CHUNK]
                last = start + UPLOAD_CHUNK >= len(data)
                await stream.send_message(
                    MessageSendFileStreamRequest(file_box_chunk=FileBoxChunk(data=piece)),
                    end=last,
                )
            return await stream.recv_message()
