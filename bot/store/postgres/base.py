"""The connection and its plumbing for PostgreSQL: migrations, savepoint transactions,
statement translation. Time columns hold the same UTC ISO text as in SQLite (`ts`).
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import tzinfo
from pathlib import Path
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus

from bot.store.postgres import schema
from bot.store.postgres.dialect import translate
from bot.store.sqlite.base import SqliteBase

# An INSERT that only lists values (what a bulk write may load by COPY instead).
_PLAIN_INSERT = re.compile(r"INSERT INTO (\w+)( \([\w, ]+\))? VALUES \((?:\?, )*\?\)$")


class Rows:
    """A statement's result as the shared table code reads it (sqlite3.Cursor's surface).
    Inside a transaction statements are pipelined: reading a result waits for it (`ready`),
    a statement whose result is never read does not wait at all."""

    def __init__(self, cur: psycopg.Cursor[Any], ready: Callable[[], None]) -> None:
        self._cur = cur
        self._ready = ready
        self._id: int | None = None

    def _result(self) -> psycopg.Cursor[Any]:
        if self._cur.pgresult is None:
            self._ready()
        return self._cur

    @property
    def rowcount(self) -> int:
        return self._result().rowcount

    @property
    def lastrowid(self) -> int | None:
        """The id an INSERT returned (dialect adds RETURNING id), as SQLite's lastrowid;
        None when nothing was inserted."""
        if self._id is None and self._result().description is not None:
            row = self._cur.fetchone()
            self._id = None if row is None else int(row[0])
        return self._id

    def fetchone(self) -> Any:
        return self._result().fetchone()

    def fetchall(self) -> list[Any]:
        return self._result().fetchall()

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


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
        # Server-side parameters: a statement run a few times is prepared once (psycopg's
        # prepare_threshold) and is not parsed again; each execution is still planned for
        # its own values, as when the values were spelled into the SQL text.
        conn = psycopg.connect(url, autocommit=True)
        schema.apply(conn)
        conn.execute("SET plan_cache_mode = force_custom_plan")
        self._conn = conn  # type: ignore[assignment]
        self._depth = 0
        self._pipe: psycopg.Pipeline | None = None
        self._unsynced = False
        self._bulk = False
        # Reads sent ahead or kept for the current transaction only (see readahead).
        self._ahead: dict[Any, Any] = {}
        # Writes held back to go as one statement per table (see _defer).
        self._deferred: dict[str, list[tuple[Any, ...]]] = {}

    @property
    def _pg(self) -> psycopg.Connection[Any]:
        return self._conn  # type: ignore[return-value]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing block; a nested block is a SAVEPOINT (see SqliteBase). The block
        runs in pipeline mode: a statement waits for the server only when its result is
        read, or when its savepoint ends or the transaction commits (so an error still
        surfaces inside the block that caused it)."""
        if self._depth:
            yield from self._savepoint()
            return
        self._ahead.clear()
        try:
            with self._pg.pipeline() if not self._bulk else contextlib.nullcontext() as pipe:
                self._pipe = pipe
                self._pg.execute("BEGIN")
                self._depth = 1
                try:
                    yield
                except BaseException:
                    self._recover()
                    self._pg.execute("ROLLBACK")
                    raise
                self._flush()
                self._pg.execute("COMMIT")  # confirmed by the pipeline's closing sync
        except BaseException:
            self._pipe = None
            if self._pg.info.transaction_status != TransactionStatus.IDLE:
                self._pg.execute("ROLLBACK")  # a write nobody read failed: COMMIT skipped
            self._forget()
            raise
        finally:
            self._depth = 0
            self._pipe = None
            self._ahead.clear()

    def _savepoint(self) -> Iterator[None]:
        name = f"sp{self._depth}"
        self._flush()
        self._pg.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield
            self._flush()
            self._pg.execute(f"RELEASE {name}")
            if self._unsynced:  # a write nobody read: its error belongs to this block
                self._sync()
        except BaseException:
            self._recover()
            self._pg.execute(f"ROLLBACK TO {name}")
            self._pg.execute(f"RELEASE {name}")
            self._forget()
            raise
        finally:
            self._depth -= 1

    def _forget(self) -> None:
        super()._forget()
        self._ahead.clear()
        self._deferred.clear()

    def _defer(self, sql: str, row: tuple[Any, ...]) -> int:
        """Inside a transaction: write `row` later, together with the other rows deferred
        with the same `sql` (an INSERT taking one array per column), before the next
        statement of any kind (so nothing reads or writes around it out of order). A
        batch's inbound messages and receipts each go as one statement. Returns how many
        rows `sql` now holds back."""
        rows = self._deferred.setdefault(sql, [])
        rows.append(row)
        return len(rows)

    def _flush(self) -> None:
        """Write the rows held back (`_defer`), one statement per table."""
        if self._deferred:
            deferred, self._deferred = self._deferred, {}
            for sql, rows in deferred.items():
                self._pg.execute(sql, [list(column) for column in zip(*rows, strict=True)])
            self._unsynced = True

    def _cache(self) -> dict[object, Any] | None:
        """What reads may reuse: kept for the current transaction only (several processes
        write this database, and no cheap signal says one has committed)."""
        return self._ahead if self._depth else None

    def _uncache(self, key: object | None = None) -> None:
        if key is None:
            self._ahead.clear()
        else:
            self._ahead.pop(key, None)

    def _in_pipeline(self) -> bool:
        return self._pipe is not None

    def _sync(self) -> None:
        """Wait for every pipelined statement's result (raising the first error)."""
        self._unsynced = False
        if self._pipe is not None:
            self._pipe.sync()

    def _recover(self) -> None:
        """After an error: let the pipeline accept statements again (what was queued behind
        the failed statement was skipped by the server; the rollback that follows undoes
        the rest)."""
        with contextlib.suppress(psycopg.Error):
            self._sync()

    @contextmanager
    def bulk_write(self, rows: int) -> Iterator[None]:
        """A block that bulk-inserts about `rows` rows (a roster): its plain INSERTs run
        as COPY, several times faster for the server than row-by-row INSERTs (a city's 4M
        rows). Its transaction is not pipelined (COPY cannot be)."""
        self._bulk = True
        try:
            yield
        finally:
            self._bulk = False

    def _x(self, sql: str, params: Sequence[Any] = (), binary: bool = False) -> Rows:  # type: ignore[override]
        self._flush()
        cur = self._pg.cursor(binary=binary)
        cur.execute(translate(sql), tuple(params))
        self._unsynced = True
        return Rows(cur, self._sync)

    def _x_wide(self, sql: str, params: Sequence[Any] = ()) -> Rows:  # type: ignore[override]
        """As `_x`, the result sent in binary: a city push's ten numbers by 8,000 rows
        unpack with about 15 % less CPU than as text."""
        return self._x(sql, params, binary=True)

    def _many(  # type: ignore[override]
        self, sql: str, rows: Iterable[Sequence[Any]]
    ) -> Rows:
        self._flush()
        cur = self._pg.cursor()
        plain = _PLAIN_INSERT.match(sql) if self._bulk else None
        if plain is not None:
            with cur.copy(f"COPY {plain[1]}{plain[2] or ''} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return Rows(cur, self._sync)
        cur.executemany(translate(sql), rows)
        self._unsynced = True
        return Rows(cur, self._sync)

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self._x(sql, params).fetchone()
        return None if row is None else row[0]
