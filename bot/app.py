"""The application: one `handle()` for every inbound event, and the wiring around it.

Decisions live in `bot.domain`; what the bot does about them in the chat handlers
(`bot.chat`, reached as `app.chat`); persistence behind `bot.store.Store`; sending in
`bot.outbox`. This module connects them, starts and stops them, and offers the read-side
facts every part asks for (the roster a push was planned on, its coverage, who lags).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import logging
import random
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from bot.chat.pushes import PushDraft
from bot.chat.router import Router
from bot.clock import Clock
from bot.config import Config
from bot.context import Context
from bot.domain.coverage import PushCoverage, coverage_of
from bot.domain.fingerprint import fingerprints
from bot.domain.model import (
    Content,
    Delivery,
    Group,
    IncomingMessage,
    Level,
    Member,
    Org,
    OutboxItem,
    Push,
)
from bot.domain.quiet import quiet_until
from bot.domain.relay import laggards
from bot.outbox.sender import PacedSender
from bot.schedule.calendar import load_calendar
from bot.schedule.chart import ChartRenderer
from bot.store import Store
from bot.transport import mass_sender_of
from bot.transport.base import Transport

log = logging.getLogger("bot.app")

Laggards = tuple[list[Member], list[tuple[Delivery, Group, tuple[Member, ...]]]]


BATCH_MESSAGES = 100
BATCH_SECONDS = 0.004


class _Redo(Exception):
    """A message of a group-commit batch failed: handle the batch one savepoint each."""


def _report_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("后台任务 %s 意外停止", task.get_name(), exc_info=task.exception())


# From this many members up a roster is worth moving out of the collector's reach.
LONG_LIVED_MEMBERS = 50_000


def long_lived(org: Org) -> Org:
    """A large roster, moved with everything else alive now out of the cyclic collector's
    reach (`gc.freeze`): it lives until the next roster, and at city scale (2M households)
    every full collection walked it and stalled the event loop for most of a second.
    Reference counting still frees it. The young generations are collected first, so
    recent garbage is not kept; a full collection would itself walk the roster."""
    if len(org.members) >= LONG_LIVED_MEMBERS:
        gc.collect(1)
        gc.freeze()
    return org


def roster_key(org: Org) -> tuple[object, ...]:
    """A comparable fingerprint of a roster (order-insensitive)."""
    return (
        org.town,
        frozenset(org.groups),
        frozenset(
            (m.name, m.role, m.unit, m.wechat, frozenset(m.groups), m.phone) for m in org.members
        ),
    )


class App:
    """The bot: feed it messages with `handle()`; it answers through the outbox."""

    def __init__(
        self,
        config: Config,
        store: Store,
        transport: Transport,
        clock: Clock,
        library: Sequence[Content] = (),
        rng: random.Random | None = None,
        org: Org | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.transport = transport
        self.clock = clock
        self.library = list(library)
        # `org`: the current roster when the caller has just read it (build does).
        org = org or store.load_org()
        if org is None:
            raise RuntimeError("数据库中还没有名册，请先导入组织文件")
        self.org = long_lived(org)
        self.roster_version = store.roster_version()
        self.chat = Router()
        self.sender = PacedSender(
            store,
            transport,
            clock,
            config.sender,
            lambda item, at: self.chat.relays.on_sent(self.context(at), item, at),
            rng=rng or random.Random(),
            hold=self._quiet_hold,
            after_sent=lambda item, at: self.chat.relays.after_sent(self.context(at), item),
        )
        self.calendar = load_calendar(config)
        self.charts = ChartRenderer()
        self._tasks: list[asyncio.Task[None]] = []
        self._mass_due = asyncio.Event()

    # -- roster -----------------------------------------------------------------------------

    @staticmethod
    def import_roster(store: Store, org: Org, now: datetime, source: str) -> bool:
        """Store `org` as the current roster unless it is unchanged; True if imported."""
        current = store.load_org()
        if current is not None and roster_key(current) == roster_key(org):
            return False
        store.save_org(org, now, source)
        with store.transaction():
            store.audit(now, "系统", "导入名册", f"{source}：{len(org.members)} 人")
        return True

    def reload_roster(self) -> bool:
        """Pick up a roster imported or restored while running (web, CLI); True if changed."""
        version = self.store.roster_version()
        if version == self.roster_version:
            return False
        org = self.store.load_org(version)
        if org is None:
            return False
        self.org, self.roster_version = long_lived(org), version
        self.sender.recheck()  # a group's level decides whether quiet hours hold its rows
        return True

    def org_for(self, push: Push) -> Org:
        """The roster snapshot a push was planned on (`self.org` is version
        `self.roster_version`, whatever the store's current one is by now)."""
        if push.roster_version == self.roster_version:
            return self.org
        return self.store.load_org(push.roster_version) or self.org

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect the transport, resume the outbox, consume messages."""
        await self.transport.start()
        self.chat.relays.resume(self.context(self.clock.now()))
        self._tasks = [
            asyncio.create_task(self.sender.run(), name="sender"),
            asyncio.create_task(self._consume(), name="inbound"),
        ]
        if mass_sender_of(self.transport) is not None:
            self._tasks.append(asyncio.create_task(self._poll_mass_tasks(), name="mass-tasks"))
        for task in self._tasks:
            task.add_done_callback(_report_crash)

    async def stop(self) -> None:
        """Stop consuming and sending (pending outbox rows stay for the next start)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self.transport.stop()

    async def _consume(self) -> None:
        # Group commit: what arrived meanwhile is handled in one transaction (a savepoint per
        # message), at most BATCH_MESSAGES or BATCH_SECONDS' worth, then the loop gets a turn.
        # Nothing is sent before its commit: the sender only runs between batches.
        inbox: deque[IncomingMessage] = deque()
        arrived = asyncio.Event()
        pump = asyncio.create_task(self._pump(inbox, arrived), name="inbound-pump")
        try:
            while not pump.done() or inbox:
                await arrived.wait()
                arrived.clear()
                while inbox:
                    self.ingest(self._take(inbox), list(itertools.islice(inbox, BATCH_MESSAGES)))
                    # A queue that is never empty never suspends: give the sender (and the
                    # web) a turn after each batch, or a burst starves the paced sends.
                    await asyncio.sleep(0)
            pump.result()
        finally:
            pump.cancel()

    def _take(self, inbox: deque[IncomingMessage]) -> Iterator[IncomingMessage]:
        """One group-commit batch from the inbox: up to BATCH_MESSAGES, or what fits in
        BATCH_SECONDS, or until a paced send is due (the rest waits for the next batch)."""
        deadline = time.perf_counter() + BATCH_SECONDS
        for _ in range(BATCH_MESSAGES):
            if not inbox or time.perf_counter() > deadline or self.sender.due(self.clock.now()):
                return
            yield inbox.popleft()

    async def _pump(self, inbox: deque[IncomingMessage], arrived: asyncio.Event) -> None:
        pulled = 0
        try:
            async for msg in self.transport.messages():
                inbox.append(msg)
                arrived.set()
                pulled += 1
                if pulled % BATCH_MESSAGES == 0 or self.sender.due(self.clock.now()):
                    # A transport queue that is never empty never suspends: hand over a
                    # batch's worth (or let a due send go) rather than drain the burst first.
                    await asyncio.sleep(0)
        finally:
            arrived.set()

    async def _poll_mass_tasks(self) -> None:
        # 群发 tasks are created as soon as a push plans them, and polled on a schedule that
        # keeps far below the platform's rate limits.
        while True:
            self._mass_due.clear()
            await self.chat.tasks.run_once(self.context(self.clock.now()))
            self.sender.wake()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.config.wecom.poll_minutes * 60):
                    await self._mass_due.wait()

    def wake_mass_tasks(self) -> None:
        """New 群发 tasks were planned: create them now rather than at the next poll."""
        self._mass_due.set()

    async def settle(self) -> int:
        """Sync 群发 tasks and send everything that is due (simulated clocks: instantly).
        Returns rows sent."""
        await self.chat.tasks.run_once(self.context(self.clock.now()))
        return await self.sender.drain()

    # -- the one entry point --------------------------------------------------------------

    async def handle(self, msg: IncomingMessage) -> None:
        """Store an inbound message once and act on it; duplicates change nothing.
        One message is its own transaction (no batch around it to keep a savepoint for)."""
        # `python -m bot roster restore` writes from another process: follow it here.
        self.reload_roster()
        self._handle_one(msg)
        self.sender.wake()

    def ingest(
        self,
        messages: Iterable[IncomingMessage],
        ahead: Sequence[IncomingMessage] | None = None,
    ) -> int:
        """Handle messages in ONE transaction (group commit), each as if in its own
        savepoint: a message that fails rolls back alone and is stored with its error.
        `ahead`: the messages the batch will likely take (by default `messages` when it is
        a sequence), so the store can read what they need at once. Returns how many."""
        # `python -m bot roster restore` writes from another process: follow it here.
        self.reload_roster()
        if ahead is None and isinstance(messages, Sequence):
            ahead = messages
        source = iter(messages)  # a redo below goes on where the batch stopped
        done: list[tuple[IncomingMessage, datetime]] = []
        committing = False
        try:
            # No savepoint per message (two statements each): when a message fails, the
            # batch so far is rolled back and handled again one savepoint each, at the times
            # it was first handled.
            with self.store.transaction():
                if ahead:
                    self.store.expect(ahead)
                for msg in source:
                    now = self.clock.now()
                    done.append((msg, now))
                    try:
                        self._act(msg, now)
                    except Exception as exc:
                        raise _Redo from exc
                committing = True
        except Exception as exc:
            # On PostgreSQL a pipelined write nobody read can fail as late as the COMMIT;
            # anything else out of here is the message source's own error.
            if not (committing or isinstance(exc, _Redo)):
                raise
            with self.store.transaction():
                for msg, now in done:
                    self._handle_one(msg, now)
                for msg in source:  # the rest of the batch, as before: one savepoint each
                    self._handle_one(msg)
                    done.append((msg, self.clock.now()))
        self.sender.wake()
        return len(done)

    def _handle_one(self, msg: IncomingMessage, now: datetime | None = None) -> None:
        try:
            with self.store.transaction():
                self._act(msg, now or self.clock.now())
        except Exception as exc:
            log.exception("处理消息 %s 出错", msg.id)
            with self.store.transaction():
                self.store.record_message(msg, error=repr(exc))

    def _act(self, msg: IncomingMessage, now: datetime) -> None:
        """Store the message once and act on it (inside the caller's transaction)."""
        if not self.store.record_message(msg) or not self._first_copy(msg):
            log.info("消息 %s 已处理过，作为重复消息忽略", msg.id)
            return
        self.chat.dispatch(Context.of_message(self, now), msg)

    def _first_copy(self, msg: IncomingMessage) -> bool:
        # Several accounts in one group each hear a household's "收到": count it once.
        if len(self.config.accounts) < 2:
            return True
        return self.store.claim_fingerprints(fingerprints(msg), msg.id, msg.at)

    def context(
        self, now: datetime, *, member: Member | None = None, reply_to: str | None = None
    ) -> Context:
        """The context chat handlers share with scheduled jobs."""
        return Context(app=self, now=now, member=member, reply_to=reply_to)

    def _quiet_hold(self, item: OutboxItem, now: datetime) -> datetime | None:
        # Households are not woken at night; the command group and private chats are exempt.
        quiet = self.config.quiet
        group = self.org.group(item.conversation)
        if not quiet.enabled or group is None or group.level is Level.COMMAND:
            return None
        return quiet_until(now.astimezone(self.config.tz), quiet.start_time, quiet.end_time)

    # -- pushes -----------------------------------------------------------------------------

    def create_push(
        self,
        title: str,
        body: str,
        member: Member,
        now: datetime,
        scope: Sequence[str] = (),
        deadline: datetime | None = None,
        content_id: int | None = None,
    ) -> Push:
        """Start a push as `member` (for tools and tests): the same path chat and web take."""
        draft = PushDraft(title, body, tuple(scope), deadline, content_id)
        return self.chat.pushes.start(self.context(now, member=member), draft)

    def coverage(self, push: Push, unit: str | None = None) -> PushCoverage:
        """Coverage of one push from the stored counters; with `unit`, of that unit only."""
        tallies = self.store.tally_rows(push.id, unit)  # UnitTallies made only if shown
        # Signatures and deliveries boiled down in SQL: a city push plans 8,000 deliveries.
        return coverage_of(push, tallies, self.store.coverage_facts(push.id, unit))

    def coverage_report(self, pushes: Sequence[Push] | None = None) -> list[PushCoverage]:
        """Coverage of the given pushes (default: all)."""
        return [self.coverage(p) for p in (pushes if pushes is not None else self.store.pushes())]

    def laggards(self, push: Push) -> Laggards:
        """Assigned pushers who have not signed, and undelivered groups with their pushers."""
        org = self.org_for(push)
        signed = {s.member for s in self.store.signatures(push.id)}
        assigned = {w for w, _ in self.store.assignments(push.id)}
        unsigned, undelivered = laggards(org, self.store.deliveries(push.id), signed, assigned)
        groups = [
            (d, g, pushers)
            for d, pushers in undelivered
            if (g := org.group(d.group_id)) is not None
        ]
        return unsigned, groups
