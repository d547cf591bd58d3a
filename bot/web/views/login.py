"""Logging in and out: the login form, the throttled password check, the session cookie."""

from __future__ import annotations

import asyncio
import logging
import secrets
import unicodedata
from datetime import datetime

from aiohttp import web

from bot.web.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE, SESSION_SECONDS, verify_password
from bot.web.context import VIEWER, ctx_of, read_form
from bot.web.views.render import html, render

log = logging.getLogger("bot.web")

DEFAULT_LOGIN_NOTICE = "未配置网页账号：请使用启动时终端打印的临时账号（用户名 office）登录。"


def safe_next(value: str | None) -> str:
    """A same-site path to go to after login; anything else becomes "/".

    Browsers drop tabs and newlines inside URLs, so "/<tab>/evil.example" would become
    "//evil.example" (another site); a newline would also break the Location header.
    """
    if (
        not value
        or not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or any(c.isspace() or unicodedata.category(c)[0] == "C" for c in value)
    ):
        return "/"
    return value


def is_secure(request: web.Request) -> bool:
    """Whether the browser reached us over HTTPS (through a trusted proxy, if configured)."""
    if request.secure:
        return True
    if not ctx_of(request).config.web.trust_proxy:
        return False  # anyone can send the header; only a configured proxy is believed
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0]
    return proto.strip().lower() == "https"


def client_ip(request: web.Request) -> str:
    """The browser's address (behind a trusted proxy: the one the proxy appended)."""
    forwarded = request.headers.get("X-Forwarded-For", "")
    if ctx_of(request).config.web.trust_proxy and forwarded.strip():
        return forwarded.split(",")[-1].strip()
    return request.remote or "未知"


def _login_csrf(request: web.Request) -> tuple[str, bool]:
    token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if len(token) >= 16:
        return token, False
    return secrets.token_urlsafe(24), True


def _login_response(
    request: web.Request, message: str = "", status: int = 200, next_url: str = "/"
) -> web.Response:
    """The login form (the CSRF token is a double-submit cookie before any session)."""
    ctx = ctx_of(request)
    token, fresh = _login_csrf(request)
    notice = DEFAULT_LOGIN_NOTICE if ctx.default_login is not None else ""
    text = render(
        "login.html",
        title="登录",
        login_csrf=token,
        next_url=next_url,
        message=message,
        notice=notice,
    )
    response = html(text, status)
    if fresh:
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            token,
            httponly=True,
            samesite="Strict",
            path="/login",
            secure=is_secure(request),
        )
    return response


async def login_page(request: web.Request) -> web.StreamResponse:
    """GET /login."""
    ctx = ctx_of(request)
    session = ctx.codec.read(request.cookies.get(SESSION_COOKIE))
    next_url = safe_next(request.query.get("next"))
    if session is not None and session.user in ctx.users:
        raise web.HTTPFound(next_url)
    return _login_response(request, next_url=next_url)


async def login(request: web.Request) -> web.StreamResponse:
    """POST /login: check the password (throttled per IP and user) and start a session."""
    ctx = ctx_of(request)
    form = await read_form(request)
    name = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    next_url = safe_next(str(form.get("next", "/")))
    cookie_token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    form_token = str(form.get("csrf", ""))
    if not cookie_token or not secrets.compare_digest(cookie_token, form_token):
        return _login_response(request, "页面已过期，请重新登录", 403, next_url)
    ip = client_ip(request)
    now = ctx.now()
    wait = ctx.limiter.retry_after(ip, name)
    if wait:
        log.warning("网页登录被限制：用户 %r，来自 %s", name, ip)
        minutes = max(1, round(wait / 60))
        return _login_response(
            request, f"登录失败次数过多，请 {minutes} 分钟后再试", 429, next_url
        )
    user = ctx.users.get(name)
    # Check a dummy hash for unknown names too, so timing does not reveal which names exist.
    encoded = user.password_hash if user else ctx.dummy_hash
    ok = await asyncio.to_thread(verify_password, password, encoded) and user is not None
    if not ok or user is None:
        count = ctx.limiter.failed(ip, name)
        log.warning("网页登录失败：用户 %r，来自 %s（近期第 %d 次）", name, ip, count)
        ctx.rt.app.store.audit(now, name or "（空）", "网页登录失败", f"来自 {ip}")
        return _login_response(request, "用户名或密码错误", 401, next_url)
    ctx.limiter.succeeded(ip, name)
    return _start_session(request, user.name, f"来自 {ip}", now, next_url)


def _start_session(
    request: web.Request, user: str, origin: str, now: datetime, next_url: str
) -> web.Response:
    ctx = ctx_of(request)
    cookie, _ = ctx.codec.issue(user)
    ctx.rt.app.store.audit(now, user, "网页登录", origin)
    log.info("网页登录：%s，%s", user, origin)
    response = see_other(next_url)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        httponly=True,
        samesite="Strict",
        path="/",
        max_age=SESSION_SECONDS,
        secure=is_secure(request),
    )
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    """POST /logout."""
    ctx = ctx_of(request)
    viewer = request[VIEWER]
    ctx.codec.revoke(viewer.session)
    response = see_other("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


def see_other(location: str) -> web.Response:
    """A 303 redirect (after a POST)."""
    return web.Response(status=303, headers={"Location": location})
