"""Event-loop lag under a burst of inbound messages, on SQLite and on PostgreSQL.

The sample town runs on the sandbox with the wall clock (consumer, group commit and paced
sender all live) while `rate` acks a second arrive, spread over the second in 10 ms slices.
A probe asks the loop to wake it every 5 ms; how late it wakes is the loop lag (p99 in ms).
PostgreSQL runs on a throwaway cluster (initdb in a temp dir, as tests/pgserver.py does);
without the PostgreSQL binaries that figure is skipped and `loop_lag_pg_note` says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from bot.cli.sample import generate_town
from bot.clock import SystemClock
from bot.config import Config, StoreSection, load_config
from bot.domain.model import Member, Org, Role
from bot.runtime import Runtime, build
from bot.transport.base import Simulator

ACKS = ("收到", "收到了", "已阅", "好的", "👍", "知道了，谢谢提醒", "[强]", "明白")
PROBE_SECONDS = 0.005
SLICE_SECONDS = 0.01


def delivered_town(cfg: Config, org: Org) -> tuple[Runtime, Simulator, list[Member]]:
    """`org` on the sandbox with the wall clock and a push already delivered to every group;
    with the households whose group has a room (the ones a burst can come from)."""
    clock = SystemClock(cfg.tz)
    rt = build(cfg, clock, org=org)
    sim = rt.simulator
    assert sim is not None
    homes = [m for m in org.members if m.role is Role.HOUSEHOLD and sim.has_room(m.groups[0])]
    office = next(m for m in org.members if m.role is Role.OFFICE)
    push = rt.app.create_push("高峰测试", "反诈提醒正文", office, clock.now())
    for d in rt.store.deliveries(push.id):
        rt.store.mark_delivered(push.id, d.group_id, clock.now(), "relay")
    return rt, sim, homes


async def _probe(lags: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        t0 = time.perf_counter()
        await asyncio.sleep(PROBE_SECONDS)
        lags.append(max(0.0, time.perf_counter() - t0 - PROBE_SECONDS))


async def loop_lag(url: str = "", rate: int = 5000, seconds: float = 3.0) -> float:
    """p99 loop lag in ms while `rate` messages a second arrive for `seconds` seconds."""
    return (await burst_lag(url, rate, seconds))[0]


async def burst_lag(url: str = "", rate: int = 5000, seconds: float = 3.0) -> tuple[float, float]:
    """(p99 loop lag in ms, share of the burst's messages handled by its end)."""
    org = generate_town(1)
    with tempfile.TemporaryDirectory(prefix="fanzha-lag-") as tmp:
        base = load_config(None)
        cfg = replace(
            base,
            bot=replace(base.bot, data_dir=tmp, content_dir=tmp),
            store=StoreSection(url=url),
            quiet=replace(base.quiet, enabled=False),
        )
        rt, sim, homes = delivered_town(cfg, org)
        # Warm (segmenter dictionaries, caches) as a running bot is, before measuring.
        for i, m in enumerate(homes[:50]):
            await rt.app.handle(sim.message(m.wechat, ACKS[i % len(ACKS)], m.groups[0]))
        await rt.app.start()
        lags: list[float] = []
        stop = asyncio.Event()
        probe = asyncio.create_task(_probe(lags, stop))
        per_slice = round(rate * SLICE_SECONDS)
        t0, sent = time.monotonic(), 0
        for n in range(round(seconds / SLICE_SECONDS)):
            for _ in range(per_slice):
                m = homes[sent % len(homes)]
                await sim.inject(sim.message(m.wechat, ACKS[sent % len(ACKS)], m.groups[0]))
                sent += 1
            await asyncio.sleep(max(0.0, t0 + (n + 1) * SLICE_SECONDS - time.monotonic()))
        stop.set()
        await probe
        handled = rt.store.message_count() - 50
        await rt.app.stop()
        rt.store.close()
    lags.sort()
    p99 = round(lags[min(len(lags) - 1, int(len(lags) * 0.99))] * 1000, 1) if lags else 0.0
    return p99, round(handled / max(sent, 1), 3)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def temp_postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL server (initdb in a temp dir); yields its URL without database."""
    root = Path(tempfile.mkdtemp(prefix="fanzha-lag-pg-"))
    os.chmod(root, 0o755)
    prefix: list[str] = []
    if os.getuid() == 0:  # initdb refuses root: run the server as `postgres`
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", _free_port()
    init = ["initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
    subprocess.run([*prefix, *init, "--no-locale"], check=True, capture_output=True)
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1"
    start = ["pg_ctl", "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start"]
    subprocess.run([*prefix, *start], check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        stop = ["pg_ctl", "-D", str(data), "-m", "immediate", "stop"]
        subprocess.run([*prefix, *stop], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def have_postgres() -> bool:
    """Whether the PostgreSQL server binaries (initdb, pg_ctl) are on PATH."""
    return shutil.which("initdb") is not None and shutil.which("pg_ctl") is not None


@contextlib.contextmanager
def temp_postgres() -> Iterator[str]:
    """A throwaway PostgreSQL server with one database; yields its URL."""
    from bot.store.postgres.admin import create_database  # psycopg only when it is used

    with temp_postgres_server() as server:
        yield create_database(server, "lag")


async def bench_lag(rate: int = 5000, seconds: float = 3.0) -> dict[str, float | str]:
    """`loop_lag_p99_ms` (SQLite) and `loop_lag_pg_p99_ms` (PostgreSQL, when available),
    with the share of the burst handled by its end (`…_handled`: below 1, a backlog)."""
    result: dict[str, float | str] = {}
    result["loop_lag_p99_ms"], result["loop_lag_handled"] = await burst_lag("", rate, seconds)
    if not have_postgres():
        result["loop_lag_pg_note"] = "没有 PostgreSQL（initdb、pg_ctl），未测"
        return result
    with temp_postgres() as url:
        lag, handled = await burst_lag(url, rate, seconds)
    result["loop_lag_pg_p99_ms"], result["loop_lag_pg_handled"] = lag, handled
    return result
