"""What every request passes through: error pages, login and CSRF checks, security headers."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from aiohttp import web

from bot.web.auth import SESSION_COOKIE
from bot.web.context import VIEWER, Viewer, WebError, ctx_of, json_reply, read_form
from bot.web.views.render import error_page

log = logging.getLogger("bot.web")

PUBLIC_PATHS = frozenset({"/login"})
# Pages anyone may open: the dashboard's own files and the read-confirm links (/r/<token>).
PUBLIC_PREFIXES = ("/static/", "/r/")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
HTTP_MESSAGES = {
    400: "请求格式不正确",
    403: "没有访问权限",
    404: "页面不存在",
    405: "不支持这种请求方式",
    413: "上传的文件太大",
    415: "不支持这种请求内容类型",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def _json_error(status: int, message: str) -> web.Response:
    return json_reply({"error": message}, status=status)


def _error(request: web.Request, status: int, message: str) -> web.Response:
    if _is_api(request):
        return _json_error(status, message)
    return error_page(request, status, message)


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
    if request.path in PUBLIC_PATHS or request.path.startswith(PUBLIC_PREFIXES):
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


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """No sniffing, no framing, no inline script; pages are never cached."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
