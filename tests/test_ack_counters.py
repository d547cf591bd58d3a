"""A unit's `acks` counter follows its receipts exactly, whenever it is written (on SQLite
once per transaction, by the store; on PostgreSQL by a trigger): read inside the
transaction, after a savepoint rolled back, after a rollback, in bulk. The `store` fixture
of test_store.py runs each implementation."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.clock import SHANGHAI
from bot.domain.model import Org
from bot.runtime import Runtime
from bot.store import Store, open_store
from bot.store.sqlite.schema import migrations
from tests.test_store import NOW, _push, store  # noqa: F401 (the fixture, one per implementation)


@pytest.fixture
def pid(store: Store, town: Org) -> int:  # noqa: F811
    """A push to `town`, saved with its roster in `store`."""
    store.save_org(town, NOW, "t")
    return _push(store, town)


def _acks(store: Store, pid: int) -> dict[str, int]:  # noqa: F811 (not the fixture)
    return {t.unit: t.acks for t in store.tallies(pid) if t.acks}


def _receipt(store: Store, pid: int, wechat: str, unit: str) -> bool:  # noqa: F811
    group = "wj" if unit == "王家村" else "lj"
    return store.add_receipt(pid, wechat, unit, group, NOW, f"m-{wechat}")


def test_counters_read_inside_the_transaction_see_its_receipts(
    store: Store,  # noqa: F811
    pid: int,
) -> None:
    with store.transaction():
        assert _receipt(store, pid, "wj_h0", "王家村")
        assert _receipt(store, pid, "lj_h0", "李家村")
        assert _acks(store, pid) == {"王家村": 1, "李家村": 1}
        assert _receipt(store, pid, "wj_h1", "王家村")
        assert not _receipt(store, pid, "wj_h1", "王家村")  # a duplicate counts nothing
        assert not _receipt(store, pid, "x", "外镇")  # out of scope
        assert _acks(store, pid) == {"王家村": 2, "李家村": 1}
    assert _acks(store, pid) == {"王家村": 2, "李家村": 1}


def test_a_rolled_back_savepoint_takes_only_its_own_counts(
    store: Store,  # noqa: F811
    pid: int,
) -> None:
    with store.transaction():
        assert _receipt(store, pid, "wj_h0", "王家村")
        with pytest.raises(RuntimeError), store.transaction():
            assert _receipt(store, pid, "wj_h1", "王家村")
            assert _receipt(store, pid, "lj_h0", "李家村")
            raise RuntimeError("坏消息")
        with store.transaction():  # a savepoint that holds
            assert _receipt(store, pid, "lj_h1", "李家村")
        assert _receipt(store, pid, "wj_h2", "王家村")
    assert _acks(store, pid) == {"王家村": 2, "李家村": 1}
    assert store.receipt_count(pid) == 3
    with pytest.raises(RuntimeError), store.transaction():
        assert _receipt(store, pid, "wj_h3", "王家村")
        raise RuntimeError("整批回滚")
    assert _acks(store, pid) == {"王家村": 2, "李家村": 1}
    # The rolled-back receipts can come again, and count then.
    assert _receipt(store, pid, "wj_h1", "王家村") and _receipt(store, pid, "wj_h3", "王家村")
    assert _acks(store, pid) == {"王家村": 4, "李家村": 1}


def test_counters_read_in_nested_savepoints_see_every_level_and_keep_them(
    store: Store,  # noqa: F811
    pid: int,
) -> None:
    with store.transaction():
        assert _receipt(store, pid, "wj_h0", "王家村")
        with store.transaction():
            assert _receipt(store, pid, "lj_h0", "李家村")
            with pytest.raises(RuntimeError), store.transaction():
                assert _receipt(store, pid, "wj_h1", "王家村")
                assert _acks(store, pid) == {"王家村": 2, "李家村": 1}
                raise RuntimeError("坏消息")
            assert _acks(store, pid) == {"王家村": 1, "李家村": 1}
        with pytest.raises(RuntimeError), store.transaction():
            assert _acks(store, pid) == {"王家村": 1, "李家村": 1}
            raise RuntimeError("读过后回滚")
        assert _receipt(store, pid, "lj_h1", "李家村")
        assert _acks(store, pid) == {"王家村": 1, "李家村": 2}
    assert _acks(store, pid) == {"王家村": 1, "李家村": 2}
    assert store.receipt_count(pid) == 3


def test_bulk_receipts_count_with_those_of_the_same_transaction(
    store: Store,  # noqa: F811
    pid: int,
) -> None:
    rows = [
        ("wj_h0", "王家村", "wj", NOW),
        ("lj_h0", "李家村", "lj", NOW),
        ("x", "外镇", "wj", NOW),
    ]
    with store.transaction():
        assert _receipt(store, pid, "wj_h0", "王家村")
        assert _receipt(store, pid, "wj_h1", "王家村")
        assert store.import_receipts(pid, rows) == 1  # wj_h0 already counted
    assert _acks(store, pid) == {"王家村": 2, "李家村": 1}


def test_the_counter_trigger_is_dropped_and_old_counts_are_kept(tmp_path: Path) -> None:
    # A database migrated up to the step before: receipts counted by the trigger.
    path = tmp_path / "bot.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE push_units (push_id INTEGER NOT NULL, unit TEXT NOT NULL, "
        "acks INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (push_id, unit));"
        "CREATE TABLE receipts (push_id INTEGER NOT NULL, wechat TEXT NOT NULL, unit TEXT);"
        "CREATE TRIGGER receipts_count AFTER INSERT ON receipts BEGIN "
        "UPDATE push_units SET acks = acks + 1 WHERE push_id = NEW.push_id AND unit = NEW.unit; "
        "END;"
        "INSERT INTO push_units VALUES (1, '王家村', 0);"
        "INSERT INTO receipts VALUES (1, 'wj_h0', '王家村');"
    )
    conn.commit()
    step = next(m for m in migrations._migrations if m.name == "m083_acks_by_store")
    step.fn(Database(conn))
    conn.execute("INSERT INTO receipts VALUES (1, 'wj_h1', '王家村')")
    assert conn.execute("SELECT acks FROM push_units").fetchone() == (1,)
    conn.close()
    fresh = open_store(tmp_path / "fresh.db", SHANGHAI)
    try:
        found = fresh._one(  # type: ignore[attr-defined]
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'receipts'"
        )
        assert found == 0
    finally:
        fresh.close()


async def test_a_batch_of_household_replies_is_counted_once_each(rt: Runtime) -> None:
    # Through App.ingest (one transaction): a duplicate transport id and a second "收到"
    # from the same household count nothing; 王家村's counter equals its receipts.
    app, st = rt.app, rt.store
    office = app.org.member("office")
    assert office is not None and rt.simulator is not None
    push = app.create_push("计数", "请勿向陌生人转账。", office, app.clock.now())
    st.mark_delivered(push.id, "wj", app.clock.now(), "relay")
    sim = rt.simulator
    batch = [replace(sim.message(f"wj_h{i}", "收到", "wj"), id=f"c{i}") for i in range(3)]
    batch += [batch[0], replace(sim.message("wj_h1", "好的收到", "wj"), id="c9")]
    assert app.ingest(iter(batch)) == 5
    assert st.receipt_count(push.id) == 3
    assert {t.unit: t.acks for t in st.tallies(push.id)}["王家村"] == 3
    assert app.coverage(push, "王家村").units[0].acks == 3
    await app.settle()
    sim.pop_sent()
