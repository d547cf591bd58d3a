"""Group leases, the scheduler lock and cross-account fingerprints, on SQLite and PostgreSQL,
driven by a simulated clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import SHANGHAI, SimClock
from bot.config import Config
from bot.domain.model import Role
from bot.outbox.leases import PRIVATE_KEY, GroupLeases
from bot.runtime import build
from bot.settings import Account
from bot.store import Store, open_store
from bot.store.postgres.leases import SCHEDULER_LOCK
from tests.conftest import START, small_town
from tests.pgserver import new_database

TTL = 30.0


@pytest.fixture(params=["sqlite", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Where the shared store lives: a SQLite file or a fresh PostgreSQL database."""
    if request.param == "postgres":
        return new_database(request.getfixturevalue("postgres_server"))
    return tmp_path / "bot.db"


@pytest.fixture
def stores(target: str | Path) -> Iterator[tuple[Store, Store]]:
    """Two processes' connections to one store."""
    a, b = open_store(target, SHANGHAI), open_store(target, SHANGHAI)
    yield a, b
    a.close()
    b.close()


def _keeper(store: Store, clock: SimClock, name: str, groups: tuple[str, ...]) -> GroupLeases:
    org = small_town()
    return GroupLeases(store, clock, Account(name, groups=groups), lambda: org, TTL, owner=name)


def test_claim_renew_expire_takeover(stores: tuple[Store, Store]) -> None:
    clock = SimClock(START)
    a = _keeper(stores[0], clock, "a", ("cmd", "lj", "lj1"))
    b = _keeper(stores[1], clock, "b", ("lj", "lj1", "wj"))
    assert a.renew() == {"cmd", "lj", "lj1", PRIVATE_KEY}
    assert b.renew() == {"wj"}  # lj and lj1 are a's; the private chats too
    assert b.next_foreign_expiry == START + timedelta(seconds=TTL)
    assert b.next_delay() == TTL / 3  # renew before waiting for a's expiry
    assert a.owns("lj1", clock.now()) and not b.owns("lj1", clock.now())
    assert a.owns("lj1_h0", clock.now())  # a private chat: a holds "*private"

    clock.advance(TTL / 3)
    assert a.renew() == set() and b.renew() == set()  # a renewed: nothing changes hands
    clock.advance(TTL * 0.95)  # a dies after its renewal at START + 10 s
    assert b.renew() == set()
    assert b.next_delay() == pytest.approx(TTL * 0.05 + 0.001)  # wakes right at the expiry
    assert not a.owns("lj", clock.now())  # a stalled process stops sending before expiry
    clock.advance(b.next_delay())
    assert b.renew() == {"lj", "lj1", PRIVATE_KEY}
    assert b.owns("lj", clock.now()) and not a.owns("lj", clock.now())
    leases = {lease.key: lease for lease in stores[0].leases()}
    assert leases["lj"].owner == "b" and leases["cmd"].owner == "a"  # b is not in cmd
    assert leases["lj"].since == clock.now() and leases["wj"].since == START

    assert a.renew() == set()  # back from its stall: a finds lj taken
    assert a.held == {"cmd"}
    b.release()
    assert a.renew() == {"lj", "lj1", PRIVATE_KEY}  # a clean stop hands over at once


def test_pending_rows_of_groups_held_elsewhere_are_skipped(
    target: str | Path, tmp_path: Path, config: Config
) -> None:
    clock = SimClock(START)
    cfg = replace(config, store=replace(config.store, url=str(target)))
    rt = build(cfg, clock, org=small_town())
    office = rt.app.org.member("office")
    assert office is not None
    rt.app.create_push("断电演练", "请勿向陌生人转账。", office, clock.now())
    everyone = {i.conversation for i in rt.store.pending_outbox()}
    assert {"cmd"} <= everyone
    b = _keeper(rt.store, clock, "b", ("cmd",))
    b.renew()
    a = GroupLeases(rt.store, clock, Account("a"), lambda: rt.app.org, TTL, owner="a")
    a.install(rt.app.sender)
    a.renew()
    assert "cmd" not in a.held
    assert all(i.conversation != "cmd" for i in rt.app.sender.pending(500, 0))
    held = {
        i.conversation for i in rt.store.pending_outbox() if rt.app.sender.hold(i, clock.now())
    }
    assert held == {"cmd"}  # a holds every other group
    rt.store.close()


