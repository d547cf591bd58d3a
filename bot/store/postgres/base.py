"""The connection and its plumbing for PostgreSQL: migrations, savepoint transactions,
statement translation. Time columns hold the same UTC ISO text as in SQLite (`ts`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import tzinfo
from pathlib import Path
from typing import Any

import psycopg

from bot.store.postgres import schema
from bot.store.postgres.dialect import translate
from bot.store.sqlite.base import SqliteBase


class Rows:
    """A statement's result as the shared table code reads it (sqlite3.Cursor's surface)."""

    def __init__(self, cur: psycopg.Cursor[Any]) -> None:
        self._cur = cur
        self.rowcount = cur.rowcount
        self._id: int | None = None

    @property
    def lastrowid(self) -> int | None:
        """The id an INSERT returned (dialect adds RETURNING id), as SQLite's lastrowid;
        None when nothing was inserted."""
        if self._id is None and self._cur.description is not None:
            row = self._cur.fetchone()
            self._id = None if row is None else int(row[0])
        return self._id

    def fetchone(self) -> Any:
        return self._cur.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cur.fetchall()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cur.fetchall())


class PostgresBase(SqliteBase):
    """One PostgreSQL connection (autocommit; transactions are explicit BEGIN/COMMIT with
    nested SAVEPOINTs, as in the SQLite store) used from the event-loop thread."""

    def __init__(
        self, url: str, tz: tzinfo
    ) -> None:  # no SQLite file: SqliteBase.__init__ not called
        self.url = url
        self.tz = tz
        # Bench scratch files (raw_insert_baseline) go to the temp dir.
        self.path = Path(tempfile.gettempdir()) / "postgres-store"
        conn = psycopg.connect(url, autocommit=True, cursor_factory=psycopg.ClientCursor)
        schema.apply(conn)
        self._conn = conn  # type: ignore[assignment]
        self._depth = 0

    @property
    def _pg(self) -> psycopg.Connection[Any]:
        return self._conn  # type: ignore[return-value]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing block; a nested block is a SAVEPOINT (see SqliteBase)."""
        if self._depth:
            yield from self._savepoint()
            return
        self._pg.execute("BEGIN")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._pg.execute("ROLLBACK")
            self._forget()
            raise
        else:
            self._pg.execute("COMMIT")
        finally:
            self._depth = 0

    @contextmanager
    def bulk_cache(self, rows: int) -> Iterator[None]:
        """No page cache to size here (the server's shared_buffers)."""
        yield

    def _x(self, sql: str, params: Sequence[Any] = ()) -> Rows:  # type: ignore[override]
        cur = self._pg.execute(translate(sql), tuple(params))
        return Rows(cur)

    def _many(  # type: ignore[override]
        self, sql: str, rows: Iterable[Sequence[Any]]
    ) -> Rows:
        cur = self._pg.cursor()
        cur.executemany(translate(sql), rows)
        return Rows(cur)

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self._x(sql, params).fetchone()
        return None if row is None else row[0]
