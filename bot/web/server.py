"""The aiohttp application: routes, login, session and CSRF checks, security headers.

`create_web_app()` builds it for tests; `start_web()` serves it inside `python -m bot run`
(same process and event loop as the bot, on the configured host and port).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import unicodedata
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlencode

from aiohttp import web

from bot.clock import Clock
from bot.config import Config, ConfigError
from bot.runtime import Runtime
from bot.transport.sandbox import ChatLine
from bot.web import api, console, files, pages, rosterpages
from bot.web.auth import (
    DEFAULT_ITERATIONS,
    SESSION_SECONDS,
    LoginLimiter,
    SessionCodec,
    hash_password,
    sandbox_default_login,
    verify_password,
)
from bot.web.context import (
    CTX,
    VIEWER,
    Viewer,
    WebContext,
    WebError,
    ctx_of,
    json_reply,
    read_form,
)

log = logging.getLogger("bot.web")

STATIC_DIR = Path(__file__).parent / "static"
SESSION_COOKIE = "fanzha_session"
LOGIN_CSRF_COOKIE = "fanzha_login_csrf"
PUBLIC_PATHS = frozenset({"/login"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def _json_error(status: int, message: str) -> web.Response:
    return json_reply({"error": message}, status=status)


HTTP_MESSAGES = {
    400: "请求格式不正确",
    403: "没有访问权限",
    404: "页面不存在",
    405: "不支持这种请求方式",
    413: "上传的文件太大",
    415: "不支持这种请求内容类型",
}


def _error(request: web.Request, status: int, message: str) -> web.Response:
    if _is_api(request):
        return _json_error(status, message)
    return pages.error_page(request, status, message)


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn WebError, aiohttp's HTTP errors and any bug into Chinese JSON or an error page."""
    try:
        response = await handler(request)
    except WebError as exc:
        return _error(request, exc.status, exc.message)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = HTTP_MESSAGES.get(exc.status, f"请求无法完成（HTTP {exc.status}）")
        return _error(request, exc.status, message)
    except ConnectionResetError:
        raise  # the browser went away: nothing to answer
    except Exception:
        # The log keeps the traceback for the operator; the user sees no internals.
        log.exception("网页请求出错：%s %s", request.method, request.path)
        return _error(request, 500, "服务器内部错误，已记录日志，请稍后重试或联系管理员")
    return response


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every page and API call needs a session (except the login page); POSTs need CSRF."""
    if request.path in PUBLIC_PATHS or request.path.startswith("/static/"):
        return await handler(request)
    ctx = ctx_of(request)
    session = ctx.codec.read(request.cookies.get(SESSION_COOKIE))
    user = ctx.users.get(session.user) if session else None
    if session is None or user is None:
        if _is_api(request):
            return _json_error(401, "未登录或登录已过期，请先登录")
        target = request.path_qs if request.method == "GET" else "/"
        raise web.HTTPFound(f"/login?{urlencode({'next': target})}")
    request[VIEWER] = Viewer(user, session, ctx.codec.csrf_token(session))
    if request.method in UNSAFE_METHODS:
        token = request.headers.get("X-CSRF-Token")
        if token is None and request.content_type in FORM_TYPES:
            token = str((await read_form(request)).get("csrf", ""))
        if not ctx.codec.check_csrf(session, token):
            log.warning(
                "拒绝缺少 CSRF 令牌的请求：%s %s（%s）", request.method, request.path, user.name
            )
            raise WebError(403, "请求缺少有效的 CSRF 令牌，请刷新页面后重试")
    return await handler(request)


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")


def _safe_next(value: str | None) -> str:
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


def _secure(request: web.Request) -> bool:
    """Whether the browser reached us over HTTPS (through a trusted proxy, if configured)."""
    if request.secure:
        return True
    if not ctx_of(request).config.web.trust_proxy:
        return False  # anyone can send the header; only a configured proxy is believed
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0]
    return proto.strip().lower() == "https"


def _client_ip(request: web.Request) -> str:
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
    ctx = ctx_of(request)
    token, fresh = _login_csrf(request)
    notice = ""
    if ctx.default_login is not None:
        notice = "未配置网页账号：请使用启动时终端打印的临时账号（用户名 office）登录。"
    html = pages.login_document(token, next_url, message, notice)
    response = web.Response(text=html, content_type="text/html", status=status)
    if fresh:
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            token,
            httponly=True,
            samesite="Strict",
            path="/login",
            secure=_secure(request),
        )
    return response


async def login_page(request: web.Request) -> web.StreamResponse:
    """GET /login."""
    ctx = ctx_of(request)
    session = ctx.codec.read(request.cookies.get(SESSION_COOKIE))
    next_url = _safe_next(request.query.get("next"))
    if session is not None and session.user in ctx.users:
        raise web.HTTPFound(next_url)
    return _login_response(request, next_url=next_url)


async def login(request: web.Request) -> web.StreamResponse:
    """POST /login: check the password (throttled per IP and user) and start a session."""
    ctx = ctx_of(request)
    form = await read_form(request)
    name = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    next_url = _safe_next(str(form.get("next", "/")))
    cookie_token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    form_token = str(form.get("csrf", ""))
    if not cookie_token or not secrets.compare_digest(cookie_token, form_token):
        return _login_response(request, "页面已过期，请重新登录", 403, next_url)
    ip = _client_ip(request)
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
    cookie, _ = ctx.codec.issue(user.name)
    ctx.rt.app.store.audit(now, user.name, "网页登录", f"来自 {ip}")
    log.info("网页登录：%s，来自 %s", user.name, ip)
    response = _see_other(next_url)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        httponly=True,
        samesite="Strict",
        path="/",
        max_age=SESSION_SECONDS,
        secure=_secure(request),
    )
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    """POST /logout."""
    ctx = ctx_of(request)
    viewer = request[VIEWER]
    ctx.codec.revoke(viewer.session)
    response = _see_other("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


async def static_file(request: web.Request) -> web.StreamResponse:
    """The dashboard's own CSS and JS (a missing name is a Chinese 404, not an empty one)."""
    path = STATIC_DIR / request.match_info["name"]
    if not path.is_file():
        raise WebError(404, "页面不存在")
    return web.FileResponse(path)


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def _routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/login", login_page)
    r.add_post("/login", login)
    r.add_post("/logout", logout)
    r.add_get("/", pages.overview)
    r.add_get("/pushes/{push_id:\\d+}", pages.push_detail)
    r.add_get("/ranking", pages.ranking)
    r.add_get("/roster", rosterpages.roster)
    r.add_post("/roster/preview", rosterpages.roster_preview)
    r.add_post("/roster/import", rosterpages.roster_import)
    r.add_post("/roster/restore", rosterpages.roster_restore)
    r.add_get("/content", pages.content_list)
    r.add_get("/content/{content_id:\\d+}", pages.content_item)
    r.add_post("/content/{content_id:\\d+}/push", pages.content_push)
    r.add_get("/bulletins", pages.bulletins)
    r.add_get("/bulletins/{bulletin_id:\\d+}/image", files.bulletin_image)
    r.add_get("/audit", pages.audit)
    r.add_get("/evidence/{push_id:\\d+}/{index:\\d+}", files.evidence)
    r.add_get("/console", console.console_page)

    r.add_get("/api/me", api.me)
    r.add_get("/api/pushes", api.pushes)
    r.add_post("/api/pushes", api.create_push)
    r.add_get("/api/pushes/{push_id:\\d+}", api.push_detail)
    r.add_get("/api/pushes/{push_id:\\d+}/coverage.xlsx", api.coverage_xlsx)
    r.add_get("/api/ranking", api.ranking)
    r.add_get("/api/ranking.xlsx", api.ranking_xlsx)
    r.add_get("/api/roster", api.roster)
    r.add_get("/api/roster.xlsx", api.roster_xlsx)
    r.add_post("/api/roster/preview", api.roster_preview)
    r.add_post("/api/roster/import", api.roster_import)
    r.add_get("/api/roster/history", api.roster_history)
    r.add_post("/api/roster/restore", api.roster_restore)
    r.add_get("/api/content", api.content)
    r.add_get("/api/content/{content_id:\\d+}", api.content_item)
    r.add_get("/api/bulletins", api.bulletins)
    r.add_get("/api/audit", api.audit)
    r.add_get("/api/console/chats", console.api_chats)
    r.add_get("/api/console/history", console.api_history)
    r.add_post("/api/console/send", console.api_send)
    # An endless event stream: a HEAD would still get its body written (broken framing).
    r.add_get("/api/console/stream", console.api_stream, allow_head=False)
    r.add_get("/static/{name:[\\w.-]+}", static_file)