def test_scheduler_lock_has_one_holder(stores: tuple[Store, Store], target: str | Path) -> None:
    first, second = stores
    now = START
    assert first.try_scheduler_lock("a", now, now + timedelta(seconds=TTL))
    assert first.try_scheduler_lock("a", now, now + timedelta(seconds=TTL))
    assert not second.try_scheduler_lock("b", now, now + timedelta(seconds=TTL))
    later = now + timedelta(seconds=TTL + 1)
    if isinstance(target, Path):  # SQLite: a lease row, free once it expired
        assert second.try_scheduler_lock("b", later, later + timedelta(seconds=TTL))
        assert not first.try_scheduler_lock("a", later, later + timedelta(seconds=TTL))
        return
    # PostgreSQL: an advisory lock, however late it is, until the holder's connection ends.
    assert not second.try_scheduler_lock("b", later, later + timedelta(seconds=TTL))
    first.close()
    third = open_store(target, SHANGHAI)
    try:
        assert second.try_scheduler_lock("b", later, later + timedelta(seconds=TTL))
        assert not third.try_scheduler_lock("c", later, later + timedelta(seconds=TTL))
        assert third._one("SELECT count(*) FROM pg_locks WHERE objid = ?", (SCHEDULER_LOCK,)) == 1  # type: ignore[attr-defined]
    finally:
        third.close()


def _two_accounts(config: Config, target: str | Path) -> Config:
    store = replace(config.store, url=str(target))
    return replace(config, store=store, accounts=(Account("a"), Account("b")))


async def test_a_reply_heard_by_two_accounts_counts_once(
    target: str | Path, config: Config
) -> None:
    clock = SimClock(START)
    cfg = _two_accounts(config, target)
    rt_a = build(cfg.for_account("a"), clock, org=small_town())
    rt_b = build(cfg.for_account("b"), clock, org=small_town())
    seen: list[str] = []
    for rt in (rt_a, rt_b):
        original = rt.app.chat.dispatch
        rt.app.chat.dispatch = lambda ctx, msg, f=original: (seen.append(msg.id), f(ctx, msg))  # type: ignore[method-assign]
    office = rt_a.app.org.member("office")
    assert office is not None and rt_a.simulator is not None and rt_b.simulator is not None
    rt_a.app.create_push("断电演练", "请勿向陌生人转账。", office, clock.now())
    # Both accounts sit in 李家村一网格群: each hears the household once, with its own id.
    at = clock.now()
    await rt_a.app.handle(rt_a.simulator.message("lj1_h0", "收到", "lj1", message_id="A-1", at=at))
    clock.advance(1)
    await rt_b.app.handle(
        rt_b.simulator.message("lj1_h0", " 收到！", "lj1", message_id="B-9", at=at)
    )
    await rt_b.app.handle(rt_b.simulator.message("lj1_h1", "收到", "lj1", message_id="B-10"))
    # Half a window later the same words are a new message (a second 收到 of a new day…).
    clock.advance(3600)
    await rt_b.app.handle(rt_b.simulator.message("lj1_h0", "收到", "lj1", message_id="B-11"))
    assert seen == ["A-1", "B-10", "B-11"]
    assert rt_a.store.message_count() == 4  # every copy is on record
    rt_a.simulator.pop_sent()
    rt_b.simulator.pop_sent()
    rt_a.store.close()
    rt_b.store.close()


async def test_a_copy_that_failed_leaves_the_other_to_count(
    target: str | Path, config: Config
) -> None:
    clock = SimClock(START)
    cfg = _two_accounts(config, target)
    rt_a = build(cfg.for_account("a"), clock, org=small_town())
    rt_b = build(cfg.for_account("b"), clock, org=small_town())
    assert rt_a.simulator is not None and rt_b.simulator is not None
    pusher = rt_a.app.org.member("lj_p1")
    office = rt_a.app.org.member("office")
    assert pusher is not None and pusher.role is Role.PUSHER and office is not None
    push = rt_a.app.create_push("断电演练", "请勿向陌生人转账。", office, clock.now())

    def crash(ctx: object, msg: object) -> None:
        raise RuntimeError("进程在提交前死掉")

    rt_a.app.chat.dispatch = crash  # type: ignore[method-assign]
    await rt_a.app.handle(rt_a.simulator.message("lj_p1", "收到", "cmd", message_id="A-5"))
    assert not rt_a.store.signatures(push.id)  # the first copy's effect rolled back…
    await rt_b.app.handle(rt_b.simulator.message("lj_p1", "收到", "cmd", message_id="B-5"))
    assert [s.member for s in rt_b.store.signatures(push.id)] == ["lj_p1"]  # …the other counts
    rt_a.simulator.pop_sent()
    rt_b.simulator.pop_sent()
    rt_a.store.close()
    rt_b.store.close()
