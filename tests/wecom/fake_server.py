"""A contract-faithful fake of WeCom's server API on 127.0.0.1, built from WECOM.md.

The envelope: always HTTP 200 with `{"errcode", "errmsg", ...}`, errmsg carrying the live
`hint/from ip/more info` tail; `access_token` only from the query string; JSON bodies read
whatever the Content-Type (wechatpy sends none). Tokens per (corpid, secret) with expiry and
early invalidation; 41001/40014/42001/48002/60020; failed gettoken per IP → an hour of 45009;
per-corp per-cgi minute/hour limits → 45009; in-flight limit → 45033. The endpoints live in
fake_groupmsg.py (mass send) and fake_misc.py (groups, media, app messages, webhook).
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.wecom.fake_world import FakeApp, FakeOptions, World


class Fail(Exception):
    """An errcode reply."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(errmsg)
        self.errcode = errcode
        self.errmsg = errmsg


@dataclass
class Req:
    """What a handler sees: the JSON body (or multipart request), query, caller and app."""

    cgi: str
    query: dict[str, str]
    body: dict[str, Any]
    ip: str
    app: FakeApp | None
    request: web.Request


@dataclass
class Token:
    """An issued access token."""

    value: str
    secret: str
    expires_at: datetime
    invalidated: bool = False


@dataclass
class Call:
    """One request the fake answered (for assertions)."""

    cgi: str
    errcode: int
    at: datetime


Handler = Callable[["FakeWecom", Req], Awaitable[dict[str, Any]]]


@dataclass
class Route:
    """An endpoint: its handler, HTTP method, and whether it needs a token / 客户联系 rights."""

    handler: Handler
    method: str = "POST"
    token: bool = True
    contact: bool = False
    multipart: bool = False


