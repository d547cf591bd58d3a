"""One process of the several-accounts kill test (`bench --multi`, tests/test_accounts_kill.py).

`python -m bot.cli.multi_child URL ACCOUNT SENDS_FILE LEASE_SECONDS PER_MINUTE` serves one
account of the test county on the sandbox over the shared PostgreSQL store, exactly as
`python -m bot run --account` wires it (leases, the outbox filtered to held groups), on
the wall clock, until every relay of every push went out. Each send the transport accepts
is appended to SENDS_FILE with one `write()` before the call returns, so the record
survives SIGKILL.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence
from dataclasses import replace

from bot.cli.accounts import AccountService
from bot.cli.sample import generate_county
from bot.clock import SystemClock
from bot.config import Config, SenderSection, load_config
from bot.domain.model import Mode, Org
from bot.runtime import build
from bot.settings import Account
from bot.store import Store
from bot.transport import Transport, simulate

ACCOUNTS = 3
COMMAND = "county"


def kill_town() -> Org:
    """Four towns of 15 groups: a hub per town, its villages relayed after the hub."""
    return generate_county(7, towns=4, groups_per_town=15, households=3000)


def kill_accounts(org: Org, n: int = ACCOUNTS) -> tuple[Account, ...]:
    """n accounts; every group has two of them (account i is not in every n-th group)."""
    return tuple(
        Account(f"acct{i}", groups=tuple(g.id for k, g in enumerate(org.groups) if k % n != i))
        for i in range(n)
    )


def kill_config(url: str, lease_seconds: float, per_minute: float) -> Config:
    """The shared config of the kill test's processes."""
    base = load_config(None)
    return replace(
        base,
        store=replace(base.store, url=url, lease_seconds=lease_seconds),
        sender=SenderSection(
            per_minute=per_minute, burst=5, group_gap_seconds=0, jitter_seconds=0
        ),
        quiet=replace(base.quiet, enabled=False),
        scheduler=replace(base.scheduler, enabled=False),
        web=replace(base.web, enabled=False),
        accounts=kill_accounts(kill_town()),
    )


def finished(store: Store) -> bool:
    """Nothing left to send and every relay of every push delivered."""
    if store.pending_outbox(1):
        return False
    return all(
        d.delivered_at is not None
        for push in store.pushes()
        for d in store.deliveries(push.id)
        if d.mode is Mode.RELAY
    )


def record_sends(transport: Transport, sends_file: str) -> None:
    """Append "conversation<TAB>first line<TAB>pid" to `sends_file` after each accepted
    text."""
    fd = os.open(sends_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    send_text = transport.send_text

    async def recorded(conversation: str, text: str, mentions: Sequence[str] = ()) -> str | None:
        sent = await send_text(conversation, text, mentions)
        head = text.split("\n", 1)[0].replace("\t", " ")
        os.write(fd, f"{conversation}\t{head}\t{os.getpid()}\n".encode())
        return sent

    transport.send_text = recorded  # type: ignore[method-assign]


async def main(url: str, account: str, sends_file: str, lease: float, per_minute: float) -> int:
    """Serve `account` until the fan-out is complete (or until killed)."""
    org = kill_town()
    config = kill_config(url, lease, per_minute).for_account(account)
    clock = SystemClock(config.tz)
    transport, _ = simulate(org, clock, config.bot.name)
    record_sends(transport, sends_file)
    rt = build(config, clock, org=org, transport=transport)
    service = AccountService(config, rt)
    await rt.app.start()
    await service.start()
    # Tell the harness this process is serving (its first claim is made).
    ready = os.path.join(os.path.dirname(sends_file), f"ready-{os.getpid()}")
    os.close(os.open(ready, os.O_WRONLY | os.O_CREAT, 0o644))
    while not finished(rt.store):
        await asyncio.sleep(0.05)
    await service.stop()
    await rt.app.stop()
    rt.store.close()
    return 0


if __name__ == "__main__":
    url, account, sends, lease, per_minute = sys.argv[1:6]
    sys.exit(asyncio.run(main(url, account, sends, float(lease), float(per_minute))))
