"""The store, through its protocol: roster versions, atomic and nested writes, counters,
outbox. Every test takes the `store` fixture, so the suite runs against each implementation
listed in `OPENERS` (SQLite-only checks live in test_store_sqlite.py)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import SHANGHAI
from bot.domain.model import (
    AuditEntry,
    IncomingMessage,
    MessageKind,
    Org,
    OutgoingMessage,
    Receipt,
    Role,
)
from bot.domain.relay import plan_push
from bot.store import ROSTER_HISTORY, Store, open_store
from bot.store.sqlite.base import SqliteBase
from bot.store.sqlite.schema import REACH_081
from tests.pgserver import new_database

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)

# One opener per implementation, given the test's temp folder and the fixture request.
OPENERS: dict[str, Callable[[Path, pytest.FixtureRequest], Store]] = {
    "sqlite": lambda tmp, _: open_store(tmp / "bot.db", SHANGHAI),
    # A fresh database on the session's real PostgreSQL server (tests/pgserver.py).
    "postgres": lambda _, request: open_store(
        new_database(request.getfixturevalue("postgres_server")), SHANGHAI
    ),
}


@pytest.fixture(params=sorted(OPENERS))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh, empty store of each implementation."""
    s = OPENERS[request.param](tmp_path, request)
    yield s
    s.close()


def _push(store: Store, org: Org, now: datetime = NOW, title: str = "t") -> int:
    plan = plan_push(org, [])
    push = store.create_push(
        title=title,
        body=f"{title}正文",
        created_by="office",
        now=now,
        scope=plan.scope,
        deadline=None,
        content_id=None,
        roster_version=store.roster_version(),
        deliveries=plan.deliveries,
        tallies=plan.tallies,
        assignments=plan.assignments,
    )
    return push.id


def test_push_texts_are_those_since_a_time_withdrawn_ones_too(store: Store, town: Org) -> None:
    store.save_org(town, NOW, "test")
    for day, title in enumerate(("旧通知", "撤回的", "新通知")):
        _push(store, town, NOW + timedelta(days=day), title)
    store.withdraw_push(2)
    assert store.push_texts(NOW + timedelta(hours=1)) == [
        ("撤回的", "撤回的正文"),
        ("新通知", "新通知正文"),
    ]
    assert store.push_texts(NOW + timedelta(days=3)) == []


def test_open_assignments_say_unit_and_signature_newest_first(store: Store, town: Org) -> None:
    store.save_org(town, NOW, "test")
    old, withdrawn, first, second = (
        _push(store, town, NOW + timedelta(days=d), f"第{d}期") for d in range(4)
    )
    store.withdraw_push(withdrawn)
    wechat, unit = store.assignments(first)[0]
    store.add_signature(first, wechat, unit, NOW + timedelta(days=3), None)
    since = NOW + timedelta(days=1)
    assert store.open_assignments(wechat, since) == [(second, unit, False), (first, unit, True)]
    assert store.open_assignments(wechat, NOW)[-1] == (old, unit, False)
    assert store.open_assignments("nobody", NOW) == []


def test_a_roster_s_odd_characters_survive_the_bulk_load(store: Store, town: Org) -> None:
    # PostgreSQL loads a roster by COPY, whose text format escapes tabs, newlines and
    # backslashes: what comes back must be what went in.
    odd = ["王\t五", "李\n四", "赵\\六", "钱\\N", "\\.", "孙 七\r"]
    members = tuple(
        replace(m, name=odd[i % len(odd)], phone=None if i % 2 else "\\N")
        for i, m in enumerate(town.members)
    )
    store.save_org(Org(town.town, town.groups, members), NOW, "odd")
    loaded = store.load_org()
    assert loaded is not None
    assert {m.wechat: m for m in loaded.members} == {m.wechat: m for m in members}


