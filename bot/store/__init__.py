"""Persistence: the only package with SQL.

Callers depend on the `Store` protocol and open one with `open_store`; the SQLite
implementation lives in `bot.store.sqlite`.
"""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path

from bot.store.protocol import ROSTER_HISTORY, Store
from bot.store.sqlite import SqliteStore


def open_store(path: str | Path, tz: tzinfo) -> Store:
    """Open (creating and migrating if needed) the store at `path`; times read back in `tz`."""
    return SqliteStore(path, tz)


__all__ = ["ROSTER_HISTORY", "Store", "open_store"]
