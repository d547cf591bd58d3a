"""Fan-out figures: CPU per relay send, and the paced makespan against the pacing bound.

Every pusher signs a county-wide push at once, so each group becomes ready as soon as its
parent has the push: the sender then posts the push into every group, re-checking
readiness after each delivery (`Relays.after_sent`), as a real fan-out does.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from bot.clock import Clock, SimClock, SystemClock
from bot.config import Config, StoreSection, load_config
from bot.domain.model import Org, OutboxItem, Role
from bot.runtime import Runtime, build

START = datetime.fromisoformat("2026-11-23T09:00:00+08:00")


def _config(tmp: str, per_minute: float, url: str = "") -> Config:
    base = load_config(None)
    return replace(
        base,
        bot=replace(base.bot, data_dir=tmp, content_dir=tmp),
        store=StoreSection(url=url),
        sender=replace(
            base.sender, per_minute=per_minute, burst=1, group_gap_seconds=0, jitter_seconds=0
        ),
        quiet=replace(base.quiet, enabled=False),
    )


def _start_fanout(rt: Runtime, org: Org, now: datetime, title: str) -> None:
    """A push to the whole roster, signed by every pusher (relays queued as they would be)."""
    app, store = rt.app, rt.store
    office = next(m for m in org.members if m.role in (Role.OFFICE, Role.LEADER))
    push = app.create_push(title, "反诈提醒正文", office, now)
    with store.transaction():
        for wechat, unit in store.assignments(push.id):
            store.add_signature(push.id, wechat, unit, now, None)
        app.chat.relays.ready(app.context(now), push.id)
    if rt.simulator is not None:
        rt.simulator.pop_sent()


async def fanout_cpu(org: Org, tmp: str, url: str = "") -> dict[str, float]:
    """CPU milliseconds per send over a whole fan-out, pacing off (simulated clock), and the
    wall-clock milliseconds (which on PostgreSQL include the server's round trips; the CPU
    figure counts this process only). On SQLite, or on the empty database at `url`.

    Also the crash window: microseconds from the transport's accept to the commit of the
    send's record (a kill -9 inside it sends that one message again after a restart), and
    its share of the wall time with no pacing at all (the chance that a crash at a random
    moment of this fan-out re-sends one; paced, a send cycle lasts seconds)."""
    clock = SimClock(START)
    rt = build(_config(tmp, 1_000_000.0, url), clock, org=org)
    _start_fanout(rt, org, clock.now(), "扇出测试")
    sender, sim = rt.app.sender, rt.simulator
    assert sim is not None and sender.after_sent is not None
    accepted = window = 0.0
    after_sent = sender.after_sent

    def on_accepted(line: object) -> None:
        nonlocal accepted
        accepted = time.perf_counter()

    def recorded(item: OutboxItem, at: datetime) -> None:
        nonlocal window
        window += time.perf_counter() - accepted
        after_sent(item, at)

    sim.subscribe(on_accepted)
    sender.after_sent = recorded
    t0, w0 = time.process_time(), time.perf_counter()
    sent = await sender.drain()
    cpu, wall = time.process_time() - t0, time.perf_counter() - w0
    rt.store.close()
    per = max(sent, 1)
    return {
        "fanout_sends": sent,
        "fanout_cpu_ms_per_send": round(cpu * 1000 / per, 3),
        "fanout_wall_ms_per_send": round(wall * 1000 / per, 3),
        "fanout_crash_window_us": round(window * 1e6 / per, 1),
        "fanout_crash_window_share": round(window / wall, 3) if wall else 0.0,
    }


async def fanout_makespan(
    org: Org, tmp: str, sends: int = 100, per_minute: float = 600.0
) -> dict[str, float]:
    """Wall-clock time of the first `sends` paced sends of a fan-out ÷ the pacing bound
    ((sends − 1) intervals at `per_minute`, strict pacing: burst 1, no jitter or gap)."""
    clock: Clock = SystemClock(load_config(None).tz)
    rt = build(_config(tmp, per_minute), clock, org=org)
    _start_fanout(rt, org, clock.now(), "扇出节奏测试")
    stamps: list[float] = []
    sim = rt.simulator
    assert sim is not None
    sim.subscribe(lambda line: stamps.append(time.monotonic()))
    await rt.app.sender.drain(sends)
    rt.store.close()
    bound = (len(stamps) - 1) * 60.0 / per_minute
    span = stamps[-1] - stamps[0] if len(stamps) > 1 else 0.0
    return {"fanout_makespan_ratio": round(span / bound, 4) if bound else 0.0}


async def bench_fanout(org: Org, makespan_sends: int = 100) -> dict[str, float]:
    """Both fan-out figures, each on a fresh store."""
    result: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="fanzha-fanout-") as tmp:
        result.update(await fanout_cpu(org, str(Path(tmp) / "cpu")))
    if makespan_sends > 1:
        with tempfile.TemporaryDirectory(prefix="fanzha-fanout-") as tmp:
            result.update(await fanout_makespan(org, str(Path(tmp) / "pace"), makespan_sends))
    return result
