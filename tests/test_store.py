"""The store: migrations, WAL, roster versions, atomic writes, counters, outbox."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import SHANGHAI
from bot.domain.model import IncomingMessage, MessageKind, Org, OutgoingMessage
from bot.domain.relay import plan_push
from bot.store import ROSTER_HISTORY, Store

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "bot.db", SHANGHAI)
    yield s  # type: ignore[misc]
    s.close()


def _push(store: Store, org: Org) -> int:
    plan = plan_push(org, [])
    push = store.create_push(
        title="t",
        body="b",
        created_by="office",
        now=NOW,
        scope=plan.scope,
        deadline=None,
        content_id=None,
        roster_version=store.roster_version(),
        deliveries=plan.deliveries,
        tallies=plan.tallies,
        assignments=plan.assignments,
    )
    return push.id


def test_file_is_wal_and_migrated(store: Store, tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "bot.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    names = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")]
    assert names[:2] == ["m001_initial", "m002_counter_triggers"]
    # Opening again applies nothing twice.
    Store(tmp_path / "bot.db", SHANGHAI).close()
    assert conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == len(names)


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
        m if m.wechat != "lj1_h0" else m.__class__(**{**m.__dict__, "groups": ("lj", "lj1")})
        for m in town.members
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
