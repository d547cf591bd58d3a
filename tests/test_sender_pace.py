"""Sending keeps its configured pace while a burst of inbound messages is being handled.

Time is simulated by a clock that moves only as messages arrive (5,000 a second): a paced
send whose wait is over still needs the event loop, so the sender falls behind exactly when
inbound handling keeps the loop to itself.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta

from bot.config import Config, SenderSection
from bot.domain.model import IncomingMessage, OutgoingMessage
from bot.runtime import build
from bot.transport.sandbox import SandboxTransport, SandboxWorld
from tests.conftest import START, small_town

RATE = 5000  # inbound messages per simulated second
SECONDS = 1.0
PER_MINUTE = 1200.0  # 20 sends a second


class ArrivalClock:
    """Simulated time that advances with each arrival; sleepers wake when it passes them."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._sleepers: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def now(self) -> datetime:
        """The simulated time."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Time passes; wake every sleeper whose time has come."""
        self._now += timedelta(seconds=seconds)
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, fut = heapq.heappop(self._sleepers)
            if not fut.done():
                fut.set_result(None)

    async def sleep(self, seconds: float) -> None:
        """Wait until simulated time has moved on by `seconds`."""
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut = asyncio.get_running_loop().create_future()
        when = self._now + timedelta(seconds=seconds)
        heapq.heappush(self._sleepers, (when, next(self._seq), fut))
        await fut


class BurstTransport(SandboxTransport):
    """The sandbox with a burst already waiting: each message arrives 1/RATE s after the last."""

    def __init__(self, world: SandboxWorld, clock: ArrivalClock, burst: list[str]) -> None:
        super().__init__(world, clock)
        self.arrivals = clock
        self.burst = burst
        self.handled = 0
        self.done = asyncio.Event()

    async def messages(self) -> AsyncIterator[IncomingMessage]:
        """Like a queue that is never empty: no suspension between messages."""
        for i, sender in enumerate(self.burst):
            self.arrivals.advance(1 / RATE)
            self.handled = i
            yield IncomingMessage(f"burst-{i}", self.arrivals.now(), sender, "收到", "lj1")
        self.done.set()


async def test_sends_keep_their_pace_during_an_inbound_burst(config: Config) -> None:
    clock = ArrivalClock(START)
    cfg = replace(
        config,
        sender=SenderSection(
            per_minute=PER_MINUTE, burst=1, group_gap_seconds=0, jitter_seconds=0
        ),
    )
    org = small_town()
    homes = [m.wechat for m in org.members if "lj1" in m.groups and m.wechat.startswith("lj1_h")]
    burst = [homes[i % len(homes)] for i in range(int(RATE * SECONDS))]
    transport = BurstTransport(SandboxWorld(org), clock, burst)
    rt = build(cfg, clock, org=org, transport=transport)
    for i in range(100):
        rt.store.enqueue(OutgoingMessage(conversation="cmd", text=f"第{i}条"), clock.now())
    sent_at: list[tuple[datetime, int]] = []
    transport.listeners.append(lambda line: sent_at.append((line.at, transport.handled)))
    await rt.app.start()
    await transport.done.wait()
    await rt.app.stop()
    rt.store.close()
    expected = PER_MINUTE / 60 * SECONDS
    during = [n for at, n in sent_at if at <= START + timedelta(seconds=SECONDS)]
    assert len(during) >= expected - 1, f"{len(during)} 条，应约 {expected:.0f} 条"
    # Sends are interleaved with the burst, not queued behind it: never more than two send
    # intervals' worth of inbound messages between two sends.
    gaps = [b - a for a, b in itertools.pairwise([0, *during])]
    assert max(gaps) <= 2 * RATE * 60 / PER_MINUTE
