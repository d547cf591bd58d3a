"""`python -m bot run`: the long-running bot on the sandbox (with a console) or on Wechaty."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bot.cli.accounts import AccountService, check_account_groups
from bot.clock import SystemClock
from bot.config import Config
from bot.runtime import Runtime, build
from bot.schedule.scheduler import Scheduler, build_scheduler
from bot.transport.base import FatalTransportError

log = logging.getLogger("bot.service")


async def run_service(config: Config, console: bool = True) -> int:
    """Run until interrupted; returns the exit code."""
    clock = SystemClock(config.tz)
    rt = build(config, clock, live=True)
    scheduler = build_scheduler(rt.app) if config.scheduler.enabled else None
    service = None
    if config.current_account is not None:
        # Several accounts: this process sends to the groups it holds; the scheduler runs
        # in the one process holding the scheduler lock (started when it gets it).
        service = _account_service(config, rt, scheduler)
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
    if service is not None:
        await service.start()
    org = rt.app.org
    print(f"机器人已启动：{org.town}，{len(org.groups)} 个群，通道 {rt.transport.name}")
    if scheduler is not None and service is None:
        await scheduler.start()
        names = "、".join(s.name for s in scheduler.specs) or "无"
        print(f"定时任务：{names}（另有推送截止催办）")
    tasks: list[asyncio.Task[object]] = []
    web = None
    if config.web.enabled:
        with contextlib.suppress(ImportError):
            from bot.web import start_web

            web = await start_web(rt, config)
    if console and rt.simulator is not None:
        from bot.cli.console import Console, run_console

        terminal = Console(lambda: rt.app.org, rt.simulator, print)
        tasks.append(asyncio.create_task(run_console(terminal, stop)))
    await stop.wait()
    for task in tasks:
        task.cancel()
    if scheduler is not None:
        scheduler.stop()
    if service is not None:
        await service.stop()
    if web is not None:
        await web.cleanup()
    await rt.app.stop()
    rt.store.close()
    print("机器人已停止。")
    return 0


def _account_service(config: Config, rt: Runtime, scheduler: Scheduler | None) -> AccountService:
    check_account_groups(config, rt)

    async def start_scheduler() -> None:
        if scheduler is not None:
            await scheduler.start()
            print(f"本进程（账号 {config.account}）运行定时任务")

    return AccountService(config, rt, start_scheduler)
