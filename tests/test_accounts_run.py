"""`python -m bot run --account NAME`: two real processes on one SQLite file split the groups,
one runs the scheduler, and a clean stop hands the groups over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.cli.status import status_text
from bot.clock import SHANGHAI
from bot.config import load_config
from bot.store import Store, open_store

ROOT = Path(__file__).resolve().parent.parent
CONFIG = """
[bot]
data_dir = "data"
[web]
enabled = false
[store]
lease_seconds = 1
[[accounts]]
name = "a"
groups = ["zhihui", "yanli", "lijia"]
[[accounts]]
name = "b"
private_chats = false
"""


def _start(config: Path, account: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "run",
            "--config",
            str(config),
            "--account",
            account,
            "--no-console",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _owners(store: Store) -> dict[str, str]:
    return {lease.key: lease.owner.split("@")[0] for lease in store.leases()}


def _until(check: object, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "等待超时"
        time.sleep(0.05)


def test_two_account_processes_share_and_hand_over(tmp_path: Path) -> None:
    config = tmp_path / "bot.toml"
    config.write_text(CONFIG, encoding="utf-8")
    a = _start(config, "a")
    assert a.stdout is not None
    first = a.stdout.readline() + a.stdout.readline()
    assert "本进程（账号 a）运行定时任务" in first and "机器人已启动" in first
    b = _start(config, "b")
    try:
        assert b.stdout is not None and "机器人已启动" in b.stdout.readline()
        store = open_store(tmp_path / "data" / "bot.db", SHANGHAI)
        _until(lambda: len(_owners(store)) == 18 + 2)  # the town's groups, private, scheduler
        owners = _owners(store)
        assert {k for k, v in owners.items() if v == "a"} == {
            "zhihui", "yanli", "lijia", "*private", "*scheduler"
        }  # fmt: skip
        assert owners["qinghe"] == "b"
        status = status_text(load_config(config))
        assert (
            "账号进程（租约）：" in status and "：3 个群，回复私聊，运行定时任务（续约到" in status
        )
        a.send_signal(signal.SIGTERM)
        out, err = a.communicate(timeout=20)
        assert a.returncode == 0, err
        assert "机器人已停止" in out
        # a gave its groups up on the way out: b takes them at its next renewal.
        _until(lambda: all(_owners(store).get(g) == "b" for g in ("zhihui", "yanli", "lijia")))
        assert "*private" not in _owners(store)  # b does not answer private chats
        store.close()
    finally:
        for proc in (a, b):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=20)
    assert b.returncode == 0, err
