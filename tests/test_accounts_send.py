"""Two account processes on one store (simulated clock): each sends only to the groups it
holds; when one stops renewing, the other takes its groups at the lease's expiry and sends
what was left. The scheduler runs in exactly one of them."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from bot.cli.accounts import AccountService
from bot.clock import SimClock
from bot.config import Config
from bot.runtime import Runtime, build
from bot.settings import Account
from tests.conftest import START, small_town
from tests.pgserver import new_database

TTL = 30.0
A_GROUPS = ("cmd", "lj", "lj1", "lj2")
B_GROUPS = ("cmd", "lj", "wj", "bank", "school", "lj1", "lj2")


@pytest.fixture(params=["sqlite", "postgres"])
def shared(request: pytest.FixtureRequest, config: Config) -> Config:
    """The two accounts' config over a SQLite file or a fresh PostgreSQL database."""
    url = ""
    if request.param == "postgres":
        url = new_database(request.getfixturevalue("postgres_server"))
    accounts = (Account("a", groups=A_GROUPS), Account("b", groups=B_GROUPS))
    store = replace(config.store, url=url, lease_seconds=TTL)
    return replace(config, store=store, accounts=accounts)


def _serve(cfg: Config, name: str, clock: SimClock) -> tuple[Runtime, AccountService]:
    rt = build(cfg.for_account(name), clock, org=small_town())
    return rt, AccountService(cfg.for_account(name), rt, owner=name)


def _sent(rt: Runtime) -> list[str]:
    assert rt.simulator is not None
    return [line.conversation for line in rt.simulator.pop_sent()]


async def test_each_sends_to_its_groups_and_takes_over_a_dead_ones(
    shared: Config, tmp_path: Path
) -> None:
    clock = SimClock(START)
    rt_a, a = _serve(shared, "a", clock)
    rt_b, b = _serve(shared, "b", clock)
    await a.leases.tick()
    await b.leases.tick()
    assert a.leases.held == {"cmd", "lj", "lj1", "lj2", "*private"}
    assert b.leases.held == {"wj", "bank", "school"}
    office = rt_a.app.org.member("office")
    assert office is not None
    push = rt_a.app.create_push("断电演练", "请勿向陌生人转账。", office, clock.now())
    assert await rt_b.app.settle() == 0  # the command group is a's
    await rt_a.app.settle()
    assert _sent(rt_a) == ["cmd"]
    for pusher in ("lj_p1", "wj_p", "bank_p"):  # each heard by the account holding cmd
        await rt_a.app.handle(rt_a.simulator.message(pusher, "收到", "cmd"))  # type: ignore[union-attr]
    await rt_b.app.settle()
    await rt_a.app.settle()
    a_sent, b_sent = _sent(rt_a), _sent(rt_b)
    assert b_sent == ["wj"] and {"lj", "lj1"} <= set(a_sent)  # bank forwards itself
    assert not set(a_sent) & {"wj", "bank", "school"}

    # a dies without a word; lj_p2 signs (heard by b, which is in cmd too), lj2's relay waits.
    await rt_b.app.handle(rt_b.simulator.message("lj_p2", "收到", "cmd"))  # type: ignore[union-attr]
    await rt_b.app.settle()
    assert _sent(rt_b) == []  # cmd (the sign-off reply) and lj2 are still a's
    while "cmd" not in b.leases.held:  # b's renewal loop, as `run()` paces it
        clock.advance(b.leases.next_delay())
        await b.leases.tick()
    # Taken over at a's last renewal (START) plus the lease, to the millisecond.
    assert TTL <= (clock.now() - START).total_seconds() <= TTL + 0.001
    assert {"cmd", "lj2", "*private"} <= b.leases.held
    await rt_b.app.settle()
    assert Counter(_sent(rt_b))["lj2"] == 1
    delivered = {d.group_id for d in rt_b.store.deliveries(push.id) if d.delivered_at}
    assert {"lj", "lj1", "lj2", "wj"} <= delivered
    rt_a.store.close()
    rt_b.store.close()


async def test_the_scheduler_starts_in_one_process_only(shared: Config) -> None:
    clock = SimClock(START)
    started: list[str] = []
    services = []
    for name in ("a", "b"):
        rt = build(shared.for_account(name), clock, org=small_town())

        async def start(name: str = name) -> None:
            started.append(name)

        services.append((rt, AccountService(shared.for_account(name), rt, start, owner=name)))
    for _ in range(3):
        for _, service in services:
            await service.leases.tick()
        clock.advance(TTL / 3)
    assert started == ["a"]
    rt_a, service_a = services[0]
    await service_a.stop()
    rt_a.store.close()  # PostgreSQL frees the advisory lock with the connection
    clock.advance(TTL)  # SQLite: the lock's lease row expires
    await services[1][1].leases.tick()
    assert started == ["a", "b"]
    services[1][0].store.close()
