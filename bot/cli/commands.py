"""What each `python -m bot` command does; `bot.__main__` only parses the arguments.

Commands import what they need when they run, so `python -m bot status` does not load
matplotlib or jieba. Input errors (`bot.formats.checks.InputError`) are printed by `main`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from bot.config import load_config

Command = Callable[[argparse.Namespace], Coroutine[Any, Any, int]]


async def demo(args: argparse.Namespace) -> int:
    """`demo`: a whole push on the sandbox with a simulated clock."""
    from bot.cli.demo import run_demo

    print(await run_demo(args.seed, args.json, args.days, out=args.out))
    return 0


async def replay(args: argparse.Namespace) -> int:
    """`replay`: feed a recorded chat to the bot and print its replies and coverage."""
    from bot.cli.replay import run_replay

    config = load_config(args.config) if args.config else None
    print(await run_replay(args.events, args.org, args.json, config))
    return 0


async def check_config(args: argparse.Namespace) -> int:
    """`check-config`: the config, org file, content library and schedules, all checked."""
    from bot.formats.content import ContentError, content_folder, load_library, missing_media
    from bot.formats.orgfile import load_org
    from bot.runtime import org_path_for
    from bot.schedule.calendar import load_calendar, schedules_dir
    from bot.schedule.scheduler import load_schedules

    config = load_config(args.config)
    org = load_org(org_path_for(config))
    folder = content_folder(config)
    library = load_library(folder) if folder.exists() else []
    if missing := missing_media(folder, library):
        raise ContentError(missing)
    load_calendar(config)
    grace = timedelta(minutes=config.scheduler.grace_minutes)
    jobs = load_schedules(schedules_dir(config), config.tz, grace)
    print(
        f"配置有效：{config.source}\n"
        f"  名册：{org.town}，{len(org.groups)} 个群，{len(org.members)} 人\n"
        f"  素材库：{len(library)} 条\n"
        f"  定时任务：{len(jobs)} 个（{'、'.join(j.name for j in jobs) or '无'}）\n"
        f"  通道：{config.bot.transport}"
    )
    return 0


async def report(args: argparse.Namespace) -> int:
    """`report`: the coverage of every push in the database."""
    from bot.cli.report import coverage_json, coverage_text
    from bot.clock import SystemClock
    from bot.runtime import build

    config = load_config(args.config)
    rt = build(config, SystemClock(config.tz))
    cov = rt.app.coverage_report()
    print(coverage_json(cov) if args.json else coverage_text(cov))
    rt.store.close()
    return 0


async def roster(args: argparse.Namespace) -> int:
    """`roster history|restore`: the stored roster versions; bring one back."""
    from bot.clock import SystemClock
    from bot.roster import RestoreError, history_text, restore_roster
    from bot.store import open_store

    config = load_config(args.config)
    store = open_store(config.store_target, config.tz)
    try:
        if args.roster_command == "history":
            print(history_text(store, config.tz))
            return 0
        try:
            restored = restore_roster(store, args.version, SystemClock(config.tz).now(), "命令行")
        except RestoreError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        print(restored.describe())
        if restored.changed:
            print("运行中的机器人（消息、定时任务、网页后台）会自动改用恢复后的名册。")
        return 0
    finally:
        store.close()


async def status(args: argparse.Namespace) -> int:
    """`status`: what the running bot last wrote about itself."""
    from bot.cli.status import status_text

    print(status_text(load_config(args.config)))
    return 0


async def run(args: argparse.Namespace) -> int:
    """`run`: the long-running bot."""
    from bot.cli.run import run_service
    from bot.config import ConfigError
    from bot.config_accounts import select_account

    config = load_config(args.config)
    account = getattr(args, "account", None)
    errors = select_account(config.accounts, account, config.source)
    if errors:
        raise ConfigError(errors)
    if account is not None:
        config = config.for_account(account)
    return await run_service(config, console=not args.no_console)


async def bench(args: argparse.Namespace) -> int:
    """`bench`: county- or city-scale figures."""
    from bot.cli.bench import run_bench

    if getattr(args, "multi", False):
        from bot.cli.bench_multi import run_multi_bench

        print(await run_multi_bench(args.pg_url, args.kills, args.json))
        return 0
    print(
        await run_bench(
            args.households,
            args.groups,
            args.json,
            args.burst_seconds,
            scale=args.scale,
            replay_lines=args.replay_lines,
            makespan_sends=args.makespan_sends,
            pg=args.pg,
        )
    )
    return 0


async def wecom_sync(args: argparse.Namespace) -> int:
    """`wecom-sync`: bind the roster to the corp's customer groups now; show the result."""
    from bot.cli.status import status_text
    from bot.clock import SystemClock
    from bot.runtime import build
    from bot.transport.bound import BoundTransport

    config = load_config(args.config)
    if config.bot.transport != "wecom":
        print(
            'wecom-sync 只用于企业微信通道：请在配置中写 bot.transport = "wecom"', file=sys.stderr
        )
        return 2
    rt = build(config, SystemClock(config.tz), live=True)
    try:
        assert isinstance(rt.transport, BoundTransport)
        result = await rt.transport.rebind()
        print(
            f"已读取企业微信客户群，绑定 {len(result.groups)} 个群、{len(result.members)} 名成员。"
        )
        print(status_text(config))
    finally:
        await rt.transport.stop()
        rt.store.close()
    return 0


def hash_password(args: argparse.Namespace) -> int:
    """`hash-password`: a PBKDF2 hash for `[[web.users]]` (reads the password, not argv)."""
    import getpass

    from bot.web.auth import hash_password as make_hash

    if sys.stdin.isatty():
        password = getpass.getpass("新密码：")
        if getpass.getpass("再输一次：") != password:
            print("两次输入的密码不一致", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 8:
        print("密码至少 8 位", file=sys.stderr)
        return 2
    print(make_hash(password, args.iterations))
    return 0


COMMANDS: dict[str, Command] = {
    "demo": demo,
    "replay": replay,
    "check-config": check_config,
    "report": report,
    "roster": roster,
    "status": status,
    "run": run,
    "bench": bench,
    "wecom-sync": wecom_sync,
}
