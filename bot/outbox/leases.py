"""Group leases for a process serving one of several accounts on one store.

The process holds a lease on every group its account sits in that no live process holds,
renews it every third of the lease, and sends only to the groups it holds (the outbox is
shared: every process sees every row). A process that dies stops renewing; once its leases
expire, another account in those groups takes them, right at the expiry it saw. Exactly
one process also holds the scheduler lock and runs the scheduled jobs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.domain.model import Org, OutboxItem
from bot.outbox.sender import PacedSender
from bot.settings import Account
from bot.store import Store

log = logging.getLogger("bot.leases")

PRIVATE_KEY = "*private"  # private chats (and anything not a roster group)
FINGERPRINT_DAYS = 2
# Rows another process queues for this one's groups (a relay it planned after its own send)
# are picked up this often: processes share the outbox, not a wake-up signal.
POLL_SECONDS = 0.5


def owner_id(account: str) -> str:
    """This process's lease owner: the account, host, pid and a nonce (a restarted process
    is a new owner and waits for its old leases to expire like everyone else)."""
    return f"{account}@{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class GroupLeases:
    """Claims and renews this process's groups; tells the sender which rows are its own."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        account: Account,
        org: Callable[[], Org],
        lease_seconds: float,
        owner: str | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.account = account
        self.org = org
        self.ttl = timedelta(seconds=lease_seconds)
        self.owner = owner or owner_id(account.name)
        self.held: set[str] = set()
        self.valid_until: datetime | None = None
        self.next_foreign_expiry: datetime | None = None
        self.scheduler = False
        self.on_scheduler: Callable[[], Awaitable[None]] | None = None
        self.sender: PacedSender | None = None

    def keys(self) -> list[str]:
        """The lease keys this account competes for."""
        org = self.org()
        groups = list(self.account.groups) or [g.id for g in org.groups]
        return groups + ([PRIVATE_KEY] if self.account.private_chats else [])

    def key_of(self, conversation: str) -> str:
        """The lease key covering a conversation."""
        return conversation if self.org().group(conversation) is not None else PRIVATE_KEY

    def owns(self, conversation: str, now: datetime) -> bool:
        """Whether this process may send to `conversation` now."""
        if self.valid_until is None or now >= self.valid_until:
            return False
        return self.key_of(conversation) in self.held

    def renew(self) -> set[str]:
        """Claim/renew every key once; returns the keys newly gained."""
        now = self.clock.now()
        held, foreign = self.store.claim_leases(self.owner, self.keys(), now, now + self.ttl)
        gained = held - self.held
        lost = self.held - held
        self.held, self.next_foreign_expiry = held, foreign
        # Stop a little before the row expires: another process may take it at expiry.
        self.valid_until = now + self.ttl * 0.9
        if gained or lost:
            log.info(
                "租约：新得 %d 个，失去 %d 个，共持有 %d 个", len(gained), len(lost), len(held)
            )
        if gained and self.sender is not None:
            self.sender.recheck()  # rows held as another's may be this process's now
        return gained

    def next_delay(self) -> float:
        """Seconds until the next renewal: a third of the lease, or sooner when a foreign
        lease expires (to take it over at once)."""
        delay = self.ttl.total_seconds() / 3
        if self.next_foreign_expiry is not None:
            until = (self.next_foreign_expiry - self.clock.now()).total_seconds() + 0.001
            delay = min(delay, until)
        return max(delay, 0.01)

    async def tick(self) -> None:
        """One round: leases, then the scheduler lock (and old fingerprints)."""
        self.renew()
        now = self.clock.now()
        if not self.scheduler and self.on_scheduler is not None:
            if self.store.try_scheduler_lock(self.owner, now, now + self.ttl):
                self.scheduler = True
                log.info("本进程（%s）取得定时任务锁", self.owner)
                await self.on_scheduler()
        elif self.scheduler and not self.store.try_scheduler_lock(self.owner, now, now + self.ttl):
            log.error("定时任务锁被其他进程取得")  # SQLite only: this process stalled
        if self.scheduler:
            self.store.prune_fingerprints(now - timedelta(days=FINGERPRINT_DAYS))

    async def run(self) -> None:
        """Renew forever (cancel to stop)."""
        while True:
            await self.tick()
            await self.clock.sleep(self.next_delay())

    async def poll(self) -> None:
        """Wake the sender now and then for rows other processes queued (cancel to stop)."""
        while True:
            await self.clock.sleep(POLL_SECONDS)
            if self.sender is not None:
                self.sender.recheck()

    def install(self, sender: PacedSender) -> None:
        """Make `sender` send only this process's rows."""
        self.sender = sender
        previous = sender.hold

        def hold(item: OutboxItem, now: datetime) -> datetime | None:
            if not self.owns(item.conversation, now):
                return now + timedelta(seconds=self.next_delay())
            return previous(item, now) if previous is not None else None

        sender.hold = hold
        sender.pending = lambda limit, after: self.store.pending_outbox_unleased(
            self.owner, self.clock.now(), limit, after
        )

    def release(self) -> None:
        """A clean stop: give the groups up at once."""
        with contextlib.suppress(Exception):
            self.store.release_leases(self.owner)
        self.held, self.valid_until = set(), None
