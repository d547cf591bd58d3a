"""Persistence: the only package with SQL.

Callers depend on the `Store` protocol and open one with `open_store`; the SQLite
implementation (the embedded default) lives in `bot.store.sqlite`, the PostgreSQL one (several
processes on one database) in `bot.store.postgres`.
"""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path

from bot.store.protocol import ROSTER_HISTORY, Store
from bot.store.sqlite import SqliteStore


def open_store(path: str | Path, tz: tzinfo) -> Store:
    """Open (creating and migrating if needed) the store at `path`; times read back in `tz`.

    A "postgresql://" URL opens a PostgreSQL database instead of a SQLite file.
    """
    if is_postgres_url(path):
        from bot.store.postgres import PostgresStore

        return PostgresStore(str(path), tz)
    return SqliteStore(path, tz)


def is_postgres_url(path: str | Path) -> bool:
    """Whether `path` names a PostgreSQL database rather than a SQLite file."""
    return isinstance(path, str) and path.startswith(("postgresql://", "postgres://"))


__all__ = ["ROSTER_HISTORY", "Store", "is_postgres_url", "open_store"]
