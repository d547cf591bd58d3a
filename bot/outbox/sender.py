"""The paced sender: drains the outbox through the transport without bursts.

WeChat bans accounts that send in bursts, so every send waits for a per-account token
bucket, a per-group minimum gap and a little jitter. Rows are marked sent only after the
transport accepted them; a restart resumes whatever is still pending.

A send that went out but was not recorded is sent again after a crash, so the record is
one tiny transaction right after the transport accepts (`on_sent`); follow-up work that may
take longer (`after_sent`, e.g. planning the next relays) runs in its own transaction and
must be re-derivable at start-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.config import SenderSection
from bot.domain.model import MessageKind, OutboxItem
from bot.store import Store
from bot.transport.base import FatalTransportError, Transport, TransportError

log = logging.getLogger("bot.sender")

# Pending rows read at a time.
PAGE = 500


class TokenBucket:
    """`rate` tokens per second, holding at most `burst`."""

    def __init__(self, rate: float, burst: int, now: datetime) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp = now

    def wait_time(self, now: datetime) -> float:
        """Seconds until a token is available."""
        self._refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self, now: datetime) -> None:
        """Spend one token (call once wait_time() is 0)."""
        self._refill(now)
        self.tokens -= 1

    def _refill(self, now: datetime) -> None:
        elapsed = max(0.0, (now - self.stamp).total_seconds())
        self.tokens = min(self.burst, self.tokens + elapsed * self.rate)
        self.stamp = now


class PacedSender:
    """Sends outbox rows in order, paced.

    For each row that went out, `on_sent` runs in the same small transaction that marks the
    row sent; `after_sent` (optional) runs afterwards in a transaction of its own.
    """

    def __init__(
        self,
        store: Store,
        transport: Transport,
        clock: Clock,
        settings: SenderSection,
        on_sent: Callable[[OutboxItem, datetime], None],
        rng: random.Random | None = None,
        hold: Callable[[OutboxItem, datetime], datetime | None] | None = None,
        after_sent: Callable[[OutboxItem, datetime], None] | None = None,
    ) -> None:
        self.store = store
        self.transport = transport
        self.clock = clock
        self.settings = settings
        self.on_sent = on_sent
        self.rng = rng or random.Random()
        self.hold = hold
        self.after_sent = after_sent
        # Where unsent rows come from (several accounts: only this process's groups).
        # (limit, after): up to `limit` rows queued after row `after`, oldest first.
        self.pending: Callable[[int, int], list[OutboxItem]] = store.pending_outbox
        self.bucket = TokenBucket(settings.per_minute / 60.0, settings.burst, clock.now())
        self.last_sent: dict[str, datetime] = {}
        self.sent_count = 0
        self.pacing_until: datetime | None = None
        self._wake = asyncio.Event()
        self._draining = asyncio.Lock()
        self._idle = asyncio.Event()
        # What the last read of the outbox found: no row pending, as of store.queued
        # (`_empty_at`); or rows none of which is due before a time (`_held`: quiet hours
        # hold a night's relays for hours, and every drain would read them all again;
        # later reads fetch only rows queued after them).
        self._empty_at: int | None = None
        self._held: _Held | None = None

    def wake(self) -> None:
        """New rows were queued."""
        self._wake.set()

    def recheck(self) -> None:
        """Rows may have changed other than by this process queuing them (another process
        queued some, the roster moved a group out of quiet hours): read them again."""
        self._empty_at = self._held = None
        self._wake.set()

    def due(self, now: datetime) -> bool:
        """Whether a paced send has waited its turn and only needs the event loop: inbound
        batches end early for it (see App._consume)."""
        return self.pacing_until is not None and now >= self.pacing_until

    def _delay(self, item: OutboxItem, now: datetime) -> float:
        wait = self.bucket.wait_time(now)
        last = self.last_sent.get(item.conversation)
        if last is not None:
            gap = self.settings.group_gap_seconds - (now - last).total_seconds()
            wait = max(wait, gap)
        return max(0.0, wait)

    def _due(self, item: OutboxItem, now: datetime) -> bool:
        return self._due_at(item, now) <= now

    def _due_at(self, item: OutboxItem, now: datetime) -> datetime:
        """When a row may go out: after its retry wait and whatever holds it (now, if it
        may now)."""
        wait = item.not_before if item.not_before and item.not_before > now else None
        held = self.hold(item, now) if self.hold else None
        return max(filter(None, (wait, held)), default=now)

    async def send_one(self, item: OutboxItem) -> bool:
        """Pace, send, record. False if the transport failed (the row stays for a retry)."""
        wait = (
            self._delay(item, self.clock.now()) + self.settings.jitter_seconds * self.rng.random()
        )
        if wait > 0:
            self.pacing_until = self.clock.now() + timedelta(seconds=wait)
        try:
            # Always yields, even with no wait: a stop request gets in between two sends.
            await self.clock.sleep(wait)
        finally:
            self.pacing_until = None
        now = self.clock.now()
        try:
            transport_id = await self._deliver(item)
        except FatalTransportError:
            raise
        except TransportError as exc:
            attempt = item.attempts + 1
            retry_at = now + timedelta(seconds=self.settings.retry_seconds * 2 ** (attempt - 1))
            self.store.mark_retry(item.id, str(exc), retry_at, self.settings.max_attempts)
            log.warning("发送失败（第 %d 次），%s 后重试：%s", attempt, retry_at, exc)
            return False
        now = self.clock.now()
        self.bucket.take(now)
        self.last_sent[item.conversation] = now
        with self.store.transaction():
            self.store.mark_sent(item.id, now, transport_id)
            self.on_sent(item, now)
        if self.after_sent is not None:
            with self.store.transaction():
                self.after_sent(item, now)
        self.sent_count += 1
        return True

    async def _deliver(self, item: OutboxItem) -> str | None:
        t = self.transport
        if item.kind is MessageKind.IMAGE and item.path:
            return await t.send_image(item.conversation, item.path)
        if item.kind is MessageKind.FILE and item.path:
            return await t.send_file(item.conversation, item.path)
        if item.kind is MessageKind.LINK and item.link is not None:
            card = item.link
            return await t.send_link(item.conversation, card.title, card.url, card.desc)
        return await t.send_text(item.conversation, item.text, item.mentions)

    async def drain(self, limit: int | None = None) -> int:
        """Send every row that is due now (including rows queued while draining).

        One drain at a time: the run loop and a caller's `settle()` must never both pick
        up the same pending row."""
        async with self._draining:
            return await self._drain(limit)

    async def _drain(self, limit: int | None) -> int:
        sent = 0
        while limit is None or sent < limit:
            now = self.clock.now()
            queued = self.store.queued
            held = self._held
            if held is not None and held.queued == queued and now < held.until:
                return sent  # nothing due yet, as the last read found
            held, new, due, complete = self._read(now)
            if held is None and not new:
                return self._emptied(queued, sent)
            self._idle.clear()
            self._empty_at = None
            if not due:
                self._hold_back(held, new, queued)
                return sent
            # A push's parts for one group go out in order: a part waits while an earlier
            # one (its text, a retried image) has not gone out.
            waiting: set[tuple[int, str]] = set()
            gone: set[int] = set()
            for item in due:
                if limit is not None and sent >= limit:
                    return sent
                part = _part(item)
                if part in waiting:
                    continue
                if await self.send_one(item):
                    sent += 1
                    gone.add(item.id)
                elif part is not None:
                    waiting.add(part)
            if complete and self.store.queued == queued:
                # This process queued nothing since the read: what is left of it is all
                # there is (another process's rows come with `recheck`).
                rest = [i for i in new if i.id not in gone]
                if held is None and not rest:
                    return self._emptied(queued, sent)
                if self._hold_back(held, rest, queued, new[-1].id):
                    return sent
        return sent

    def _read(
        self, now: datetime
    ) -> tuple[_Held | None, list[OutboxItem], list[OutboxItem], bool]:
        """What is still held from the last read (if its time has not come: then only rows
        queued since are read), the rows read now, those of them due now (in order), and
        whether that is every pending row. Past a page with nothing due (a night's held
        relays), the next page: a row queued after them, such as an answer in the command
        group, must not wait for the morning behind them."""
        held = self._held
        if held is None or now >= held.until:
            held = self._held = None
        new: list[OutboxItem] = []
        after = held.last if held is not None else 0
        while True:
            page = self.pending(PAGE, after)
            new += page
            due = [i for i in page if self._due(i, now)]
            if due or len(page) < PAGE:
                break
            after = page[-1].id
        if held is not None:  # a held part holds back the later parts of its push and group
            due = [i for i in due if _part(i) not in held.parts]
        return held, new, _in_order(due, new), len(page) < PAGE

    def _hold_back(
        self, held: _Held | None, rows: list[OutboxItem], queued: int, last: int = 0
    ) -> bool:
        """Remember that no pending row (those `held` and `rows`, all there is up to row
        `last`) is due before the earliest time one becomes due, if that is later than
        now; whether it is."""
        now = self.clock.now()
        times = [self._due_at(i, now) for i in rows]
        until = min([*times, held.until] if held is not None else times)
        if until <= now:
            return False
        parts = {p for i in rows if (p := _part(i)) is not None}
        last = max(last, rows[-1].id if rows else 0)
        if held is not None:
            parts, last = parts | held.parts, max(last, held.last)
        self._held = _Held(queued, until, parts, last)
        return True

    def _emptied(self, queued: int, sent: int) -> int:
        """A drain left nothing pending, as of the store's `queued` count `queued`."""
        self._empty_at = queued
        self._idle.set()
        return sent

    async def wait_idle(self) -> None:
        """Return once a drain found nothing left to send (held and retried rows included)."""
        await self._idle.wait()

    def next_wakeup(self, now: datetime) -> float | None:
        """Seconds until the earliest held or retried row becomes due (None if no row)."""
        queued = self.store.queued
        if self._empty_at == queued:
            return None  # the last drain left nothing and nothing was queued since
        held = self._held
        if held is None or held.queued != queued or now >= held.until:
            held, new, due, _ = self._read(now)
            if due:
                return 0.0
            if held is None and not new:
                return None
            if not self._hold_back(held, new, queued):
                return 0.0
            held = self._held
            assert held is not None
        return max(0.0, (held.until - now).total_seconds())

    async def run(self) -> None:
        """Drain forever; sleep until woken or until a held row becomes due."""
        while True:
            self._wake.clear()
            await self.drain()
            timeout = self.next_wakeup(self.clock.now())
            wait = 60.0 if timeout is None else min(max(timeout, 0.0), 60.0)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()


@dataclass(frozen=True)
class _Held:
    """Pending rows none of which is due before `until`, read when `queued` rows had been
    queued by this process: their push-and-group parts, and the id of the last row read
    (the rows themselves are not kept: none goes out before `until`, and a read then
    starts afresh)."""

    queued: int
    until: datetime
    parts: set[tuple[int, str]]
    last: int


def _part(item: OutboxItem) -> tuple[int, str] | None:
    """A push's parts for one group (its text, then its media) go out in order."""
    return (item.push_id, item.conversation) if item.push_id else None


def _in_order(due: list[OutboxItem], pending: list[OutboxItem]) -> list[OutboxItem]:
    """The due rows that no earlier, not yet due row of the same push and group precedes."""
    held: set[tuple[int, str]] = set()
    due_ids = {i.id for i in due}
    kept = []
    for item in pending:
        part = _part(item)
        if item.id not in due_ids:
            if part is not None:
                held.add(part)
        elif part not in held:
            kept.append(item)
    return kept
