"""PostgreSQL-only checks: the SQL rewriting, migrations recorded once, config wiring."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest

from bot.clock import SHANGHAI
from bot.config import ConfigError, parse_config
from bot.domain.coverage import UNHEARD_MODES
from bot.store import is_postgres_url, open_store
from bot.store.postgres import PostgresStore
from bot.store.postgres.dialect import translate
from bot.store.postgres.schema import STEPS
from tests.pgserver import new_database


def test_translate_sqlite_spellings() -> None:
    assert translate("SELECT a FROM t WHERE b = ? AND c LIKE '5%'") == (
        "SELECT a FROM t WHERE b = %s AND c LIKE '5%%'"
    )
    assert translate("INSERT OR IGNORE INTO t (a) VALUES (?)") == (
        "INSERT INTO t (a) VALUES (%s) ON CONFLICT DO NOTHING"
    )
    assert translate("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)") == (
        "INSERT INTO meta (key, value) VALUES (%s, %s) ON CONFLICT (key) "
        "DO UPDATE SET value = EXCLUDED.value"
    )
    assert translate("SELECT 1 FROM m o INDEXED BY m_by_x WHERE 1 AND x = ?") == (
        "SELECT 1 FROM m o WHERE TRUE AND x = %s"
    )
    assert translate("SELECT a FROM d WHERE p = ? ORDER BY rowid") == (
        "SELECT a FROM d WHERE p = %s ORDER BY seq"
    )
    assert translate("INSERT INTO audit (at) VALUES (?)").endswith("VALUES (%s) RETURNING id")
    assert "json_array_elements_text(pushes.scope::json) AS j(value)" in translate(
        "SELECT 1 FROM json_each(pushes.scope) WHERE value = ?"
    )


def test_urls_pick_postgres(tmp_path: Path) -> None:
    assert is_postgres_url("postgresql://u@h/db")
    assert not is_postgres_url(str(tmp_path / "bot.db"))
    assert not is_postgres_url(tmp_path / "postgresql:")
    cfg = parse_config({"store": {"url": "postgresql://u@h/db"}}, tmp_path)
    assert cfg.store_target == "postgresql://u@h/db"
    assert parse_config({}, tmp_path).store_target == tmp_path / "data" / "bot.db"
    with pytest.raises(ConfigError, match=r"store\.url"):
        parse_config({"store": {"url": "mysql://u@h/db"}}, tmp_path)


def test_migrations_recorded_and_applied_once(postgres_server: str) -> None:
    url = new_database(postgres_server)
    first = open_store(url, SHANGHAI)
    assert isinstance(first, PostgresStore)
    first.set_meta("k", "v1")
    first.close()
    again = open_store(url, SHANGHAI)  # a second process opening the same database
    assert again.get_meta("k") == "v1"
    again.close()
    with psycopg.connect(url) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM _migrations ORDER BY name")]
    assert sorted(names) == sorted(name for name, _ in STEPS)


def test_nested_savepoint_keeps_outer_writes(postgres_server: str) -> None:
    store = open_store(new_database(postgres_server), SHANGHAI)
    with store.transaction():
        store.set_meta("outer", "1")
        with pytest.raises(RuntimeError), store.transaction():
            store.set_meta("inner", "1")
            raise RuntimeError
    assert store.get_meta("outer") == "1"
    assert store.get_meta("inner") is None
    store.close()


def test_unheard_groups_index_covers_the_unheard_modes(postgres_server: str) -> None:
    """The coverage facts ask whether a push has an unheard group with the modes spelled
    out; m084's partial index names the same modes, so the planner can answer from it."""
    url = new_database(postgres_server)
    open_store(url, SHANGHAI).close()
    with psycopg.connect(url) as conn:
        (indexdef,) = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'deliveries_unheard'"
        ).fetchone()
    assert sorted(re.findall(r"'(\w+)'::text", indexdef)) == sorted(m.value for m in UNHEARD_MODES)