@dataclass
class _Limits:
    counts: dict[tuple[str, str, int], int] = field(default_factory=lambda: defaultdict(int))
    blocked_until: dict[str, datetime] = field(default_factory=dict)
    in_flight: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class FakeWecom:
    """The fake server and its test hooks. `now` is the fake's clock (e.g. `SimClock.now`)."""

    def __init__(
        self, world: World, now: Callable[[], datetime], options: FakeOptions | None = None
    ) -> None:
        from tests.wecom import fake_groupmsg, fake_misc

        self.world = world
        self.now = now
        self.options = options or FakeOptions()
        self.tokens: dict[str, Token] = {}
        self.calls: list[Call] = []
        self.failed_gettoken: dict[str, list[datetime]] = defaultdict(list)
        self.ip_banned_until: dict[str, datetime] = {}
        self.limits = _Limits()
        self.gates: dict[str, asyncio.Event] = {}
        self.state: dict[str, Any] = {}  # endpoint modules keep their tables here
        self.routes: dict[str, Route] = {"gettoken": Route(_gettoken, "GET", token=False)}
        self.routes.update(fake_groupmsg.ROUTES)
        self.routes.update(fake_misc.ROUTES)
        self._server: TestServer | None = None

    # -- running ---------------------------------------------------------------------------

    async def start(self) -> str:
        """Serve on 127.0.0.1 (a free port); return the base URL."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/cgi-bin/{cgi:.+}", self._dispatch)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self.base_url

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT"""
        assert self._server is not None
        return str(self._server.make_url("")).rstrip("/")

    async def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            await self._server.close()
            self._server = None

    # -- test hooks ------------------------------------------------------------------------

    def invalidate_tokens(self, secret: str | None = None) -> None:
        """WeCom invalidates tokens early (all, or those of one secret)."""
        for token in self.tokens.values():
            if secret is None or token.secret == secret:
                token.invalidated = True

    def hold(self, cgi: str) -> None:
        """Requests to `cgi` wait (in flight) until `release(cgi)`."""
        self.gates[cgi] = asyncio.Event()

    def release(self, cgi: str) -> None:
        """Let held requests to `cgi` answer."""
        gate = self.gates.pop(cgi, None)
        if gate is not None:
            gate.set()

    def confirm(
        self,
        msgid: str,
        userid: str,
        chat_ids: list[str] | None = None,
        at: datetime | None = None,
    ) -> list[str]:
        """The member sends the task in WeCom (to `chat_ids`, default all its groups); returns
        the groups that received it (over-quota groups do not)."""
        from tests.wecom.fake_groupmsg import confirm

        return confirm(self, msgid, userid, chat_ids, at)

    def acknowledge(self, msgid: str, userid: str) -> None:
        """The member confirmed but has not sent (status 1, only in the "0/1/2" variant)."""
        from tests.wecom.fake_groupmsg import acknowledge

        acknowledge(self, msgid, userid)

    def quota_left(self, chat_id: str) -> int:
        """Mass sends the group may still receive in the current quota window."""
        from tests.wecom.fake_groupmsg import quota_left

        return quota_left(self, chat_id)

    def task(self, msgid: str) -> Any:
        """The fake's record of a task (fake_groupmsg.Task)."""
        from tests.wecom.fake_groupmsg import tasks

        return tasks(self)[msgid]

    def task_for_test(self, sender: str, chat_ids: list[str], text: str = "通知") -> str:
        """A task created directly (as add_msg_template would, without its checks)."""
        from tests.wecom.fake_groupmsg import Task, tasks

        msgid = f"msgtest{len(tasks(self))}"
        tasks(self)[msgid] = Task(msgid, sender, list(chat_ids), text, [], self.now())
        return msgid

    @property
    def app_messages(self) -> list[Any]:
        """Accepted message/send calls (fake_misc.AppMessage)."""
        from tests.wecom.fake_misc import app_messages

        return list(app_messages(self))

    @property
    def webhook_messages(self) -> list[Any]:
        """Accepted webhook/send calls (fake_misc.WebhookMessage)."""
        from tests.wecom.fake_misc import webhook_messages

        return list(webhook_messages(self))

    def count(self, cgi: str, errcode: int | None = None) -> int:
        """How many requests to `cgi` were answered (with `errcode`, if given)."""
        return sum(1 for c in self.calls if c.cgi == cgi and errcode in (None, c.errcode))

    # -- the envelope ----------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.Response:
        cgi = request.match_info["cgi"]
        ip = request.remote or "127.0.0.1"
        try:
            reply = await self._answer(cgi, request, ip)
            reply = {"errcode": 0, "errmsg": "ok", **reply}
        except Fail as fail:
            hint = secrets.token_hex(8)
            reply = {
                "errcode": fail.errcode,
                "errmsg": f"{fail.errmsg}, hint: [{hint}], from ip: {ip}, more info at "
                f"https://open.work.weixin.qq.com/devtool/query?e={fail.errcode}",
            }
        self.calls.append(Call(cgi, reply["errcode"], self.now()))
        return web.Response(
            text=json.dumps(reply, ensure_ascii=False), content_type="application/json"
        )

    async def _answer(self, cgi: str, request: web.Request, ip: str) -> dict[str, Any]:
        route = self.routes.get(cgi)
        if route is None:
            raise Fail(404, "invalid url")
        if request.method != route.method:
            raise Fail(43002 if route.method == "POST" else 43001, f"require {route.method}")
        query = dict(request.query)
        app = self._authorize(route, query, ip) if route.token else None
        body: dict[str, Any] = {}
        if route.method == "POST" and not route.multipart:
            body = await _json_body(request)
        self._rate_limit(cgi)
        self.limits.in_flight[cgi] += 1
        try:
            if self.options.concurrency is not None and (
                self.limits.in_flight[cgi] > self.options.concurrency
            ):
                raise Fail(45033, "api concurrent out of limit")
            if (gate := self.gates.get(cgi)) is not None:
                await gate.wait()
            return await route.handler(self, Req(cgi, query, body, ip, app, request))
        finally:
            self.limits.in_flight[cgi] -= 1

    def _authorize(self, route: Route, query: dict[str, str], ip: str) -> FakeApp:
        value = query.get("access_token", "")
        if not value:
            raise Fail(41001, "access_token missing")
        token = self.tokens.get(value)
        if token is None:
            raise Fail(40014, "invalid access_token")
        if token.invalidated:
            code = self.options.invalidation_code
            raise Fail(code, "invalid access_token" if code == 40014 else "access_token expired")
        if self.now() >= token.expires_at:
            raise Fail(42001, "access_token expired")
        trusted = self.options.trusted_ips
        if trusted is not None and ip not in trusted:
            raise Fail(60020, "not allow to access from your ip")
        app = self.world.app(token.secret)
        assert app is not None
        if route.contact and not app.customer_contact:
            raise Fail(48002, "api forbidden")
        return app

    def _rate_limit(self, cgi: str) -> None:
        now = self.now()
        until = self.limits.blocked_until.get(cgi)
        if until is not None and now < until:
            raise Fail(45009, "api freq out of limit")
        stamp = now.timestamp()
        per_minute = self.options.rate_overrides.get(cgi, self.options.rate_per_minute)
        for window, cap, block in (
            (60, per_minute, 60),
            (3600, self.options.rate_per_hour, 3600),
        ):
            key = (cgi, str(window), int(stamp // window))
            self.limits.counts[key] += 1
            if self.limits.counts[key] > cap:
                self.limits.blocked_until[cgi] = now + timedelta(seconds=block)
                raise Fail(45009, "api freq out of limit")

    def issue_token(self, app: FakeApp) -> Token:
        """A token for `app` (the live one again when `same_token_while_valid`)."""
        now = self.now()
        if self.options.same_token_while_valid:
            for token in self.tokens.values():
                live = not token.invalidated and now < token.expires_at
                if token.secret == app.secret and live:
                    return token
        value = secrets.token_urlsafe(96)  # 128 characters, well under WeCom's 512 bytes
        token = Token(value, app.secret, now + timedelta(seconds=self.options.token_life))
        self.tokens[value] = token
        return token


async def _json_body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw:
        return {}
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Fail(47001, "data format error") from exc
    if not isinstance(body, dict):
        raise Fail(47001, "data format error")
    return body


async def _gettoken(fake: FakeWecom, req: Req) -> dict[str, Any]:
    now = fake.now()
    banned = fake.ip_banned_until.get(req.ip)
    if banned is not None and now < banned:
        raise Fail(45009, "api freq out of limit")
    corpid = req.query.get("corpid", "")
    secret = req.query.get("corpsecret", "")
    try:
        if not corpid:
            raise Fail(41002, "corpid missing")
        if not secret:
            raise Fail(41004, "corpsecret missing")
        if corpid != fake.world.corp_id:
            raise Fail(40013, "invalid corpid")
        app = fake.world.app(secret)
        if app is None:
            raise Fail(40001, "invalid credential")
    except Fail:
        recent = [t for t in fake.failed_gettoken[req.ip] if now - t < timedelta(hours=1)]
        recent.append(now)
        fake.failed_gettoken[req.ip] = recent
        if len(recent) >= fake.options.failed_gettoken_ban:
            fake.ip_banned_until[req.ip] = now + timedelta(hours=1)
        raise
    token = fake.issue_token(app)
    life = int((token.expires_at - now).total_seconds())
    return {"access_token": token.value, "expires_in": life}
