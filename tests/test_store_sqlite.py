"""The SQLite store's own promises: a WAL file, migrations recorded once and in the order
existing databases already have them, and the protocol fully implemented."""

from __future__ import annotations

import inspect
import sqlite3
from pathlib import Path

from bot.clock import SHANGHAI
from bot.store import Store, open_store
from bot.store.sqlite import SqliteStore
from bot.store.sqlite.pushes import TALLIES

# Recorded in every existing bot.db: renaming or reordering these would re-run a step.
MIGRATIONS = [
    "m001_initial",
    "m010_bindings",
    "m002_counter_triggers",
    "m020_followup",
    "m030_sessions",
    "m040_push_control",
    "m050_mass_tasks",
    "m060_tips",
    "m061_read_taps",
    "m062_media",
    "m070_cases",
    "m071_warnings",
    "m072_drives",
    "m073_callbacks",
    "m075_bulletin_charts",
    "m080_leases",
    "m081_reach",
    "m082_units_in_order",
    "m083_acks_by_store",
]


def test_file_is_wal_and_migrated(tmp_path: Path) -> None:
    open_store(tmp_path / "bot.db", SHANGHAI).close()
    conn = sqlite3.connect(tmp_path / "bot.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    names = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")]
    assert names[:2] == ["m001_initial", "m002_counter_triggers"]
    # Opening again applies nothing twice.
    open_store(tmp_path / "bot.db", SHANGHAI).close()
    assert conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == len(names)
    conn.close()


def test_migration_names_and_order_stay_as_existing_databases_recorded_them(
    tmp_path: Path,
) -> None:
    open_store(tmp_path / "bot.db", SHANGHAI).close()
    conn = sqlite3.connect(tmp_path / "bot.db")
    rows = conn.execute("SELECT migration_set, name FROM _sqlite_migrations ORDER BY rowid")
    assert [tuple(r) for r in rows] == [("fanzha", n) for n in MIGRATIONS]
    conn.close()


def test_open_store_is_sqlite_and_implements_every_protocol_method(tmp_path: Path) -> None:
    store = open_store(tmp_path / "bot.db", SHANGHAI)
    try:
        assert isinstance(store, SqliteStore)
        wanted = {n for n, _ in inspect.getmembers(Store) if not n.startswith("_")}
        missing = {n for n in wanted if not callable(getattr(store, n, None))}
        assert not missing
    finally:
        store.close()


def test_a_push_s_unit_counters_are_read_in_roster_order_without_a_sort(tmp_path: Path) -> None:
    # A city push has 8,000 units: the coverage report reads them through m082's index.
    open_store(tmp_path / "bot.db", SHANGHAI).close()
    conn = sqlite3.connect(tmp_path / "bot.db")
    plan = " ".join(r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {TALLIES}", (1,)))
    conn.close()
    assert "push_units_in_order" in plan
    assert "TEMP B-TREE" not in plan
