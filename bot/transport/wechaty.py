"""The Wechaty transport: a real WeChat account through a Wechaty puppet service (gRPC).

Speaks the puppet-service protocol directly with the `wechaty-grpc` stubs (betterproto 1.2.5
over grpclib); this is the only module that imports `wechaty_grpc`, `grpclib` or
`betterproto`, and only lazily, so the rest of the bot runs without them.

Flow: connect (TLS with ALPN h2 unless disabled), `stop()` and
`start()` the puppet, read `event()` in a background task, wait for LOGIN and record the
bot's own contact id. MESSAGE events are completed with `message_payload()` (and the bytes
of images/files) and handed out by `messages()`. When the stream ends, fails or stays silent
for `watchdog_seconds` (heartbeats and dongs count; the transport `ding()`s to provoke them),
the transport reconnects with exponential backoff and jitter; `messages()` just continues.
While disconnected, sends raise `TransportError` so the outbox keeps the message.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import hashlib
import json
import logging
import os
import random as _random
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from bot.domain.model import IncomingMessage, MessageKind
from bot.transport.base import (
    ContactInfo,
    FatalTransportError,
    RoomInfo,
    TransportError,
    TransportStatus,
)

log = logging.getLogger("bot.transport.wechaty")

# The *TypeScript* wechaty-puppet message-type enum, which is what puppet services put into
# `MessagePayloadResponse.type` (not the proto enum of wechaty-grpc, where 7 means VIDEO).
TS_UNKNOWN = 0
TS_ATTACHMENT = 1
TS_AUDIO = 2
TS_CONTACT = 3
TS_CHAT_HISTORY = 4
TS_EMOTICON = 5
TS_IMAGE = 6
TS_TEXT = 7
TS_LOCATION = 8
TS_MINI_PROGRAM = 9
TS_GROUP_NOTE = 10
TS_TRANSFER = 11
TS_RED_ENVELOPE = 12
TS_RECALLED = 13
TS_URL = 14
TS_VIDEO = 15
TS_POST = 16

TS_TYPE_LABELS: dict[int, str] = {
    TS_UNKNOWN: "未知",
    TS_ATTACHMENT: "文件",
    TS_AUDIO: "语音",
    TS_CONTACT: "名片",
    TS_CHAT_HISTORY: "聊天记录",
    TS_EMOTICON: "表情",
    TS_IMAGE: "图片",
    TS_TEXT: "文字",
    TS_LOCATION: "位置",
    TS_MINI_PROGRAM: "小程序",
    TS_GROUP_NOTE: "群公告",
    TS_TRANSFER: "转账",
    TS_RED_ENVELOPE: "红包",
    TS_RECALLED: "撤回",
    TS_URL: "链接",
    TS_VIDEO: "视频",
    TS_POST: "动态",
}

# What the bot understands; everything else is logged and skipped.
KIND_BY_TS_TYPE: dict[int, MessageKind] = {
    TS_TEXT: MessageKind.TEXT,
    TS_IMAGE: MessageKind.IMAGE,
    TS_ATTACHMENT: MessageKind.FILE,
    TS_VIDEO: MessageKind.FILE,
    TS_URL: MessageKind.LINK,
}

# wechaty-grpc EventType values (same numbers in the old Python stubs and the current proto).
EV_HEARTBEAT = 1
EV_MESSAGE = 2
EV_DONG = 3
EV_ERROR = 16
EV_ROOM_JOIN = 19
EV_ROOM_LEAVE = 20
EV_ROOM_TOPIC = 21
EV_SCAN = 22
EV_READY = 23
EV_RESET = 24
EV_LOGIN = 25
EV_LOGOUT = 26
EV_DIRTY = 27

# FileBox JSON `type`/`boxType` of file-box >= 1.0 (FileBoxType.Base64).
FILEBOX_BASE64 = 1
# Files up to this size go inline as base64 FileBox JSON in one MessageSendFile call (the Node
# server's gRPC default receive limit is 4 MiB per message, and base64 adds a third); bigger
# ones go through the chunked MessageSendFileStream call.
INLINE_FILE_LIMIT = 2 * 1024 * 1024
UPLOAD_CHUNK = 256 * 1024
# U+2005 FOUR-PER-EM SPACE: what WeChat (and Wechaty's Room.say) puts after "@name".
MENTION_SEPARATOR = "\u2005"

ENV_TOKEN = "WECHATY_PUPPET_SERVICE_TOKEN"
ENV_ENDPOINT = "WECHATY_PUPPET_SERVICE_ENDPOINT"
ENV_NO_TLS = "WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT"
ENV_SERVER_NAME = "WECHATY_PUPPET_SERVICE_TLS_SERVER_NAME"
ENV_CA_FILE = "WECHATY_PUPPET_SERVICE_TLS_CA_FILE"

Sleep = Callable[[float], Awaitable[None]]


def _env_true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


@dataclass
class WechatyConfig:
    """How to reach the puppet service (token + endpoint, TLS on by default)."""

    endpoint: str = ""
    token: str = ""
    tls: bool = True
    ca_file: str | None = None
    verify: bool = True
    watchdog_seconds: float = 60.0
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    # TLS server name (SNI and certificate check). Default, as the Node client does: the
    # token's prefix before its last "_" (e.g. "puppet_padlocal_xxx" -> "puppet_padlocal"),
    # else the endpoint host.
    server_name: str | None = None
    login_timeout: float = 60.0
    rpc_timeout: float = 30.0
    # Try real link cards first (falls back to "title\nurl" text when the service refuses).
    link_cards: bool = True
    # Put "@name " in front of the text for mentioned contacts whose name it lacks, as
    # Wechaty's Room.say does (WeChat shows the text as sent; the ids only notify).
    mention_names: bool = True
    max_download_bytes: int = 50 * 1024 * 1024

    @classmethod
    def from_env(
        cls, base: object | None = None, environ: Mapping[str, str] | None = None
    ) -> WechatyConfig:
        """`base` (a WechatyConfig or any object with the same fields, e.g. the `[wechaty]`
        config section) with the WECHATY_PUPPET_SERVICE_* environment variables on top."""
        env = os.environ if environ is None else environ
        fields: dict[str, Any] = {}
        if base is not None:
            for name in cls.__dataclass_fields__:
                if hasattr(base, name):
                    fields[name] = getattr(base, name)
        if not fields.get("ca_file"):
            fields["ca_file"] = None
        if env.get(ENV_TOKEN):
            fields["token"] = env[ENV_TOKEN].strip()
        if env.get(ENV_ENDPOINT):
            fields["endpoint"] = env[ENV_ENDPOINT].strip()
        if _env_true(env.get(ENV_NO_TLS)):
            fields["tls"] = False
        if env.get(ENV_SERVER_NAME):
            fields["server_name"] = env[ENV_SERVER_NAME].strip()
        if env.get(ENV_CA_FILE):
            fields["ca_file"] = env[ENV_CA_FILE].strip()
        return cls(**fields)

    def host_port(self) -> tuple[str, int]:
        """Split `endpoint` ("host:port", "[v6]:port"); FatalTransportError if malformed."""
        raw = self.endpoint.strip()
        for prefix in ("grpc://", "grpcs://", "http://", "https://"):
            if raw.startswith(prefix):
                raw = raw[len(prefix) :]
        raw = raw.rstrip("/")
        host, sep, port_text = raw.rpartition(":")
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise FatalTransportError(
                f"Wechaty 服务地址 {self.endpoint!r} 格式不对，应为 主机:端口"
                f"（请检查 {ENV_ENDPOINT} 或配置项 wechaty.endpoint）"
            )
        return host, int(port_text)

    def tls_server_name(self) -> str | None:
        """The name the server certificate is checked against (None: the endpoint host)."""
        if self.server_name:
            return self.server_name
        cut = self.token.rfind("_")
        if cut > 0:
            return self.token[:cut].lower()
        return None


def filebox_json(data: bytes, name: str) -> str:
    """The FileBox JSON the Node side (file-box 1.x `FileBox.fromJSON`) reads as base64 content.

    Both `type` (file-box >= 1.0) and `boxType` (older servers) are set to 1 (Base64)."""
    payload = {
        "type": FILEBOX_BASE64,
        "boxType": FILEBOX_BASE64,
        "base64": base64.b64encode(data).decode("ascii"),
        "name": name,
        "size": len(data),
        "md5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
        "metadata": {},
    }
    return json.dumps(payload, ensure_ascii=False)


def message_time(timestamp: int, tz: tzinfo = UTC) -> datetime:
    """A payload timestamp (milliseconds in puppet 1.x, seconds in older ones) as a datetime."""
    if timestamp <= 0:
        return datetime.now(tz)
    seconds = timestamp / 1000 if timestamp > 100_000_000_000 else float(timestamp)
    return datetime.fromtimestamp(seconds, tz)


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def explain_error(exc: BaseException, tls: bool, *, connecting: bool = True) -> tuple[str, bool]:
    """A Chinese reason for a connection/RPC failure, and whether retrying cannot help.

    `connecting`: the failure happened while setting up a connection (then a dropped
    connection hints at a TLS mismatch); otherwise an established connection broke."""
    if isinstance(exc, TransportError):
        return str(exc), isinstance(exc, FatalTransportError)
    from grpclib.const import Status
    from grpclib.exceptions import GRPCError, StreamTerminatedError

    if isinstance(exc, GRPCError):
        detail = f"（{exc.message}）" if exc.message else ""
        if exc.status is Status.UNAUTHENTICATED:
            return f"令牌（token）错误，请检查 {ENV_TOKEN}{detail}", True
        if exc.status is Status.PERMISSION_DENIED:
            return f"令牌（token）无权访问该服务，请检查 {ENV_TOKEN}{detail}", True
        if exc.status is Status.UNIMPLEMENTED:
            return f"服务不支持所需的接口，请确认它是 Wechaty puppet 服务{detail}", True
        if exc.status is Status.DEADLINE_EXCEEDED:
            return f"服务响应超时{detail}", False
        return f"服务返回错误 {exc.status.name}{detail}", False
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"TLS 证书校验失败（{exc.verify_message or exc.reason}），请配置服务商的 CA 证书"
            f"（wechaty.ca_file）和证书名（{ENV_SERVER_NAME}），或关闭校验（wechaty.verify=false）",
            True,
        )
    if isinstance(exc, ssl.SSLError):
        return (
            f"TLS 握手失败（{exc.reason or exc}）：服务端可能没有启用 TLS，"
            f"如确认如此请关闭 TLS（{ENV_NO_TLS}=true 或 wechaty.tls=false）",
            True,
        )
    if isinstance(exc, StreamTerminatedError):
        if not connecting:
            return f"连接中断（{exc}）", False
        if not tls:
            return (
                "连接被服务端断开：服务端可能启用了 TLS，请开启 TLS"
                f"（去掉 {ENV_NO_TLS}，或设 wechaty.tls=true）",
                True,
            )
        return f"连接被服务端断开（{exc}）", False
    if isinstance(exc, ConnectionRefusedError):
        return (
            f"连接被拒绝，请检查 {ENV_ENDPOINT}（主机和端口）以及 Wechaty 服务是否已启动",
            True,
        )
    if isinstance(exc, TimeoutError):
        return "连接超时，请检查网络和服务地址", False
    if isinstance(exc, OSError):
        import socket

        if isinstance(exc, socket.gaierror):
            return f"无法解析主机名，请检查 {ENV_ENDPOINT}（{exc.strerror or exc}）", True
        return f"网络错误：{exc.strerror or exc}", False
    return f"意外错误：{exc!r}", False


def _import_grpc() -> None:
    """Fail with a clear message when the gRPC packages are missing."""
    try:
        import betterproto  # noqa: F401
        import grpclib  # noqa: F401
        import wechaty_grpc  # noqa: F401
    except ImportError as exc:
        raise FatalTransportError(
            f"缺少 Wechaty 依赖（{exc.name}），请安装：pip install wechaty-grpc==0.20.19"
        ) from exc


def _is_connection_error(exc: BaseException) -> bool:
    from grpclib.exceptions import GRPCError, ProtocolError, StreamTerminatedError

    return isinstance(
        exc, GRPCError | StreamTerminatedError | ProtocolError | OSError | TimeoutError
    )


@functools.cache
def _closing_channel_class(base: type[Any]) -> type[Any]:
    """grpclib's Channel, but one that stays closed.

    A send that was connecting when the session closed would otherwise re-open the
    socket afterwards and leak it; here such a late connection is closed at once.
    """

    class ClosingChannel(base):
        closed = False

        def close(self) -> None:
            self.closed = True
            super().close()

        async def __connect__(self) -> Any:
            protocol = await super().__connect__()
            if self.closed:
                super().close()
            return protocol

    return ClosingChannel


@dataclass
class _Session:
    """One connection: a channel, a stub for calls (with a timeout), one for the stream."""

    channel: Any
    stub: Any
    stream_stub: Any
    events: AsyncIterator[Any] | None = None
    pending: list[Any] = field(default_factory=list)
    alive: bool = True

    async def close(self) -> None:
        self.alive = False
        events, self.events = self.events, None
        try:
            aclose = getattr(events, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(2):
                        await aclose()
        finally:
            # also when cancelled half-way: an unclosed channel leaks its socket
            self.channel.close()


class WechatyTransport:
    """Transport over a Wechaty puppet service (see the module docstring)."""

    name = "wechaty"

    def __init__(
        self,
        config: WechatyConfig,
        *,
        sleep: Sleep = asyncio.sleep,
        random: Callable[[], float] = _random.random,
        tz: tzinfo = UTC,
    ) -> None:
        self.config = config
        self.status = TransportStatus()
        self._sleep = sleep
        self._random = random
        self._tz = tz
        self._queue: asyncio.Queue[IncomingMessage | None] = asyncio.Queue()
        self._session: _Session | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._stopping = False
        self._connected_event = asyncio.Event()
        self._disconnected_event = asyncio.Event()
        self._disconnected_event.set()
        self._names: dict[tuple[str, str], str] = {}

    # -- Transport protocol -------------------------------------------------------------

    async def start(self) -> None:
        """Connect, (re)start the puppet, wait for LOGIN; FatalTransportError if impossible."""
        if self._supervisor is not None:
            return
        self._stopping = False
        self._drop_end_markers()
        try:
            _import_grpc()
            session = await self._connect(first=True)
        except Exception as exc:
            reason, _fatal = explain_error(exc, self.config.tls)
            message = f"无法连接 Wechaty 服务 {self.config.endpoint}：{reason}"
            self.status.last_error = message
            log.error("%s", message)
            raise FatalTransportError(message) from exc
        self._session = session
        self._set_connected(True)
        log.info(
            "已连接 Wechaty 服务 %s，机器人账号 %s（%s）",
            self.config.endpoint,
            self.status.self_id,
            self.status.self_name or "未知昵称",
        )
        self._supervisor = asyncio.create_task(self._supervise(), name="wechaty-transport")

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
        self._stopping = True
        session = self._session
        if session is not None and self.status.connected:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(3):
                    await session.stub.stop()
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
        await self._close_session()
        self._set_connected(False)
        self._queue.put_nowait(None)
        log.info("已断开 Wechaty 服务 %s", self.config.endpoint)

    async def messages(self) -> AsyncIterator[IncomingMessage]:
        """Inbound messages (the bot's own excluded), across reconnects, until stop()."""
        while True:
            msg = await self._queue.get()
            if msg is None:
                return
            yield msg

    async def send_text(
        self, conversation: str, text: str, mentions: Sequence[str] = ()
    ) -> str | None:
        """Send text; in rooms, `mentions` (contact ids) are @-mentioned."""
        session = self._require()
        ids = list(dict.fromkeys(m for m in mentions if m))
        if ids and self.config.mention_names and self._is_room(conversation):
            text = await self._with_mention_names(session, conversation, text, ids)
        response = await self._call(
            "发送文字",
            session.stub.message_send_text(
                conversation_id=conversation, text=text, mentonal_ids=ids
            ),
        )
        return self._response_id(response)

    async def send_image(self, conversation: str, path: str) -> str | None:
        """Send an image file (the service decides image vs file by its type)."""
        return await self._send_file(conversation, path, "发送图片")

    async def send_file(self, conversation: str, path: str) -> str | None:
        """Send any file as an attachment."""
        return await self._send_file(conversation, path, "发送文件")

    async def send_link(
        self, conversation: str, title: str, url: str, description: str = ""
    ) -> str | None:
        """Send a link card; where the service cannot, send "title\\nurl" as text."""
        session = self._require()
        if self.config.link_cards:
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
                    raise self._send_error("发送链接", exc) from exc
                # the puppet refused the card (not supported): degrade to text
                log.info("服务未能发送链接卡片（%s），改为发送文字链接", exc.message or exc.status)
            except Exception as exc:
                raise self._send_error("发送链接", exc) from exc
            else:
                return self._response_id(response)
        return await self.send_text(conversation, f"{title}\n{url}")

    async def list_groups(self) -> list[RoomInfo]:
        """Rooms the bot account is in (room_list + room_payload)."""
        session = self._require()
        listing = await self._call("获取群列表", session.stub.room_list())
        rooms: list[RoomInfo] = []
        for room_id in listing.ids:
            payload = await self._call("获取群信息", session.stub.room_payload(id=room_id))
            rooms.append(RoomInfo(room_id, payload.topic))
        return rooms

    async def group_members(self, group_id: str) -> list[ContactInfo]:
        """Members of one room, with their room nickname as `alias` where the service has one."""
        from grpclib.exceptions import GRPCError

        session = self._require()
        listing = await self._call("获取群成员", session.stub.room_member_list(id=group_id))
        members: list[ContactInfo] = []
        for contact_id in listing.member_ids:
            name = ""
            alias = ""
            try:
                member = await session.stub.room_member_payload(id=group_id, member_id=contact_id)
                name, alias = member.name, member.room_alias
            except GRPCError:
                pass  # not every service implements RoomMemberPayload
            except Exception as exc:
                raise self._send_error("获取群成员", exc) from exc
            if not name:
                contact = await self._call(
                    "获取联系人", session.stub.contact_payload(id=contact_id)
                )
                name = contact.name
            members.append(ContactInfo(contact_id, name or contact_id, alias))
            self._names[(group_id, contact_id)] = alias or name or contact_id
        return members

    # -- waiting on the connection state (for the app and tests) --------------------------

    async def wait_connected(self, connected: bool = True, timeout: float | None = None) -> None:
        """Wait until the transport is (dis)connected; TimeoutError after `timeout` seconds."""
        event = self._connected_event if connected else self._disconnected_event
        async with asyncio.timeout(timeout):
            await event.wait()

    # -- connection ------------------------------------------------------------------------

    def _ssl_context(self) -> ssl.SSLContext | None:
        if not self.config.tls:
            return None
        try:
            ctx = ssl.create_default_context(
                ssl.Purpose.SERVER_AUTH, cafile=self.config.ca_file or None
            )
        except (OSError, ssl.SSLError) as exc:
            raise FatalTransportError(
                f"无法读取 CA 证书文件 {self.config.ca_file}（{exc}），"
                "请检查配置项 wechaty.ca_file"
            ) from exc
        if not self.config.verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(["h2"])
        return ctx

    async def _connect(self, *, first: bool, takeover: bool = True) -> _Session:
        """Open a channel, (re)start the puppet, open the event stream, wait for LOGIN.

        `first`: stop() the puppet before start() (a clean slate). A reconnect only calls
        start(), unless the service still holds an event stream (ALREADY_EXISTS): then,
        once (`takeover`), it stops and starts the puppet to free it."""
        from grpclib.client import Channel
        from grpclib.config import Configuration
        from grpclib.const import Status
        from grpclib.exceptions import GRPCError
        from wechaty_grpc.wechaty import PuppetStub

        host, port = self.config.host_port()
        if not self.config.token:
            raise FatalTransportError(f"没有配置令牌（token），请设置 {ENV_TOKEN}")
        ctx = self._ssl_context()
        server_name = self.config.tls_server_name() if ctx is not None else None
        config = Configuration(ssl_target_name_override=server_name) if server_name else None
        channel = _closing_channel_class(Channel)(host, port, ssl=ctx, config=config)
        metadata = {"authorization": f"Wechaty {self.config.token}"}
        session = _Session(
            channel=channel,
            stub=PuppetStub(channel, metadata=metadata, timeout=self.config.rpc_timeout),
            stream_stub=PuppetStub(channel, metadata=metadata),
        )
        try:
            if first:
                await session.stub.stop()
            await session.stub.start()
            try:
                await self._open_events(session)
            except GRPCError as exc:
                if exc.status is not Status.ALREADY_EXISTS or not takeover:
                    raise
                # a stale stream of an earlier connection is still registered: reset it
                log.warning(
                    "服务端已有另一个事件流（上一次连接未释放，或另一个程序在用同一令牌），"
                    "接管后重试"
                )
                await session.close()
                return await self._connect(first=True, takeover=False)
        except BaseException:
            await session.close()
            raise
        return session

    async def _open_events(self, session: _Session) -> None:
        """Start `event()` and read it up to LOGIN (keeping anything else for later)."""
        session.events = aiter(session.stream_stub.event())
        scan_logged: set[str] = set()
        try:
            async with asyncio.timeout(self.config.login_timeout) as deadline:
                while True:
                    event = await anext(session.events)
                    self._touch()
                    kind = int(event.type)
                    payload = _json_object(event.payload)
                    if kind == EV_LOGIN:
                        self.status.self_id = str(payload.get("contactId", "")) or None
                        break
                    if kind == EV_SCAN:
                        qrcode = str(payload.get("qrcode", ""))
                        if qrcode and qrcode not in scan_logged:
                            scan_logged.add(qrcode)
                            log.warning("微信账号未登录，请用机器人微信扫码登录：%s", qrcode)
                    elif kind == EV_MESSAGE:
                        session.pending.append(event)
        except StopAsyncIteration:
            raise TransportError("事件流在登录前结束") from None
        except TimeoutError:
            if not deadline.expired():
                raise
            raise TransportError(
                f"等待微信账号登录超时（{self.config.login_timeout:g} 秒），"
                "请确认 Wechaty 服务上的机器人微信已登录（可能需要扫码）"
            ) from None
        if not self.status.self_id:
            raise TransportError("登录事件里没有机器人账号 id")
        with contextlib.suppress(Exception):
            contact = await session.stub.contact_payload(id=self.status.self_id)
            self.status.self_name = contact.name or None

    async def _close_session(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def _set_connected(self, connected: bool) -> None:
        self.status.connected = connected
        if connected:
            self._disconnected_event.clear()
            self._connected_event.set()
        else:
            self._connected_event.clear()
            self._disconnected_event.set()

    def _touch(self) -> None:
        self.status.last_event_at = datetime.now(self._tz)

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: between half and all of initial·2^(n-1), capped."""
        base = min(self.config.backoff_max, self.config.backoff_initial * 2 ** (attempt - 1))
        return max(0.0, base * (0.5 + 0.5 * self._random()))

    async def _supervise(self) -> None:
        """Pump the current session; on loss reconnect with backoff, forever until stop()."""
        attempt = 0
        reason = ""
        while not self._stopping:
            session = self._session
            if session is not None:
                try:
                    reason = await self._pump(session)
                except Exception as exc:  # a bug must not end the transport for good
                    log.exception("处理 Wechaty 事件时出错，重新连接")
                    reason = f"内部错误：{exc!r}"
                if self._stopping:
                    return
                self._set_connected(False)
                self.status.last_error = f"连接断开：{reason}"
                await self._close_session()
            attempt += 1
            delay = self._backoff(attempt)
            log.warning(
                "Wechaty 服务 %s 连接断开（%s），%.3g 秒后重连（第 %d 次）",
                self.config.endpoint,
                reason,
                delay,
                attempt,
            )
            await self._sleep(delay)
            if self._stopping:
                return
            try:
                session = await self._connect(first=False)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # the TLS settings worked before: no TLS hints for a broken reconnect
                reason, fatal = explain_error(exc, self.config.tls, connecting=False)
                if fatal:
                    log.error("重连 Wechaty 服务 %s 失败：%s", self.config.endpoint, reason)
                self.status.last_error = f"重连失败：{reason}"
                continue
            self._session = session
            attempt = 0
            self.status.reconnects += 1
            self.status.last_error = None
            self._set_connected(True)
            log.info(
                "已重新连接 Wechaty 服务 %s（累计重连 %d 次）",
                self.config.endpoint,
                self.status.reconnects,
            )

    async def _pump(self, session: _Session) -> str:
        """Read events until the stream ends, fails or the watchdog bites; return why."""
        keepalive = asyncio.create_task(self._keepalive(session), name="wechaty-keepalive")
        try:
            pending, session.pending = session.pending, []
            for event in pending:
                await self._on_event_safely(session, event)
            assert session.events is not None
            while True:
                try:
                    async with asyncio.timeout(self.config.watchdog_seconds) as deadline:
                        event = await anext(session.events)
                except StopAsyncIteration:
                    return "事件流已结束"
                except TimeoutError as exc:
                    if deadline.expired():
                        return f"{self.config.watchdog_seconds:g} 秒内没有收到任何事件"
                    return explain_error(exc, self.config.tls, connecting=False)[0]
                except Exception as exc:
                    if not _is_connection_error(exc):
                        log.exception("读取 Wechaty 事件流出错")
                    return explain_error(exc, self.config.tls, connecting=False)[0]
                self._touch()
                await self._on_event_safely(session, event)
        finally:
            session.alive = False
            keepalive.cancel()
            # bounded: never let a stuck helper hold up the reconnect
            await asyncio.wait({keepalive}, timeout=2)

    async def _keepalive(self, session: _Session) -> None:
        """ding() now and then so that a quiet but healthy service answers with a dong."""
        interval = max(0.2, self.config.watchdog_seconds / 3)
        while session.alive:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(interval):
                    await session.stub.ding(data="keepalive")
            await asyncio.sleep(interval)

    async def _on_event_safely(self, session: _Session, event: Any) -> None:
        try:
            await self._on_event(session, event)
        except Exception:
            log.exception("处理 Wechaty 事件（类型 %s）出错，已跳过", getattr(event, "type", "?"))

    async def _on_event(self, session: _Session, event: Any) -> None:
        kind = int(event.type)
        payload = _json_object(event.payload)
        if kind == EV_MESSAGE:
            message_id = str(payload.get("messageId", ""))
            if message_id:
                msg = await self._incoming(session, message_id)
                if msg is not None:
                    self._queue.put_nowait(msg)
        elif kind == EV_LOGIN:
            self.status.self_id = str(payload.get("contactId", "")) or self.status.self_id
            if not self.status.connected:
                self._set_connected(True)
                log.info("微信账号 %s 已重新登录", self.status.self_id)
        elif kind == EV_LOGOUT:
            self._set_connected(False)
            reason = str(payload.get("data", "")) or "未知原因"
            self.status.last_error = f"微信账号已登出：{reason}"
            log.error("Wechaty 服务上的微信账号已登出（%s），等待重新登录", reason)
        elif kind == EV_SCAN:
            qrcode = str(payload.get("qrcode", ""))
            if qrcode:
                log.warning("微信账号需要扫码登录：%s", qrcode)
        elif kind == EV_ERROR:
            log.warning("Wechaty 服务报告错误：%s", payload.get("data", event.payload))
        elif kind in (EV_DIRTY, EV_ROOM_TOPIC, EV_ROOM_JOIN, EV_ROOM_LEAVE):
            self._names.clear()
        elif kind == EV_RESET:
            log.warning("Wechaty 服务重置了机器人账号：%s", payload.get("data", ""))

    # -- inbound ---------------------------------------------------------------------------

    async def _incoming(self, session: _Session, message_id: str) -> IncomingMessage | None:
        """Complete one MESSAGE event; None for the bot's own and unsupported messages."""
        try:
            payload = await session.stub.message_payload(id=message_id)
        except Exception as exc:
            reason = self._reason(exc)
            log.error("获取消息 %s 的内容失败，已跳过：%s", message_id, reason)
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
        if kind is MessageKind.LINK:
            text = await self._link_text(session, message_id, text)
        elif kind in (MessageKind.IMAGE, MessageKind.FILE):
            fetched = await self._download(session, message_id)
            if fetched is not None:
                data, name = fetched
                filename = filename or name or None
            text = ""
        return IncomingMessage(
            id=payload.id or message_id,
            at=message_time(int(payload.timestamp), self._tz),
            sender=sender,
            text=text,
            group=payload.room_id or None,
            kind=kind,
            mentions=tuple(payload.mention_ids),
            data=data,
            filename=filename,
        )

    async def _link_text(self, session: _Session, message_id: str, fallback: str) -> str:
        try:
            response = await session.stub.message_url(id=message_id)
        except Exception as exc:
            log.warning("获取链接消息 %s 失败：%s", message_id, self._reason(exc))
            return fallback
        link = _json_object(response.url_link)
        title = str(link.get("title", "")).strip()
        url = str(link.get("url", "")).strip()
        return "\n".join(part for part in (title, url) if part) or fallback

    async def _download(self, session: _Session, message_id: str) -> tuple[bytes, str] | None:
        """The bytes of an image/file message: MessageFileStream (chunks), else MessageFile."""
        import betterproto
        from grpclib.const import Status
        from grpclib.exceptions import GRPCError

        limit = self.config.max_download_bytes
        chunks: list[bytes] = []
        size = 0
        name = ""
        try:
            loop = asyncio.get_running_loop()
            stream = session.stream_stub.message_file_stream(id=message_id)
            # rpc_timeout is the longest pause between two chunks, not for the whole file
            async with (
                contextlib.aclosing(stream),
                asyncio.timeout(self.config.rpc_timeout) as idle,
            ):
                async for response in stream:
                    idle.reschedule(loop.time() + self.config.rpc_timeout)
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
        box = _json_object(response.filebox)
        if int(box.get("type", box.get("boxType", 0))) == FILEBOX_BASE64 and box.get("base64"):
            return base64.b64decode(str(box["base64"])), str(box.get("name", ""))
        log.error(
            "下载消息 %s 的文件失败：服务返回了无法读取的 FileBox（%s）",
            message_id,
            box.get("type", box.get("boxType")),
        )
        return None

    # -- outbound --------------------------------------------------------------------------

    def _require(self) -> _Session:
        session = self._session
        if session is None or not self.status.connected:
            why = self.status.last_error or "连接中"
            raise TransportError(
                f"Wechaty 服务 {self.config.endpoint} 未连接（{why}），消息将稍后重发"
            )
        return session

    @staticmethod
    def _is_room(conversation: str) -> bool:
        return "@chatroom" in conversation or "@" in conversation

    def _reason(self, exc: BaseException) -> str:
        return explain_error(exc, self.config.tls, connecting=False)[0]

    def _send_error(self, what: str, exc: BaseException) -> TransportError:
        """Always a plain TransportError: the outbox keeps the row and retries later (a lost
        connection is the supervisor's business, not a reason to stop sending for good)."""
        reason, _fatal = explain_error(exc, self.config.tls, connecting=False)
        return TransportError(f"{what}失败：{reason}")

    async def _call(self, what: str, call: Awaitable[Any]) -> Any:
        try:
            return await call  # the stub carries the rpc_timeout deadline
        except Exception as exc:
            raise self._send_error(what, exc) from exc

    @staticmethod
    def _response_id(response: Any) -> str | None:
        value = getattr(response, "id", None)
        return str(value) if value else None

    async def _with_mention_names(
        self, session: _Session, room: str, text: str, ids: list[str]
    ) -> str:
        prefix: list[str] = []
        for contact_id in ids:
            name = await self._mention_name(session, room, contact_id)
            if name and f"@{name}" not in text:
                prefix.append(f"@{name}")
        if not prefix:
            return text
        return MENTION_SEPARATOR.join(prefix) + MENTION_SEPARATOR + text

    async def _mention_name(self, session: _Session, room: str, contact_id: str) -> str:
        cached = self._names.get((room, contact_id))
        if cached is not None:
            return cached
        name = ""
        with contextlib.suppress(Exception):
            member = await session.stub.room_member_payload(id=room, member_id=contact_id)
            name = member.room_alias or member.name
        if not name:
            with contextlib.suppress(Exception):
                contact = await session.stub.contact_payload(id=contact_id)
                name = contact.name  # (contact.alias is the bot's private remark)
        if name:
            self._names[(room, contact_id)] = name
        return name

    async def _send_file(self, conversation: str, path: str, what: str) -> str | None:
        session = self._require()
        file = Path(path)
        try:
            data = await asyncio.to_thread(file.read_bytes)
        except OSError as exc:
            raise TransportError(
                f"{what}失败：读取文件 {path} 出错（{exc.strerror or exc}）"
            ) from exc
        if len(data) <= INLINE_FILE_LIMIT:
            response = await self._call(
                what,
                session.stub.message_send_file(
                    conversation_id=conversation, filebox=filebox_json(data, file.name)
                ),
            )
            return self._response_id(response)
        return await self._send_file_stream(session, conversation, data, file.name, what)

    async def _send_file_stream(
        self, session: _Session, conversation: str, data: bytes, name: str, what: str
    ) -> str | None:
        """MessageSendFileStream: conversation id, then the name, then the bytes in chunks.

        (betterproto 1.2.5 lacks the stream-unary helper the generated stub calls.)"""
        from grpclib.const import Cardinality
        from wechaty_grpc.wechaty.puppet import (
            FileBoxChunk,
            MessageSendFileStreamRequest,
            MessageSendFileStreamResponse,
        )

        async def upload() -> Any:
            async with session.channel.request(
                "/wechaty.Puppet/MessageSendFileStream",
                Cardinality.STREAM_UNARY,
                MessageSendFileStreamRequest,
                MessageSendFileStreamResponse,
                timeout=self.config.rpc_timeout,
                metadata={"authorization": f"Wechaty {self.config.token}"},
            ) as stream:
                await stream.send_message(
                    MessageSendFileStreamRequest(conversation_id=conversation)
                )
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

        response = await self._call(what, upload())
        return self._response_id(response)