def test_roster_round_trip_and_versions(store: Store, town: Org) -> None:
    assert store.load_org() is None
    v1 = store.save_org(town, NOW, "test")
    loaded = store.load_org()
    assert loaded is not None
    assert loaded.groups == town.groups
    assert {m.wechat: m for m in loaded.members} == {m.wechat: m for m in town.members}
    _push(store, town)
    smaller = Org(town.town, town.groups, town.members[:-3])
    v2 = store.save_org(smaller, NOW, "test2")
    assert (v1, v2) == (1, 2)
    old = store.load_org(1)
    assert old is not None and len(old.members) == len(town.members)  # a push keeps its snapshot
    store.save_org(town, NOW, "test3")
    # The version before the current one stays: a restore needs it (issue 8).
    assert store.load_org(2) is not None
    for i in range(ROSTER_HISTORY):
        store.save_org(town if i % 2 else smaller, NOW, f"more{i}")
    assert store.load_org(2) is None  # unreferenced versions past the history are pruned
    assert store.load_org(1) is not None  # a push keeps its snapshot however old
    kept = [v.version for v in store.roster_history()]
    assert kept == [3 + ROSTER_HISTORY, *range(2 + ROSTER_HISTORY, 3, -1), 1]


def test_failed_transaction_leaves_nothing(store: Store, town: Org) -> None:
    store.save_org(town, NOW, "t")
    msg = IncomingMessage("m1", NOW, "x", "hi", "cmd")
    with pytest.raises(RuntimeError), store.transaction():
        assert store.record_message(msg)
        raise RuntimeError("boom")
    assert store.message_count() == 0
    assert store.record_message(msg) is True
    assert store.record_message(msg) is False


def test_nested_transaction_that_fails_rolls_back_alone(store: Store) -> None:
    with store.transaction():
        store.set_meta("outer", "1")
        with pytest.raises(RuntimeError), store.transaction():
            store.set_meta("inner", "1")  # itself a transaction: a savepoint two deep
            assert store.get_meta("inner") == "1"
            raise RuntimeError("inner fails")
        assert store.get_meta("inner") is None
        store.set_meta("after", "1")
    assert (store.get_meta("outer"), store.get_meta("inner"), store.get_meta("after")) == (
        "1",
        None,
        "1",
    )