def create_web_app(
    rt: Runtime,
    config: Config,
    clock: Clock | None = None,
    *,
    limiter: LoginLimiter | None = None,
    hash_iterations: int = DEFAULT_ITERATIONS,
) -> web.Application:
    """The dashboard app over a running bot (`clock` defaults to the app's own)."""
    users = {u.name: u for u in config.web.users}
    default_login = None
    if not users:
        if rt.world is None:
            raise ConfigError(
                [
                    "配置项 web.users 缺失：连接真实微信时，网页后台必须配置账号"
                    "（用 python -m bot hash-password 生成密码哈希），或设 web.enabled = false"
                ]
            )
        default_login = sandbox_default_login(hash_iterations)
        users[default_login.user.name] = default_login.user
    secret = config.web.secret.encode("utf-8") if config.web.secret else secrets.token_bytes(32)
    ctx = WebContext(
        rt=rt,
        config=config,
        clock=clock or rt.app.clock,
        users=users,
        codec=SessionCodec(secret, revocations=rt.app.store),
        limiter=limiter or LoginLimiter(),
        default_login=default_login,
        dummy_hash=hash_password(secrets.token_urlsafe(12), hash_iterations),
    )
    app = web.Application(middlewares=[errors, authenticate], client_max_size=MAX_UPLOAD_BYTES)
    app[CTX] = ctx
    _routes(app)
    app.on_response_prepare.append(_security_headers)

    def on_sent(line: ChatLine) -> None:
        ctx.notify_console()

    if rt.world is not None:
        rt.sandbox.listeners.append(on_sent)

    async def on_shutdown(app: web.Application) -> None:
        ctx.closing = True
        ctx.notify_console()

    async def on_cleanup(app: web.Application) -> None:
        if rt.world is not None and on_sent in rt.sandbox.listeners:
            rt.sandbox.listeners.remove(on_sent)

    app.on_shutdown.append(on_shutdown)
    app.on_cleanup.append(on_cleanup)
    return app


async def start_web(rt: Runtime, config: Config) -> web.AppRunner:
    """Serve the dashboard on web.host:web.port; the caller awaits `cleanup()` at exit."""
    app = create_web_app(rt, config)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=3.0)
    await runner.setup()
    host, port = config.web.host, config.web.port
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        raise ConfigError(
            [
                f"配置项 web.port：无法在 {host}:{port} 启动网页后台"
                f"（{exc.strerror or exc}），请换一个端口"
            ]
        ) from None
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    print(f"办公室网页后台：http://{shown}:{port}/")
    if rt.world is not None:
        print(f"模拟微信控制台：http://{shown}:{port}/console")
    default_login = app[CTX].default_login
    if default_login is not None:
        print(
            f"未配置 web.users，已生成本次运行有效的临时账号：用户名 {default_login.user.name}，"
            f"密码 {default_login.password}\n"
            "（正式使用请用 python -m bot hash-password 生成密码哈希，写入配置的 [[web.users]]）"
        )
    return runner
