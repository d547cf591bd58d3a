"""Staying connected: the background task that reads events and reconnects.

When the event stream ends, fails or stays silent for `watchdog_seconds` (heartbeats and
dongs count; the connection `ding()`s to provoke them), it reconnects with exponential
backoff and jitter. Connection-level events (login, logout, scan, errors) are handled
here; the rest goes to the `on_event` callback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random as _random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, tzinfo
from typing import Any

from bot.settings import WechatySection
from bot.transport.base import FatalTransportError, TransportError, TransportStatus
from bot.transport.wechaty.errors import explain_error, is_connection_error
from bot.transport.wechaty.protocol import (
    EV_ERROR,
    EV_LOGIN,
    EV_LOGOUT,
    EV_RESET,
    EV_SCAN,
    import_grpc,
    json_object,
)
from bot.transport.wechaty.session import Session, connect

log = logging.getLogger("bot.transport.wechaty")

Sleep = Callable[[float], Awaitable[None]]
EventHandler = Callable[[Session, int, dict[str, Any]], Awaitable[None]]


class Connection:
    """Keeps one logged-in session to the service, reconnecting until `close()`."""

    def __init__(
        self,
        settings: WechatySection,
        status: TransportStatus,
        on_event: EventHandler,
        *,
        sleep: Sleep = asyncio.sleep,
        random: Callable[[], float] = _random.random,
        tz: tzinfo = UTC,
    ) -> None:
        self.settings = settings
        self.status = status
        self.session: Session | None = None
        self._on_event = on_event
        self._sleep = sleep
        self._random = random
        self._tz = tz
        self._supervisor: asyncio.Task[None] | None = None
        self._stopping = False
        self._connected_event = asyncio.Event()
        self._disconnected_event = asyncio.Event()
        self._disconnected_event.set()

    @property
    def running(self) -> bool:
        """Whether `open()` succeeded and `close()` has not been called since."""
        return self._supervisor is not None

    async def open(self) -> None:
        """Connect, (re)start the puppet, wait for LOGIN; FatalTransportError if impossible.

        Then a background task keeps the connection up."""
        self._stopping = False
        try:
            import_grpc()
            session = await connect(self.settings, self.status, first=True, touch=self._touch)
        except Exception as exc:
            reason, _fatal = explain_error(exc, self.settings.tls)
            message = f"无法连接 Wechaty 服务 {self.settings.endpoint}：{reason}"
            self.status.last_error = message
            log.error("%s", message)
            raise FatalTransportError(message) from exc
        self.session = session
        self._set_connected(True)
        log.info(
            "已连接 Wechaty 服务 %s，机器人账号 %s（%s）",
            self.settings.endpoint,
            self.status.self_id,
            self.status.self_name or "未知昵称",
        )
        self._supervisor = asyncio.create_task(self._supervise(), name="wechaty-transport")

    async def close(self) -> None:
        """Stop the puppet on the service side, the background task and the session."""
        self._stopping = True
        session = self.session
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

    def require(self) -> Session:
        """The live session; TransportError (the outbox retries later) while disconnected."""
        session = self.session
        if session is None or not self.status.connected:
            why = self.status.last_error or "连接中"
            raise TransportError(
                f"Wechaty 服务 {self.settings.endpoint} 未连接（{why}），消息将稍后重发"
            )
        return session

    async def wait_connected(self, connected: bool = True, timeout: float | None = None) -> None:
        """Wait until (dis)connected; TimeoutError after `timeout` seconds."""
        event = self._connected_event if connected else self._disconnected_event
        async with asyncio.timeout(timeout):
            await event.wait()

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: between half and all of initial·2^(n-1), capped."""
        s = self.settings
        base = min(s.backoff_max, s.backoff_initial * 2 ** (attempt - 1))
        return max(0.0, base * (0.5 + 0.5 * self._random()))

    async def _close_session(self) -> None:
        session, self.session = self.session, None
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

    # -- staying connected ---------------------------------------------------------------

    async def _supervise(self) -> None:
        """Pump the current session; on loss reconnect with backoff, forever until close()."""
        attempt = 0
        reason = ""
        while not self._stopping:
            session = self.session
            if session is not None:
                reason = await self._pump_until_lost(session)
                if self._stopping:
                    return
            attempt += 1
            delay = self.backoff(attempt)
            log.warning(
                "Wechaty 服务 %s 连接断开（%s），%.3g 秒后重连（第 %d 次）",
                self.settings.endpoint,
                reason,
                delay,
                attempt,
            )
            await self._sleep(delay)
            if self._stopping:
                return
            failure = await self._reconnect()
            if failure is None:
                attempt = 0
            else:
                reason = failure

    async def _pump_until_lost(self, session: Session) -> str:
        """Pump `session` until it is lost, then mark the connection down; return why."""
        try:
            reason = await self._pump(session)
        except Exception as exc:  # a bug must not end the transport for good
            log.exception("处理 Wechaty 事件时出错，重新连接")
            reason = f"内部错误：{exc!r}"
        if not self._stopping:
            self._set_connected(False)
            self.status.last_error = f"连接断开：{reason}"
            await self._close_session()
        return reason

    async def _reconnect(self) -> str | None:
        """One reconnect attempt; None on success, else why it failed."""
        try:
            session = await connect(self.settings, self.status, first=False, touch=self._touch)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # the TLS settings worked before: no TLS hints for a broken reconnect
            reason, fatal = explain_error(exc, self.settings.tls, connecting=False)
            if fatal:
                log.error("重连 Wechaty 服务 %s 失败：%s", self.settings.endpoint, reason)
            self.status.last_error = f"重连失败：{reason}"
            return reason
        self.session = session
        self.status.reconnects += 1
        self.status.last_error = None
        self._set_connected(True)
        log.info(
            "已重新连接 Wechaty 服务 %s（累计重连 %d 次）",
            self.settings.endpoint,
            self.status.reconnects,
        )
        return None

    async def _pump(self, session: Session) -> str:
        """Read events until the stream ends, fails or the watchdog bites; return why."""
        keepalive = asyncio.create_task(self._keepalive(session), name="wechaty-keepalive")
        watchdog = self.settings.watchdog_seconds
        try:
            pending, session.pending = session.pending, []
            for event in pending:
                await self._dispatch(session, event)
            assert session.events is not None
            while True:
                try:
                    async with asyncio.timeout(watchdog) as deadline:
                        event = await anext(session.events)
                except StopAsyncIteration:
                    return "事件流已结束"
                except TimeoutError as exc:
                    if deadline.expired():
                        return f"{watchdog:g} 秒内没有收到任何事件"
                    return explain_error(exc, self.settings.tls, connecting=False)[0]
                except Exception as exc:
                    if not is_connection_error(exc):
                        log.exception("读取 Wechaty 事件流出错")
                    return explain_error(exc, self.settings.tls, connecting=False)[0]
                self._touch()
                await self._dispatch(session, event)
        finally:
            session.alive = False
            keepalive.cancel()
            # bounded: never let a stuck helper hold up the reconnect
            await asyncio.wait({keepalive}, timeout=2)

    async def _keepalive(self, session: Session) -> None:
        """ding() now and then so that a quiet but healthy service answers with a dong."""
        interval = max(0.2, self.settings.watchdog_seconds / 3)
        while session.alive:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(interval):
                    await session.stub.ding(data="keepalive")
            await asyncio.sleep(interval)

    async def _dispatch(self, session: Session, event: Any) -> None:
        """Handle one event; a failure is logged and the event skipped."""
        try:
            kind = int(event.type)
            payload = json_object(event.payload)
            if not self._on_connection_event(kind, payload, event.payload):
                await self._on_event(session, kind, payload)
        except Exception:
            log.exception("处理 Wechaty 事件（类型 %s）出错，已跳过", getattr(event, "type", "?"))

    def _on_connection_event(self, kind: int, payload: dict[str, Any], raw: str) -> bool:
        """Login, logout, scan, error and reset events; False for any other kind."""
        if kind == EV_LOGIN:
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
            log.warning("Wechaty 服务报告错误：%s", payload.get("data", raw))
        elif kind == EV_RESET:
            log.warning("Wechaty 服务重置了机器人账号：%s", payload.get("data", ""))
        else:
            return False
        return True
