"""`python -m bot run`: the long-running bot on the sandbox (with a console) or on Wechaty."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bot.clock import SystemClock
from bot.config import Config
from bot.runtime import build
from bot.schedule.scheduler import build_scheduler
from bot.transport.base import FatalTransportError, Transport

log = logging.getLogger("bot.service")


def make_transport(config: Config) -> Transport | None:
    """The configured real transport, or None for the sandbox."""
    if config.bot.transport != "wechaty":
        return None
    from bot.transport.wechaty import WechatyTransport

    return WechatyTransport(config.wechaty.with_env())


async def run_service(config: Config, console: bool = True) -> int:
    """Run until interrupted; returns the exit code."""
    clock = SystemClock(config.tz)
    rt = build(config, clock, transport=make_transport(config))
    scheduler = build_scheduler(rt.app) if config.scheduler.enabled else None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await rt.app.start()
    except FatalTransportError as exc:
        print(f"启动失败：{exc}")
        rt.store.close()
        return 3
    org = rt.app.org
    print(f"机器人已启动：{org.town}，{len(org.groups)} 个群，通道 {rt.transport.name}")
    if scheduler is not None:
        await scheduler.start()
        names = "、".join(s.name for s in scheduler.specs) or "无"
        print(f"定时任务：{names}（另有推送截止催办）")
    tasks: list[asyncio.Task[object]] = []
    web = None
    if config.web.enabled:
        with contextlib.suppress(ImportError):
            from bot.web import start_web

            web = await start_web(rt, config)
    if console and rt.world is not None:
        from bot.cli.console import Console, run_console

        tasks.append(
            asyncio.create_task(run_console(Console(lambda: rt.app.org, rt.sandbox, print), stop))
        )
    await stop.wait()
    for task in tasks:
        task.cancel()
    if scheduler is not None:
        scheduler.stop()
    if web is not None:
        await web.cleanup()
    await rt.app.stop()
    rt.store.close()
    print("机器人已停止。")
    return 0
