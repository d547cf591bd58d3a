"""The connection and its plumbing: pragmas, migrations, savepoint transactions, time columns.

Times are stored as UTC ISO strings with microseconds (so they sort as text) and read back
in the store's time zone.
"""

from __future__ import annotations

import ctypes
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from bot.store.sqlite.schema import migrations

CACHE_KIB = 12 * 1024

# Times recently formatted and their texts: a burst's messages carry the same second (the
# transports stamp whole seconds), and one message's rows share its time and its handling
# time, asked for in turn. Emptied when full; a dict is safe if another thread formats too.
_recent_ts: dict[datetime, str] = {}
RECENT_TS = 64


def ts(value: datetime | None) -> str | None:
    """A datetime as stored (UTC ISO text); naive datetimes are a bug and refused."""
    if value is None:
        return None
    text = _recent_ts.get(value)  # equal aware datetimes are the same instant: the same text
    if text is not None:
        return text
    if value.tzinfo is None:
        raise ValueError("naive datetime reached the store")
    text = value.astimezone(UTC).isoformat(timespec="microseconds")
    if len(_recent_ts) >= RECENT_TS:
        _recent_ts.clear()
    _recent_ts[value] = text
    return text


def _trim_heap() -> None:
    """Hand freed heap memory back to the system where the C library can (glibc's
    malloc_trim): the pages of a bulk cache are freed but would otherwise stay resident
    (≈200 MB after a city roster import)."""
    try:
        libc = ctypes.CDLL(None)
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


