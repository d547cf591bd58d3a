"""The aiohttp application: `create_web_app()` builds it (tests use it directly) and
`start_web()` serves it inside `python -m bot run` (same process and event loop as the bot,
on the configured host and port).
"""

from __future__ import annotations

import secrets

from aiohttp import web

from bot.clock import Clock
from bot.config import Config, ConfigError
from bot.runtime import Runtime
from bot.transport.base import ChatLine
from bot.web.auth import (
    DEFAULT_ITERATIONS,
    DefaultLogin,
    LoginLimiter,
    SessionCodec,
    hash_password,
    sandbox_default_login,
)
from bot.web.context import CTX, WebContext
from bot.web.middleware import authenticate, errors, security_headers
from bot.web.routes import add_routes
from bot.web.views.readlink import READ_LIMITS, ReadLimits

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _default_login(rt: Runtime, config: Config, iterations: int) -> DefaultLogin | None:
    """A login made up for this run on a simulated network without configured users."""
    if config.web.users:
        return None
    if rt.simulator is None:
        raise ConfigError(
            [
                "配置项 web.users 缺失：连接真实微信时，网页后台必须配置账号"
                "（用 python -m bot hash-password 生成密码哈希），或设 web.enabled = false"
            ]
        )
    return sandbox_default_login(iterations)


def _follow_console(app: web.Application, ctx: WebContext) -> None:
    """Wake open console streams on every line the bot sends, and end them at shutdown."""
    simulator = ctx.rt.simulator
    unsubscribe = None
    if simulator is not None:

        def on_sent(line: ChatLine) -> None:
            ctx.notify_console()

        unsubscribe = simulator.subscribe(on_sent)

    async def on_shutdown(app: web.Application) -> None:
        ctx.closing = True
        ctx.notify_console()

    async def on_cleanup(app: web.Application) -> None:
        if unsubscribe is not None:
            unsubscribe()

    app.on_shutdown.append(on_shutdown)
    app.on_cleanup.append(on_cleanup)


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
    default_login = _default_login(rt, config, hash_iterations)
    if default_login is not None:
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
    app[READ_LIMITS] = ReadLimits()
    add_routes(app)
    app.on_response_prepare.append(security_headers)
    _follow_console(app, ctx)
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
    if rt.simulator is not None:
        print(f"模拟微信控制台：http://{shown}:{port}/console")
    default_login = app[CTX].default_login
    if default_login is not None:
        print(
            f"未配置 web.users，已生成本次运行有效的临时账号：用户名 {default_login.user.name}，"
            f"密码 {default_login.password}\n"
            "（正式使用请用 python -m bot hash-password 生成密码哈希，写入配置的 [[web.users]]）"
        )
    return runner
