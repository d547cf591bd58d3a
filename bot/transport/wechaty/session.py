"""One connection to the puppet service: open it and log in.

Connect (TLS with ALPN h2 unless disabled), `stop()` and `start()` the puppet, read
`event()` up to LOGIN and record the bot's own contact id (`Connection` keeps it up).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.settings import ENV_TOKEN, WechatySection
from bot.transport.base import FatalTransportError, TransportError, TransportStatus
from bot.transport.wechaty.protocol import (
    EV_LOGIN,
    EV_MESSAGE,
    EV_SCAN,
    authorization,
    json_object,
)
from bot.transport.wechaty.settings import host_port, ssl_context, tls_server_name

log = logging.getLogger("bot.transport.wechaty")


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
class Session:
    """One connection: a channel, a stub for calls (with a timeout), one for the stream."""

    channel: Any
    stub: Any
    stream_stub: Any
    events: AsyncIterator[Any] | None = None
    pending: list[Any] = field(default_factory=list)
    alive: bool = True

    async def close(self) -> None:
        """End the event stream and close the channel (bounded in time)."""
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


async def connect(
    settings: WechatySection,
    status: TransportStatus,
    *,
    first: bool,
    touch: Callable[[], None],
    takeover: bool = True,
) -> Session:
    """Open a channel, (re)start the puppet, open the event stream, wait for LOGIN.

    `first`: stop() the puppet before start() (a clean slate). A reconnect only calls
    start(), unless the service still holds an event stream (ALREADY_EXISTS): then,
    once (`takeover`), it stops and starts the puppet to free it. `status` gets the bot's
    own id and name; `touch` is called for every event read."""
    from grpclib.const import Status
    from grpclib.exceptions import GRPCError

    session = _new_session(settings)
    try:
        if first:
            await session.stub.stop()
        await session.stub.start()
        try:
            await _login(session, settings, status, touch)
        except GRPCError as exc:
            if exc.status is not Status.ALREADY_EXISTS or not takeover:
                raise
            # a stale stream of an earlier connection is still registered: reset it
            log.warning(
                "服务端已有另一个事件流（上一次连接未释放，或另一个程序在用同一令牌），接管后重试"
            )
            await session.close()
            return await connect(settings, status, first=True, touch=touch, takeover=False)
    except BaseException:
        await session.close()
        raise
    return session


def _new_session(settings: WechatySection) -> Session:
    from grpclib.client import Channel
    from grpclib.config import Configuration
    from wechaty_grpc.wechaty import PuppetStub

    host, port = host_port(settings)
    if not settings.token:
        raise FatalTransportError(f"没有配置令牌（token），请设置 {ENV_TOKEN}")
    ctx = ssl_context(settings)
    server_name = tls_server_name(settings) if ctx is not None else None
    config = Configuration(ssl_target_name_override=server_name) if server_name else None
    channel = _closing_channel_class(Channel)(host, port, ssl=ctx, config=config)
    metadata = authorization(settings.token)
    return Session(
        channel=channel,
        stub=PuppetStub(channel, metadata=metadata, timeout=settings.rpc_timeout),
        stream_stub=PuppetStub(channel, metadata=metadata),
    )


async def _login(
    session: Session,
    settings: WechatySection,
    status: TransportStatus,
    touch: Callable[[], None],
) -> None:
    """Start `event()` and read it up to LOGIN (keeping messages for later)."""
    session.events = aiter(session.stream_stub.event())
    scan_logged: set[str] = set()
    try:
        async with asyncio.timeout(settings.login_timeout) as deadline:
            while True:
                event = await anext(session.events)
                touch()
                kind = int(event.type)
                payload = json_object(event.payload)
                if kind == EV_LOGIN:
                    status.self_id = str(payload.get("contactId", "")) or None
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
            f"等待微信账号登录超时（{settings.login_timeout:g} 秒），"
            "请确认 Wechaty 服务上的机器人微信已登录（可能需要扫码）"
        ) from None
    if not status.self_id:
        raise TransportError("登录事件里没有机器人账号 id")
    with contextlib.suppress(Exception):
        contact = await session.stub.contact_payload(id=status.self_id)
        status.self_name = contact.name or None