def test_outer_rollback_undoes_a_finished_nested_block(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        with store.transaction():
            store.set_meta("inner", "1")
        raise RuntimeError("outer fails")
    assert store.get_meta("inner") is None
    with store.transaction():  # the store is usable again afterwards
        store.set_meta("later", "1")
    assert store.get_meta("later") == "1"


def test_receipt_counters_and_scope(store: Store, town: Org) -> None:
    store.save_org(town, NOW, "t")
    pid = _push(store, town)
    assert store.mark_delivered(pid, "wj", NOW, "relay") is True
    assert store.mark_delivered(pid, "wj", NOW, "relay") is False
    assert store.add_receipt(pid, "wj_h0", "王家村", "wj", NOW, "a")
    assert not store.add_receipt(pid, "wj_h0", "王家村", "wj", NOW, "b")
    assert not store.add_receipt(pid, "zz", "外镇", "wj", NOW, "c")  # unit not in scope
    tally = {t.unit: t for t in store.tallies(pid)}
    assert (tally["王家村"].acks, tally["王家村"].reached, tally["王家村"].delivered) == (1, 4, 1)
    assert store.latest_delivered_push("wj") == pid
    assert store.latest_delivered_push("lj") is None


def test_reach_counts_each_household_once(store: Store, town: Org) -> None:
    # A household sitting in two groups is reached once.
    members = tuple(
        m if m.wechat != "lj1_h0" else replace(m, groups=("lj", "lj1")) for m in town.members
    )
    org = Org(town.town, town.groups, members)
    store.save_org(org, NOW, "t")
    pid = _push(store, org)
    store.mark_delivered(pid, "lj", NOW, "relay")
    store.mark_delivered(pid, "lj1", NOW, "relay")
    assert {t.unit: t.reached for t in store.tallies(pid)}["李家村"] == 4


def test_outbox_dedupe_and_retry(store: Store) -> None:
    out = OutgoingMessage("cmd", "hello", dedupe_key="k1")
    first = store.enqueue(out, NOW)
    assert first is not None
    assert store.enqueue(out, NOW) is None
    (item,) = store.pending_outbox()
    assert item.kind is MessageKind.TEXT and item.text == "hello"
    store.mark_retry(item.id, "down", NOW + timedelta(seconds=30), give_up_after=2)
    (item,) = store.pending_outbox()
    assert item.attempts == 1 and item.not_before == NOW + timedelta(seconds=30)
    store.mark_retry(item.id, "down", NOW, give_up_after=2)
    assert store.pending_outbox() == []
    assert store.outbox("failed")[0].attempts == 2


def test_import_receipts_bulk(store: Store, town: Org) -> None:
    store.save_org(town, NOW, "t")
    pid = _push(store, town)
    rows = [
        ("wj_h0", "王家村", "wj", NOW),
        ("wj_h1", "王家村", "wj", NOW),
        ("x", "外镇", "wj", NOW),
    ]
    assert store.import_receipts(pid, rows) == 2
    assert store.import_receipts(pid, rows) == 0
    assert {t.unit: t.acks for t in store.tallies(pid)}["王家村"] == 2


def test_audit_log_returns_entries_newest_first(store: Store) -> None:
    store.audit(NOW, "zhang", "推送", "第1期")
    store.audit(NOW + timedelta(minutes=1), "liu", "撤回", "第1期")
    first, second = store.audit_log()
    assert isinstance(first, AuditEntry)
    assert (first.actor, first.action) == ("liu", "撤回")
    assert second == (NOW, "zhang", "推送", "第1期")


def test_raw_insert_baseline_leaves_the_store_alone(store: Store, town: Org) -> None:
    store.save_org(town, NOW, "t")
    pid = _push(store, town)
    rows = [(Receipt(pid, f"h{i}", "王家村", "wj", NOW), f"m{i}") for i in range(3)]
    assert store.raw_insert_baseline(rows) >= 0
    assert store.receipt_count() == 0


def _mixed_org(town: Org, seed: int) -> Org:
    # Households moved at random into one to three groups, of their own unit or another.
    rng = random.Random(seed)
    ids = [g.id for g in town.groups]
    members = tuple(
        replace(m, groups=tuple(rng.sample(ids, rng.randint(1, 3))))
        if m.role is Role.HOUSEHOLD
        else m
        for m in town.members
    )
    return Org(town.town, town.groups, members)


@pytest.mark.parametrize("seed", range(4))
def test_reach_counts_households_in_several_groups_once(
    store: Store, town: Org, seed: int
) -> None:
    store.save_org(town, NOW, "old")
    org = _mixed_org(town, seed)
    store.save_org(org, NOW, "t")
    pid = _push(store, org)
    order = [d.group_id for d in store.deliveries(pid)]
    random.Random(seed).shuffle(order)
    reached: set[str] = set()
    for gid in order:
        assert store.mark_delivered(pid, gid, NOW, "relay")
        reached |= {m.wechat for m in org.members if gid in m.groups}
        expected = Counter(
            m.unit for m in org.members if m.role is Role.HOUSEHOLD and m.wechat in reached
        )
        assert {t.unit: t.reached for t in store.tallies(pid)} == {
            t.unit: expected[t.unit] for t in store.tallies(pid)
        }


def test_reach_of_stored_versions_filled_by_the_migration(store: Store, town: Org) -> None:
    # m081 fills, for rosters stored before it, what save_org now stores at import.
    assert isinstance(store, SqliteBase)
    store.save_org(town, NOW, "t")
    store.save_org(_mixed_org(town, 7), NOW, "t")

    def rows() -> list[tuple[object, ...]]:
        return [
            tuple(r)
            for table in ("group_alone", "shared_households")
            for r in store._x(f"SELECT * FROM {table} ORDER BY 1, 2, 3")
        ]

    at_import = rows()
    assert len(at_import) > 10
    with store.transaction():
        store._x("DROP TABLE group_alone")
        store._x("DROP TABLE shared_households")
        for statement in REACH_081:
            store._x(statement)
    assert rows() == at_import
