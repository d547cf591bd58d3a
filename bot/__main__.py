"""Command line: `python -m bot demo|replay|run|check-config|report|status|roster|bench|…`.

Only the argument parser lives here; each command is a function in `bot.cli.commands`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError
from bot.formats.checks import InputError


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
    run.add_argument("--account", help="多账号部署：本进程服务的账号（[[accounts]] 中的 name）")

    _admin_commands(sub)
    return p


def _admin_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Commands that check, inspect or maintain an installation."""
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

    bench = sub.add_parser(
        "bench", help="规模性能测试（县级 800 个群、20 万户；市级 8000 个群、200 万户）"
    )
    bench.add_argument("--json", action="store_true")
    bench.add_argument("--scale", choices=("county", "city"), default="county")
    bench.add_argument("--households", type=int, help="覆盖规模的户数")
    bench.add_argument("--groups", type=int, help="覆盖规模的群数")
    bench.add_argument("--replay-lines", type=int, help="回放测试的行数")
    bench.add_argument("--makespan-sends", type=int, default=100, help="扇出节奏测量的发送次数")
    bench.add_argument(
        "--burst-seconds", type=float, default=10.0, help="收消息高峰下发送节奏的测量时长（秒）"
    )
    bench.add_argument(
        "--pg",
        action="store_true",
        help="名册导入、入库、覆盖报告、扇出、回放各项在临时 PostgreSQL 上再测一遍（pg_ 前缀）",
    )
    bench.add_argument(
        "--multi",
        action="store_true",
        help="多账号可靠性：三个账号进程共用 PostgreSQL，扇出中 kill -9 其一（需 --pg-url）",
    )
    bench.add_argument("--pg-url", help="--multi 用的空 PostgreSQL 数据库（postgresql://…）")
    bench.add_argument("--kills", type=int, default=20, help="--multi 中 kill -9 的次数")

    ws = sub.add_parser(
        "wecom-sync", help="读取各网格员的企业微信客户群，与名册中的群绑定，列出未匹配的群"
    )
    ws.add_argument("--config", type=Path)

    hp = sub.add_parser("hash-password", help="为网页后台账号生成密码哈希（写入 [[web.users]]）")
    hp.add_argument("--iterations", type=int, default=600_000, help="PBKDF2 迭代次数")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = _parser().parse_args(argv)
    from bot.cli import commands

    if args.command == "hash-password":
        return commands.hash_password(args)
    logging.basicConfig(
        level=logging.INFO if args.command == "run" else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # APScheduler's own INFO lines are English noise next to our Chinese log.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    try:
        return asyncio.run(commands.COMMANDS[args.command](args))
    except ConfigError as exc:
        print(f"配置错误：\n{exc}", file=sys.stderr)
        return 2
    except InputError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
