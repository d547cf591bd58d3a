"""Command line: `python -m bot demo|replay|run|check-config|report|roster|bench`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from bot.config import ConfigError, load_config


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot", description="反诈群链机器人")
    sub = p.add_subparsers(dest="command", required=True, metavar="命令")

    demo = sub.add_parser("demo", help="在模拟微信上演示一次完整推送（模拟时钟，几秒完成）")
    demo.add_argument("--seed", type=int, default=1, help="随机种子：同一种子输出相同")
    demo.add_argument("--json", action="store_true", help="以 JSON 输出覆盖报告")
    demo.add_argument("--days", type=int, default=1, help="模拟天数（默认 1）")
    demo.add_argument(
        "--out", type=Path, help="保存数据库和通报图表的目录（默认新建一个临时目录，演示后保留）"
    )

    rp = sub.add_parser("replay", help="把导出的聊天记录（JSON Lines）回放给机器人")
    rp.add_argument("events", type=Path, help="事件文件，每行一个 JSON 对象")
    rp.add_argument("--org", type=Path, required=True, help="组织文件（TOML）")
    rp.add_argument("--json", action="store_true", help="以 JSON 输出覆盖报告")
    rp.add_argument("--config", type=Path, help="配置文件（默认内置配置）")

    run = sub.add_parser("run", help="长期运行机器人（默认：模拟微信 + 终端控制台）")
    run.add_argument("--config", type=Path, help="配置文件（默认内置配置）")
    run.add_argument("--no-console", action="store_true", help="不开终端控制台")

    cc = sub.add_parser("check-config", help="检查配置文件、组织文件和素材库")
    cc.add_argument(
        "config", type=Path, nargs="?", help="配置文件（不写则检查 run 默认使用的内置配置）"
    )

    st = sub.add_parser(
        "status", help="查看连接状态、群和成员绑定、发件箱（读数据库，可与运行中的机器人同时用）"
    )
    st.add_argument("--config", type=Path)

    ro = sub.add_parser(
        "roster", help="名册版本：查看历史、恢复上一版（可与运行中的机器人同时用）"
    )
    ro_sub = ro.add_subparsers(dest="roster_command", required=True, metavar="操作")
    ro_hist = ro_sub.add_parser("history", help="列出数据库中保存的名册版本")
    ro_hist.add_argument("--config", type=Path)
    ro_rest = ro_sub.add_parser("restore", help="恢复上一版名册（或 --version 指定的版本）")
    ro_rest.add_argument("--config", type=Path)
    ro_rest.add_argument("--version", type=int, help="要恢复的版本号（默认：上一版）")

    rep = sub.add_parser("report", help="打印数据库中的覆盖报告")
    rep.add_argument("--config", type=Path)
    rep.add_argument("--json", action="store_true")

    bench = sub.add_parser("bench", help="县级规模性能测试（800 个群、20 万户）")
    bench.add_argument("--json", action="store_true")
    bench.add_argument("--households", type=int, default=200_000)
    bench.add_argument("--groups", type=int, default=800)
    bench.add_argument(
        "--burst-seconds", type=float, default=10.0, help="收消息高峰下发送节奏的测量时长（秒）"
    )

    hp = sub.add_parser("hash-password", help="为网页后台账号生成密码哈希（写入 [[web.users]]）")
    hp.add_argument("--iterations", type=int, default=600_000, help="PBKDF2 迭代次数")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = _parser().parse_args(argv)
    if args.command == "hash-password":
        return _hash_password(args.iterations)
    logging.basicConfig(
        level=logging.INFO if args.command == "run" else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # APScheduler's own INFO lines are English noise next to our Chinese log.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    try:
        return asyncio.run(_dispatch(args))
    except ConfigError as exc:
        print(f"配置错误：\n{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


async def _dispatch(args: argparse.Namespace) -> int:
    from bot.cli.demo import DemoError
    from bot.cli.replay import ReplayError
    from bot.formats.content import ContentError
    from bot.formats.orgfile import OrgError
    from bot.schedule.calendar import ScheduleError

    try:
        if args.command == "demo":
            from bot.cli.demo import run_demo

            print(await run_demo(args.seed, args.json, args.days, out=args.out))
            return 0
        if args.command == "replay":
            from bot.cli.replay import run_replay

            config = load_config(args.config) if args.config else None
            print(await run_replay(args.events, args.org, args.json, config))
            return 0
        if args.command == "check-config":
            return _check_config(args.config)
        if args.command == "report":
            return _report(args)
        if args.command == "roster":
            return _roster(args)
        if args.command == "status":
            from bot.cli.status import status_text

            print(status_text(load_config(args.config)))
            return 0
        if args.command == "run":
            from bot.cli.run import run_service

            return await run_service(load_config(args.config), console=not args.no_console)
        if args.command == "bench":
            from bot.cli.bench import run_bench

            print(await run_bench(args.households, args.groups, args.json, args.burst_seconds))
            return 0
    except (OrgError, ContentError, ReplayError, ScheduleError, DemoError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    return 1


def _check_config(path: Path | None) -> int:
    from bot.formats.content import ContentError, load_library, missing_media
    from bot.formats.orgfile import load_org
    from bot.runtime import PROJECT_ROOT, org_path_for
    from bot.schedule.calendar import load_calendar, schedules_dir
    from bot.schedule.scheduler import load_schedules

    config = load_config(path)
    org = load_org(org_path_for(config))
    folder = config.path(config.bot.content_dir)
    if not folder.exists():  # as `run` does (bot.runtime.library_for)
        folder = PROJECT_ROOT / "content"
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


def _roster(args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.roster import RestoreError, history_text, restore_roster
    from bot.store import open_store

    config = load_config(args.config)
    store = open_store(config.db_path, config.tz)
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


def _report(args: argparse.Namespace) -> int:
    from bot.cli.report import coverage_json, coverage_text
    from bot.clock import SystemClock
    from bot.runtime import build

    config = load_config(args.config)
    rt = build(config, SystemClock(config.tz))
    report = rt.app.coverage_report()
    print(coverage_json(report) if args.json else coverage_text(report))
    rt.store.close()
    return 0


def _hash_password(iterations: int) -> int:
    import getpass

    from bot.web.auth import hash_password

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
    print(hash_password(password, iterations))
    return 0


if __name__ == "__main__":
    sys.exit(main())
