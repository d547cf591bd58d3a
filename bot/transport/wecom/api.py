"""The WeCom HTTP envelope: cached access tokens, one retry on a dead token, backoff on rate
limits, and every failure as a `WecomError` in Chinese.

`access_token` always travels in the query string; bodies are UTF-8 JSON; WeCom answers HTTP
200 with `{"errcode": 0, "errmsg": "ok", ...}` on success.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import aiohttp

from bot.clock import Clock, SystemClock
from bot.transport.wecom.errors import WecomError, api_error, unreachable_error
from bot.transport.wecom.settings import WecomApiSettings

__all__ = ["TOKEN_MARGIN", "TokenCache", "WecomApi"]

TOKEN_MARGIN = 300.0
"""Seconds before `expires_in` runs out at which a cached token is fetched anew."""

_DEAD_TOKEN = (40014, 42001)
_RATE_LIMITED = (45009, 45033)

Sleep = Callable[[float], Awaitable[None]]
FormFactory = Callable[[], aiohttp.FormData]


class TokenCache:
    """Access tokens per (corp_id, secret): each app has its own token. Share one cache among
    the clients of a process so they fetch each token once."""

    def __init__(self, margin: float = TOKEN_MARGIN) -> None:
        self.margin = margin
        self._tokens: dict[tuple[str, str], tuple[str, datetime]] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    def get(self, key: tuple[str, str], now: datetime) -> str | None:
        """The cached token if it is good for more than the margin, else None."""
        entry = self._tokens.get(key)
        if entry is None or now >= entry[1]:
            return None
        return entry[0]

    def put(self, key: tuple[str, str], token: str, expires_in: float, now: datetime) -> None:
        """Remember a fresh token valid for `expires_in` seconds from `now`."""
        life = max(0.0, float(expires_in) - self.margin)
        self._tokens[key] = (token, now + timedelta(seconds=life))

    def drop(self, key: tuple[str, str], token: str) -> None:
        """Forget `token` (WeCom invalidated it) unless another caller already replaced it."""
        entry = self._tokens.get(key)
        if entry is not None and entry[0] == token:
            del self._tokens[key]

    def lock(self, key: tuple[str, str]) -> asyncio.Lock:
        """The lock that makes concurrent callers fetch one token, not one each."""
        return self._locks.setdefault(key, asyncio.Lock())


class WecomApi:
    """Calls one WeCom app's server API (see `WecomClient` for the typed methods)."""

    def __init__(
        self,
        settings: WecomApiSettings,
        session: aiohttp.ClientSession | None = None,
        *,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        tokens: TokenCache | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self._sleep: Sleep = sleep or self.clock.sleep
        self.tokens = tokens or TokenCache()
        self._rng = rng or random.Random()
        self._session = session
        self._owns_session = session is None

    @property
    def _key(self) -> tuple[str, str]:
        return (self.settings.corp_id, self.settings.secret)

    async def close(self) -> None:
        """Close the HTTP session if this client opened it."""
        if self._owns_session and self._session is not None:
            await self._session.close()
        self._session = None

    async def token(self) -> str:
        """A valid access token, from the cache or a fresh GET /cgi-bin/gettoken."""
        cached = self.tokens.get(self._key, self.clock.now())
        if cached is not None:
            return cached
        async with self.tokens.lock(self._key):
            cached = self.tokens.get(self._key, self.clock.now())
            if cached is not None:
                return cached
            params = {"corpid": self.settings.corp_id, "corpsecret": self.settings.secret}
            data = await self.call("gettoken", method="GET", params=params, auth=False)
            token = str(data.get("access_token") or "")
            if not token:
                raise unreachable_error("gettoken", "返回里没有 access_token")
            life = float(data.get("expires_in", 7200))
            self.tokens.put(self._key, token, life, self.clock.now())
            return token

    async def call(
        self,
        cgi: str,
        *,
        method: str = "POST",
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        form: FormFactory | None = None,
        auth: bool = True,
    ) -> dict[str, Any]:
        """Call `/cgi-bin/<cgi>` and return the JSON reply of a success (errcode 0).

        A dead token (40014/42001) is fetched anew once and the call repeated; rate limits
        (45009/45033) are retried with exponential backoff and jitter up to `max_retries`."""
        name = cgi.removeprefix("externalcontact/")
        refreshed = False
        attempt = 0
        while True:
            query = dict(params or {})
            token = ""
            if auth:
                token = await self.token()
                query["access_token"] = token
            data = await self._send(name, method, self.settings.url(cgi), query, body, form)
            errcode = int(data.get("errcode") or 0)
            if errcode == 0:
                return data
            if auth and errcode in _DEAD_TOKEN and not refreshed:
                self.tokens.drop(self._key, token)
                refreshed = True
                continue
            if errcode in _RATE_LIMITED and attempt < self.settings.max_retries:
                await self._sleep(self.backoff(attempt))
                attempt += 1
                continue
            raise api_error(name, errcode, str(data.get("errmsg", "")))

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (0-based): doubling from
        `backoff_initial`, capped at `backoff_max`, with jitter in its upper half."""
        s = self.settings
        ceiling = min(s.backoff_max, s.backoff_initial * (2.0**attempt))
        return ceiling * (0.5 + 0.5 * self._rng.random())

    async def _send(
        self,
        name: str,
        method: str,
        url: str,
        query: dict[str, str],
        body: Mapping[str, Any] | None,
        form: FormFactory | None,
    ) -> dict[str, Any]:
        data: Any = None
        headers: dict[str, str] = {}
        if form is not None:
            data = form()
        elif body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json; charset=utf-8"
        timeout = aiohttp.ClientTimeout(total=self.settings.request_timeout)
        try:
            session = self._http()
            async with session.request(
                method, url, params=query, data=data, headers=headers, timeout=timeout
            ) as resp:
                if resp.status != 200:
                    raise unreachable_error(name, f"HTTP {resp.status}")
                text = await resp.text(encoding="utf-8")
        except WecomError:
            raise
        except TimeoutError as exc:
            raise unreachable_error(name, "请求超时") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise unreachable_error(name, _network_reason(exc)) from exc
        try:
            reply = json.loads(text)
        except ValueError:
            reply = None
        if not isinstance(reply, dict):
            raise unreachable_error(name, "返回的不是企业微信的 JSON")
        return reply

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
            self._owns_session = True
        return self._session


def _network_reason(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ClientConnectorError | ConnectionRefusedError):
        return "连接失败"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "服务端断开了连接"
    return type(exc).__name__
