"""`python -m bot bench --multi --pg-url URL`: three account processes on one PostgreSQL
store, one killed with SIGKILL mid-fan-out again and again.

The processes (`bot.cli.multi_child`) share a county fan-out of several pushes; every group
sits in two of the three accounts. Each kill picks a process holding leases, kills it, and
starts it again at once (a new lease owner); the harness watches the lease table until every
group the dead process held has another owner (the takeover time). At the end, every relay
must have gone out (0 lost) and at most one message per crash twice.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.cli.multi_child import COMMAND, finished, kill_config, kill_town
from bot.clock import SystemClock
from bot.domain.model import Role
from bot.formats.checks import InputError
from bot.runtime import build
from bot.store import Store, is_postgres_url, open_store
from bot.transport import simulate

ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass
class KillRun:
    """What a kill run measured."""

    kills: int = 0
    killed: list[int] = field(default_factory=list)  # pids
    takeovers: list[float] = field(default_factory=list)
    # Resends per killed process (the earlier copy was its); resends whose earlier copy came
    # from a process never killed (one that stalled past its lease) are `stall_duplicates`.
    crash_duplicates: dict[int, int] = field(default_factory=dict)
    stall_duplicates: int = 0
    lost: int = 0
    duplicates: int = 0
    sends: int = 0
    expected: int = 0
    seconds: float = 0.0

    def figures(self, lease: float) -> dict[str, Any]:
        """The bench keys."""
        worst = max(self.takeovers, default=0.0)
        return {
            "pg_kills": self.kills,
            "pg_kill_lost": self.lost,
            "pg_kill_duplicates": self.duplicates,
            "pg_kill_duplicates_per_crash": round(self.duplicates / max(self.kills, 1), 3),
            "pg_kill_max_duplicates_one_crash": max(self.crash_duplicates.values(), default=0),
            "pg_kill_stall_duplicates": self.stall_duplicates,
            "pg_kill_takeover_s": round(worst, 3),
            "pg_kill_takeover_median_s": round(sorted(self.takeovers)[len(self.takeovers) // 2], 3)
            if self.takeovers
            else 0.0,
            "pg_kill_lease_s": lease,
            "pg_kill_sends": self.sends,
            "pg_kill_relays": self.expected,
            "pg_kill_run_s": round(self.seconds, 1),
        }


def prepare(url: str, pushes: int, lease: float, per_minute: float) -> int:
    """Import the roster and start `pushes` pushes, every pusher signed; relays expected."""
    # The office's set-up, as one process would do it (no fingerprints: the pushers' 收到
    # to each push are distinct messages however close together).
    config = replace(kill_config(url, lease, per_minute), accounts=())
    org = kill_town()
    clock = SystemClock(config.tz)
    transport, simulator = simulate(org, clock, config.bot.name)
    rt = build(config, clock, org=org, transport=transport)
    office = next(m for m in org.members if m.role is Role.OFFICE)
    pushers = [m for m in org.members if m.role is Role.PUSHER]

    async def sign() -> None:
        for i in range(1, pushes + 1):
            body = f"第{i}次：请勿向陌生人转账。"
            rt.app.create_push(f"演练{i}", body, office, clock.now())
            for m in pushers:
                await rt.app.handle(simulator.message(m.wechat, "收到", COMMAND))

    asyncio.run(sign())
    rt.store.close()
    return pushes * sum(1 for g in org.groups if g.id != COMMAND)


class Children:
    """The account processes."""

    def __init__(self, url: str, folder: Path, lease: float, per_minute: float) -> None:
        self.url, self.folder = url, folder
        self.args = [str(lease), str(per_minute)]
        self.sends = folder / "sends.log"
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, account: str) -> None:
        with open(self.folder / f"{account}.log", "ab") as log:  # the child keeps its copy
            self.procs[account] = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bot.cli.multi_child",
                    self.url,
                    account,
                    str(self.sends),
                    *self.args,
                ],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until every process made its first claim (a restarted one takes seconds)."""
        deadline = time.monotonic() + timeout
        for account, proc in self.procs.items():
            while not (self.folder / f"ready-{proc.pid}").exists():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"账号 {account} 的进程没有启动")
                time.sleep(0.01)

    def by_pid(self, pid: int) -> str | None:
        return next((a for a, p in self.procs.items() if p.pid == pid), None)

    def wait_all(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for account, proc in self.procs.items():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                raise AssertionError(f"账号 {account} 的进程没有在 {timeout:g} 秒内完成") from None
            if proc.returncode != 0:
                err = (self.folder / f"{account}.log").read_text(errors="replace")[-2000:]
                raise AssertionError(f"账号 {account} 的进程出错退出：\n{err}")


def _owner_pid(owner: str) -> int:
    return int(owner.rsplit(":", 2)[1])


def _kill_one(
    store: Store, children: Children, rng: random.Random, lease: float
) -> tuple[int, float]:
    """Kill a process holding leases, restart it; (its pid, the takeover time in seconds)."""
    holders: dict[int, set[str]] = {}
    for row in store.leases():
        if row.expires.timestamp() > time.time():
            holders.setdefault(_owner_pid(row.owner), set()).add(row.key)
    pid = rng.choice(sorted(p for p in holders if children.by_pid(p)))
    account = children.by_pid(pid)
    assert account is not None
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    children.procs[account].wait()
    children.start(account)
    keys = holders[pid]
    while time.monotonic() - killed < lease * 3:
        left = {r.key for r in store.leases() if r.key in keys and _owner_pid(r.owner) == pid}
        if not left:
            return pid, time.monotonic() - killed
        time.sleep(0.01)
    raise AssertionError(f"{lease * 3:g} 秒后仍有 {len(left)} 个群无人接管")


def kill_run(
    url: str,
    kills: int = 20,
    lease: float = 1.0,
    per_minute: float = 300.0,
    pushes: int = 8,
    seed: int = 1,
) -> KillRun:
    """Three processes, `kills` SIGKILLs mid-fan-out; what was lost and sent twice."""
    rng = random.Random(seed)
    result = KillRun()
    result.expected = prepare(url, pushes, lease, per_minute)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fanzha-kill-") as tmp:
        children = Children(url, Path(tmp), lease, per_minute)
        for account in (a.name for a in kill_config(url, lease, per_minute).accounts):
            children.start(account)
        store = open_store(url, SystemClock().tz)
        try:
            for _ in range(kills):
                children.wait_ready()  # three live processes at every kill
                time.sleep(rng.uniform(0.05, 0.3))  # the kill point, not a wait for a result
                if finished(store):
                    break
                pid, takeover = _kill_one(store, children, rng, lease)
                result.killed.append(pid)
                result.takeovers.append(takeover)
                result.kills += 1
            children.wait_all(timeout=300)
        finally:
            for proc in children.procs.values():
                if proc.poll() is None:
                    proc.kill()
            store.close()
        _count(result, children.sends.read_text().splitlines())
    result.seconds = time.monotonic() - started
    return result


def _count(result: KillRun, lines: list[str]) -> None:
    first: dict[tuple[str, str], int] = {}
    sends = Counter[tuple[str, str]]()
    for line in lines:
        conversation, head, pid = line.split("\t")
        if conversation == COMMAND or "演练" not in head:
            continue
        key = (conversation, head)
        sends[key] += 1
        if key not in first:
            first[key] = int(pid)
        elif first[key] in result.killed:
            result.crash_duplicates[first[key]] = result.crash_duplicates.get(first[key], 0) + 1
        else:
            result.stall_duplicates += 1
    result.sends = sum(sends.values())
    result.lost = result.expected - len(sends)
    result.duplicates = sum(n - 1 for n in sends.values())


async def run_multi_bench(url: str | None, kills: int, as_json: bool) -> str:
    """`bench --multi`: the kill run's figures (JSON or a Chinese summary)."""
    if not url or not is_postgres_url(url):
        raise InputError(
            ["bench --multi 需要 --pg-url postgresql://…（一个空的 PostgreSQL 数据库）"]
        )
    lease = 1.0
    run = await asyncio.to_thread(kill_run, url, kills, lease, 480.0, 10)
    figures = run.figures(lease)
    if as_json:
        return json.dumps(figures, ensure_ascii=False)
    return (
        f"三个账号进程共用 PostgreSQL，扇出中 kill -9 {run.kills} 次："
        f"丢失 {run.lost} 条，重复 {run.duplicates} 条"
        f"（平均每次崩溃 {figures['pg_kill_duplicates_per_crash']} 条，"
        f"单次崩溃最多 {figures['pg_kill_max_duplicates_one_crash']} 条），"
        f"接管最长 {figures['pg_kill_takeover_s']} 秒"
        f"（租约 {lease:g} 秒），共 {run.sends} 次转发 / 应转发 {run.expected}"
    )
