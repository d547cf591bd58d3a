"""The command group's smart robot (智能机器人) over its WebSocket long connection.

One connection at a time: connect, `aibot_subscribe`, then read frames until the socket
closes; a heartbeat `ping` every `heartbeat_interval` seconds (two missed acks: the link
is dead and is closed). A dropped connection is re-opened with exponential backoff. When
WeCom sends `disconnected_event`, another connection for the same bot took over: the
channel warns in Chinese, waits `takeover_retry` and gives up after `max_takeovers`.

The frames are spoken directly with aiohttp, not through `wecom-aibot-python-sdk` 1.0.2: it
passes a TLS context websockets ≥ 14 refuses for `ws://` (no local fake), has no media
upload, logs refusals in English only and retries by recursion. Images: `robot_media`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Any

import aiohttp

from bot.domain.model import ContactInfo, IncomingMessage, RoomInfo
from bot.transport.base import (
    FatalTransportError,
    TransportError,
    TransportStatus,
    until_stopped,
)
from bot.transport.wecom import robot_frames as rf
from bot.transport.wecom import robot_media
from bot.transport.wecom.robot_frames import RobotSettings

__all__ = ["RobotChannel", "RobotSettings"]

log = logging.getLogger("bot.transport.wecom.robot")


class _Takeover(Exception):
    """WeCom said another connection for this bot took over."""


class RobotChannel:
    """The smart robot as a transport: command-group messages in, markdown and images out."""

    name = "wecom-robot"

    def __init__(
        self,
        settings: RobotSettings,
        tz: tzinfo = UTC,
        display_name: Callable[[str], str | None] | None = None,
    ) -> None:
        self.settings = settings
        self.tz = tz
        self.display_name = display_name or (lambda userid: None)
        self.status = TransportStatus(self_id=settings.bot_id, self_name=settings.robot_name)
        self.pings_acked = 0
        self.takeovers = 0
        self._queue: asyncio.Queue[IncomingMessage | None] = asyncio.Queue()
        self._http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._link: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._stopping = False

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect and subscribe; FatalTransportError (Chinese) if that is impossible."""
        if self._supervisor is not None:
            return
        self._stopping = False
        # the session's timeout bounds the handshake; the open socket has no read timeout
        limit = self.settings.connect_timeout
        self._http = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=None, connect=limit, sock_connect=limit)
        )
        try:
            await self._open()
        except Exception as exc:
            await self._close_http()
            message = str(exc) if isinstance(exc, TransportError) else self._network(exc)
            self.status.last_error = message
            log.error("%s", message)
            raise FatalTransportError(message) from exc
        self._supervisor = asyncio.create_task(self._supervise(), name="wecom-robot")

    async def stop(self) -> None:
        """Close the connection and the background tasks; `messages()` ends."""
        self._stopping = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
        await self._drop_link()
        await self._close_http()
        self._queue.put_nowait(None)
        log.info("已断开企业微信智能机器人长连接")

    def messages(self) -> AsyncIterator[IncomingMessage]:
        """Inbound command-group (and single-chat) messages, across reconnects, until stop()."""
        return until_stopped(self._queue)

    # -- one connection --------------------------------------------------------------------

    async def _open(self) -> None:
        """Connect, start reading, subscribe; raise on failure (the link is then dropped)."""
        assert self._http is not None
        ws = await self._http.ws_connect(
            self.settings.ws_url,
            timeout=aiohttp.ClientWSTimeout(ws_close=self.settings.ack_timeout),
            heartbeat=None,
        )
        self._ws = ws
        self._link = asyncio.create_task(self._read(ws), name="wecom-robot-read")
        try:
            subscribe = {"bot_id": self.settings.bot_id, "secret": self.settings.secret}
            ack = await self._request(rf.SUBSCRIBE, subscribe)
            if ack.get("errcode") != 0:
                reason = rf.explain(rf.SUBSCRIBE, ack.get("errcode"), ack.get("errmsg"))
                if ack.get("errcode") in rf.TRANSIENT_CODES:
                    raise TransportError(reason)
                raise FatalTransportError(reason)
        except BaseException:
            await self._drop_link()
            raise
        self._heartbeat = asyncio.create_task(self._beat(ws), name="wecom-robot-ping")
        self.status.connected = True
        self.status.last_error = None
        log.info("已连接企业微信智能机器人长连接（bot_id %s）", self.settings.bot_id)

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Dispatch frames until the socket closes; raises _Takeover after disconnected_event."""
        takeover = False
        try:
            async for msg in ws:
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except ValueError:
                    log.warning("智能机器人收到无法解析的帧，已忽略：%.200s", msg.data)
                    continue
                if isinstance(data, dict) and self._dispatch(data):
                    takeover = True
        finally:
            self._fail_pending("智能机器人长连接已断开，消息将稍后重发")
        if takeover:
            raise _Takeover

    def _dispatch(self, data: dict[str, Any]) -> bool:
        """Handle one frame; True when it is the takeover event."""
        cmd = data.get("cmd")
        headers = data.get("headers")
        request_id = headers.get("req_id", "") if isinstance(headers, dict) else ""
        raw_body = data.get("body")
        body: dict[str, Any] = raw_body if isinstance(raw_body, dict) else {}
        if not cmd:
            future = self._pending.pop(request_id, None)
            if future is not None and not future.done():
                future.set_result(data)
            return False
        if cmd == rf.MSG_CALLBACK:
            if robot_media.wanted(body):  # a member's photo, one to one
                robot_media.fetch_later(self._http, self._queue, body, self.tz)
                return False
            msg = rf.incoming(body, self.settings, self.tz)
            if msg is not None:
                self._queue.put_nowait(msg)
                self.status.last_event_at = msg.at
            return False
        if cmd == rf.EVENT_CALLBACK:
            raw_event = body.get("event")
            event: dict[str, Any] = raw_event if isinstance(raw_event, dict) else {}
            if event.get("eventtype") == rf.DISCONNECTED_EVENT:
                return True
            log.debug("智能机器人事件 %s 已忽略", event.get("eventtype"))
            return False
        log.debug("智能机器人收到未知帧 %s，已忽略", cmd)
        return False

    async def _beat(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Ping every heartbeat interval; after two missed acks close the dead link."""
        missed = 0
        while not ws.closed:
            await asyncio.sleep(self.settings.heartbeat_interval)
            try:
                ack = await self._request(rf.PING)
            except TransportError:
                missed += 1
                if missed >= 2:
                    log.warning("智能机器人心跳连续 %d 次未收到回执，重新连接", missed)
                    await ws.close()
                    return
                continue
            missed = 0
            if ack.get("errcode") == 0:
                self.pings_acked += 1

    async def _request(self, cmd: str, body: Any = None) -> dict[str, Any]:
        """Send a request frame and wait for its ack (TransportError if none comes)."""
        ws = self._ws
        if ws is None or ws.closed:
            why = self.status.last_error or "连接中"
            raise TransportError(f"智能机器人长连接未建立（{why}），消息将稍后重发")
        out = rf.frame(cmd, body)
        request_id = out["headers"]["req_id"]
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            await ws.send_str(json.dumps(out, ensure_ascii=False))
            async with asyncio.timeout(self.settings.ack_timeout):
                return await future
        except TimeoutError as exc:
            raise TransportError(
                f"智能机器人请求 {cmd} 在 {self.settings.ack_timeout:g} 秒内没有回执"
            ) from exc
        except (aiohttp.ClientError, ConnectionError) as exc:
            raise TransportError(f"智能机器人请求 {cmd} 发送失败：{exc}") from exc
        finally:
            self._pending.pop(request_id, None)

    def _fail_pending(self, reason: str) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(TransportError(reason))
        self._pending.clear()

    async def _drop_link(self) -> None:
        self.status.connected = False
        for task in (self._heartbeat, self._link):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._heartbeat = self._link = None
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
            self._ws = None

    async def _close_http(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    # -- keeping it up ---------------------------------------------------------------------

    async def _supervise(self) -> None:
        """Wait for the link to end, then reconnect with backoff (bounded after takeovers)."""
        while not self._stopping:
            link = self._link
            delay = self.settings.reconnect_base
            try:
                if link is not None:
                    await link
            except _Takeover:
                self.takeovers += 1
                message = (
                    "另一个连接以同一个智能机器人（bot_id "
                    f"{self.settings.bot_id}）登录，本连接被企业微信断开：请确认只运行了一个机器人程序"
                )
                if self.takeovers >= self.settings.max_takeovers:
                    await self._give_up(f"{message}；已被顶替 {self.takeovers} 次，不再重连")
                    return
                log.warning("%s；%g 秒后重试", message, self.settings.takeover_retry)
                self.status.last_error = message
                delay = self.settings.takeover_retry
            except Exception as exc:
                log.warning("智能机器人长连接读取出错：%s", self._network(exc))
            await self._drop_link()
            if not self._stopping:
                log.warning("智能机器人长连接已断开，正在重连")
                await self._reconnect(delay)

    async def _reconnect(self, first_delay: float) -> None:
        """Re-open with exponential backoff until it works, stop(), or a fatal refusal."""
        delay = first_delay
        while not self._stopping:
            await asyncio.sleep(delay)
            try:
                await self._open()
            except FatalTransportError as exc:
                await self._give_up(str(exc))
                return
            except Exception as exc:
                reason = str(exc) if isinstance(exc, TransportError) else self._network(exc)
                self.status.last_error = reason
                log.warning("智能机器人重连失败：%s", reason)
                delay = min(
                    max(delay, self.settings.reconnect_base) * 2, self.settings.reconnect_max
                )
                continue
            self.status.reconnects += 1
            return

    async def _give_up(self, message: str) -> None:
        self.status.last_error = message
        log.error("%s", message)
        await self._drop_link()
        self._stopping = True

    def _network(self, exc: BaseException) -> str:
        return (
            f"无法连接企业微信智能机器人长连接 {self.settings.ws_url}"
            f"（{type(exc).__name__}: {exc}）：请检查网络，以及服务器能否访问该地址"
        )

    # -- sending ---------------------------------------------------------------------------

    async def _call(self, cmd: str, body: dict[str, Any]) -> dict[str, Any]:
        ack = await self._request(cmd, body)
        if ack.get("errcode") != 0:
            raise TransportError(rf.explain(cmd, ack.get("errcode"), ack.get("errmsg")))
        reply = ack.get("body")
        return reply if isinstance(reply, dict) else {}

    async def send_text(
        self, conversation: str, text: str, mentions: Sequence[str] = ()
    ) -> str | None:
        """Proactive markdown (`aibot_send_msg`); mentions become plain "@名字" text.

        The robot's markdown has no documented `<@userid>` mention, so names are written
        out (the people are not notified individually)."""
        names = " ".join(f"@{self.display_name(m) or m}" for m in mentions)
        content = f"{names}\n{text}" if names else text
        chatid = self.settings.chat_for(conversation)
        for piece in rf.split_markdown(content):
            await self._call(
                rf.SEND_MSG,
                {"chatid": chatid, "msgtype": "markdown", "markdown": {"content": piece}},
            )
        return None

    async def upload(self, path: str, media_type: str = "image") -> str:
        """Upload a file in ≤512 KB chunks (init → chunk × n → finish); its media_id."""
        data = await asyncio.to_thread(Path(path).read_bytes)
        init_body, chunks = rf.upload_plan(Path(path).name, data, media_type)
        upload_id = str((await self._call(rf.UPLOAD_INIT, init_body)).get("upload_id", ""))
        if not upload_id:
            raise TransportError(
                "智能机器人上传素材失败：aibot_upload_media_init 未返回 upload_id"
            )
        for index, chunk in enumerate(chunks):
            encoded = base64.b64encode(chunk).decode("ascii")
            body = {"upload_id": upload_id, "chunk_index": index, "base64_data": encoded}
            await self._call(rf.UPLOAD_CHUNK, body)
        finish = await self._call(rf.UPLOAD_FINISH, {"upload_id": upload_id})
        media_id = str(finish.get("media_id", ""))
        if not media_id:
            raise TransportError(
                "智能机器人上传素材失败：aibot_upload_media_finish 未返回 media_id"
            )
        return media_id

    async def _send_media(self, conversation: str, path: str, media_type: str) -> str | None:
        media_id = await self.upload(path, media_type)
        await self._call(
            rf.SEND_MSG,
            {
                "chatid": self.settings.chat_for(conversation),
                "msgtype": media_type,
                media_type: {"media_id": media_id},
            },
        )
        return None

    async def send_image(self, conversation: str, path: str) -> str | None:
        """Upload the image, then send it proactively."""
        return await self._send_media(conversation, path, "image")

    async def send_file(self, conversation: str, path: str) -> str | None:
        """Upload the file, then send it proactively."""
        return await self._send_media(conversation, path, "file")

    async def send_link(
        self, conversation: str, title: str, url: str, description: str = ""
    ) -> str | None:
        """A markdown link (the robot has no link card for proactive sends)."""
        text = f"[{title}]({url})" + (f"\n{description}" if description else "")
        return await self.send_text(conversation, text)

    async def list_groups(self) -> list[RoomInfo]:
        """The configured command chats (the robot cannot list the groups it is in)."""
        return [RoomInfo(id=c, topic=group) for c, group in self.settings.command_chats.items()]

    async def group_members(self, group_id: str) -> list[ContactInfo]:
        """Unknown over the long connection: always empty."""
        return []