class SqliteBase:
    """One SQLite connection used from the event-loop thread, with the helpers the table
    families share."""

    # The latest delivered push per group, as read (None: no cache). Only this process
    # writes a SQLite file's deliveries, so it stays true; any rollback empties it. The
    # PostgreSQL store, shared by several processes, keeps none.
    latest_cache: dict[str, int | None] | None = None
    # Outbox rows and 群发 tasks queued by this process (see TaskStore.queued).
    queued = 0
    # What reads inside a transaction may reuse until another connection commits (checked
    # with PRAGMA data_version once per transaction); any rollback empties it. Today: the
    # drives open on a day (every household message asks), pushes by number (a signature
    # reads its push five times) and 群发 task reads (a replay's every settle asks).
    # None: no cache (PostgreSQL).
    txn_cache: dict[object, Any] | None = None
    # Receipts per (push, unit) not yet added to `push_units.acks` (see acks.AckCounters),
    # counted in the innermost open savepoint (or the transaction) and written before the
    # transaction commits. None: counted by a trigger instead (PostgreSQL).
    _acks: dict[tuple[int, str], int] | None = None
    # The same counts of the enclosing savepoints and transaction, outermost first: a
    # savepoint's own are added to its parent's when it is released, dropped when it is
    # rolled back, so opening one writes nothing.
    _acks_outer: list[dict[tuple[int, str], int]]

    def __init__(self, path: str | Path, tz: tzinfo) -> None:
        self.path = Path(path)
        self.tz = tz
        memory = str(path) == ":memory:"
        if not memory:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves (see transaction()).
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        db = Database(conn)
        if not memory:
            db.enable_wal()
        conn.execute("PRAGMA synchronous=NORMAL")
        # Checkpoints fsync the main file; doing them every ~40 MB of WAL instead of ~4 MB
        # keeps a burst of receipts from paying for one every few hundred messages.
        conn.execute("PRAGMA wal_autocheckpoint=10000")
        # A push's receipts go into its part of the receipts index at random (by household):
        # with the default 2 MB page cache a county burst re-read about one page a message
        # from the file; 12 MB holds most of a county push's part (about 200k receipts).
        conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        conn.execute("PRAGMA foreign_keys=ON")
        migrations.apply(db)
        self._conn = conn
        self._depth = 0
        self.latest_cache = {}
        self.txn_cache = {}
        self._acks = {}
        self._acks_outer = []
        self._txn = self._checked = 0
        self._data_version: object = None

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def transaction(self) -> AbstractContextManager[None]:
        """All-or-nothing block. A nested block is a SAVEPOINT: if it raises, only its own
        writes are undone and the outer transaction carries on (or not) as its code decides."""
        # A plain object rather than a generator context manager: every inbound message
        # opens one (its savepoint), so the cheaper protocol counts.
        return _Transaction(self)

    def _forget(self) -> None:
        """Rolled back: what the caches learnt inside may be undone (the held-back counts
        are the caller's: see _Transaction)."""
        if self.latest_cache is not None:
            self.latest_cache.clear()
        if self.txn_cache is not None:
            self.txn_cache.clear()

    def _open_savepoint(self) -> None:
        """A savepoint opens: its receipts are counted apart from those before it."""
        if self._acks is not None:
            self._acks_outer.append(self._acks)
            self._acks = {}

    def _close_savepoint(self, kept: bool) -> None:
        """A savepoint ends: its counts join its parent's (released) or go (rolled back)."""
        if self._acks is None:
            return
        inner, self._acks = self._acks, self._acks_outer.pop()
        if kept:
            acks = self._acks
            for key, n in inner.items():
                acks[key] = acks.get(key, 0) + n

    def _held_acks(self, push_id: int) -> dict[str, int]:
        """Receipts per unit of `push_id` counted in this transaction and not yet written."""
        held: dict[str, int] = {}
        for layer in (*self._acks_outer, self._acks or {}):
            for (push, unit), n in layer.items():
                if push == push_id:
                    held[unit] = held.get(unit, 0) + n
        return held

    def _flush(self) -> None:
        """Write what this store held back in the current transaction, before it commits:
        here the receipts counted so far, into their units' `acks` (PostgreSQL holds back a
        batch's rows instead, see PostgresBase._defer)."""
        acks = self._acks
        if acks:
            self._many(
                "UPDATE push_units SET acks = acks + ? WHERE push_id = ? AND unit = ?",
                [(n, push_id, unit) for (push_id, unit), n in acks.items()],
            )
            acks.clear()

    def _cache(self) -> dict[object, Any] | None:
        """`txn_cache` inside a transaction (None outside one, or without a cache), emptied
        first when another connection has committed since it was filled."""
        if self.txn_cache is None or not self._depth:
            return None
        if self._checked != self._txn:
            self._checked = self._txn
            version = self._one("PRAGMA data_version")
            if version != self._data_version:
                self._data_version = version
                self.txn_cache.clear()
        return self.txn_cache

    def _uncache(self, key: object | None = None) -> None:
        """This connection wrote what `_cache()` may hold: drop `key` (None: everything)."""
        if self.txn_cache is None:
            return
        if key is None:
            self.txn_cache.clear()
        else:
            self.txn_cache.pop(key, None)

    @contextmanager
    def bulk_write(self, rows: int) -> Iterator[None]:
        """A block that bulk-inserts about `rows` rows (a roster): here, a page cache sized
        for them (≈64 bytes each, at most 256 MB), given back afterwards. A city roster's
        4M rows go into random-keyed indexes, and with the default 2 MB cache nearly every
        row re-read an index page from the file (import CPU 35 s, 20 s with this cache)."""
        kib = min(max(rows // 16, 2000), 256 * 1024)
        before = self._one("PRAGMA cache_size")
        self._x(f"PRAGMA cache_size = {-kib}")
        try:
            yield
        finally:
            self._x(f"PRAGMA cache_size = {int(before)}")
            self._x("PRAGMA shrink_memory")
            _trim_heap()

    def _x(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self._conn.execute(sql, params)

    def _x_wide(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        """A read of many rows of numbers (a city push's 8,000 unit counters): as `_x`
        here; PostgreSQL has them sent in binary, cheaper to unpack than text."""
        return self._x(sql, params)

    def _many(self, sql: str, rows: Iterable[Sequence[Any]]) -> sqlite3.Cursor:
        return self._conn.executemany(sql, rows)

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self._conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def _dt(self, value: str | None) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value).astimezone(self.tz)

    def _dt_req(self, value: str) -> datetime:
        return datetime.fromisoformat(value).astimezone(self.tz)


class _Transaction(AbstractContextManager[None]):
    """`SqliteBase.transaction()`: BEGIN IMMEDIATE … COMMIT at depth 0, else a SAVEPOINT
    (released, or rolled back to and released when the block raises)."""

    __slots__ = ("_db", "_name")

    def __init__(self, db: SqliteBase) -> None:
        self._db = db
        self._name = ""

    def __enter__(self) -> None:
        db = self._db
        if db._depth:
            self._name = name = f"sp{db._depth}"
            db._conn.execute(f"SAVEPOINT {name}")
            db._open_savepoint()
            db._depth += 1
            return
        db._conn.execute("BEGIN IMMEDIATE")
        db._depth = 1
        db._txn += 1

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        db, name = self._db, self._name
        try:
            if name:
                if kind is not None:
                    db._close_savepoint(kept=False)
                    db._conn.execute(f"ROLLBACK TO {name}")
                    db._conn.execute(f"RELEASE {name}")
                    db._forget()
                else:
                    db._close_savepoint(kept=True)
                    db._conn.execute(f"RELEASE {name}")
            elif kind is not None:
                db._conn.execute("ROLLBACK")
                db._forget()
            else:
                try:
                    db._flush()
                except BaseException:
                    db._conn.execute("ROLLBACK")
                    db._forget()
                    raise
                db._conn.execute("COMMIT")
        finally:
            if name:
                db._depth -= 1
            else:
                db._depth = 0
                if db._acks is not None:  # a rolled-back transaction's counts go with it
                    db._acks.clear()
                    db._acks_outer.clear()
