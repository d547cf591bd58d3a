"""Replay throughput: lines a second of a realistic county chat log fed as `replay` does.

The log: an office push to the whole county; every pusher's "收到" (its signature, which
queues the relays into its groups) spread over the first half; households' replies drawn
from the realistic mix (bench_mix.py) in between. Lines go through `App.ingest()` batches on a
simulated clock, settling when something is due, exactly as `python -m bot replay` feeds them
(replay.feed).
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

from bot.chat.pushes import NO_CONFIRMATION
from bot.cli.bench_mix import replies
from bot.cli.replay import feed
from bot.clock import SimClock
from bot.config import StoreSection, load_config
from bot.domain.model import IncomingMessage, Member, Org, Role
from bot.runtime import build

START = datetime.fromisoformat("2026-11-23T09:00:00+08:00")


def replay_log(org: Org, lines: int, seed: int = 11) -> list[tuple[Member, str, str]]:
    """(sender, group, text) lines: pushers' signatures among households' replies."""
    rng = random.Random(seed)
    homes = [m for m in org.members if m.role is Role.HOUSEHOLD and m.groups]
    pushers = [m for m in org.members if m.role is Role.PUSHER and m.groups]
    rng.shuffle(homes)
    chosen = homes[: max(0, lines - len(pushers))]
    log = [(m, m.groups[0], text) for m, text in zip(chosen, replies(chosen, seed), strict=True)]
    half = max(1, len(log) // 2)
    for p in pushers:
        log.insert(rng.randrange(half), (p, p.groups[-1], "收到"))
    return log[:lines]


async def bench_replay(org: Org, lines: int = 20_000, url: str = "") -> dict[str, float]:
    """`replay_lines_per_s` over `lines` lines (`replay_lines` says how many were fed), on
    SQLite or on the empty PostgreSQL database at `url`."""
    log = replay_log(org, lines)
    with tempfile.TemporaryDirectory(prefix="fanzha-replay-bench-") as tmp:
        base = load_config(None)
        cfg = replace(
            base,
            bot=replace(base.bot, data_dir=tmp, content_dir=tmp),
            store=StoreSection(url=url),
            policy=replace(base.policy, confirm_over_groups=NO_CONFIRMATION),
        )
        clock = SimClock(START)
        rt = build(cfg, clock, org=org, fast=True, rng=random.Random(0))
        office = next(m for m in org.members if m.role in (Role.OFFICE, Role.LEADER))
        rt.app.create_push("县级回放测试", "反诈提醒正文", office, clock.now())
        sim = rt.simulator
        assert sim is not None

        def messages() -> Iterator[IncomingMessage]:
            for i, (member, group, text) in enumerate(log):
                clock.advance(0.2)
                yield IncomingMessage(
                    id=f"r{i}", at=clock.now(), sender=member.wechat, text=text, group=group
                )

        t0 = time.perf_counter()
        await feed(rt.app, messages(), sim.pop_sent)
        elapsed = time.perf_counter() - t0
        receipts = rt.store.receipt_count()
        rt.store.close()
    return {
        "replay_lines": len(log),
        "replay_receipts": receipts,
        "replay_lines_per_s": round(len(log) / elapsed),
    }
