"""The store: the only module with SQL. SQLite through sqlite-utils, WAL, migrations.

Everything returned is one of our dataclasses; no row dicts leave this module.
Coverage counters (`push_units`) are updated in the same transaction as the fact they
count, so a coverage report reads a handful of rows however many receipts exist.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any

from sqlite_utils import Database, Migrations

from bot.domain.binding import Binding
from bot.domain.model import (
    Bulletin,
    Delivery,
    Evidence,
    Group,
    IncomingMessage,
    JobRun,
    Level,
    Member,
    MessageKind,
    Mode,
    Org,
    OutboxItem,
    OutgoingMessage,
    Push,
    Reminder,
    Role,
    RosterVersion,
    Signature,
    UnitTally,
    WorkReport,
)

migrations = Migrations("fanzha")
# Roster versions kept besides those a push refers to: the current one and the ones before
# it that a restore may bring back (removed members stay on record that long).
ROSTER_HISTORY = 5


@migrations()
def m001_initial(db: Database) -> None:
    """The first schema."""
    for statement in _SCHEMA_001:
        db.execute(statement)


@migrations()
def m010_bindings(db: Database) -> None:
    """Which real room/contact stands for which roster group/member."""
    db.execute(
        "CREATE TABLE bindings (key TEXT PRIMARY KEY, org_id TEXT NOT NULL, "
        "transport_id TEXT NOT NULL, via TEXT NOT NULL, updated_at TEXT NOT NULL)"
    )


@migrations()
def m002_counter_triggers(db: Database) -> None:
    """Receipts and signatures bump their unit's counter inside SQLite itself."""
    db.execute(
        "CREATE TRIGGER receipts_count AFTER INSERT ON receipts BEGIN "
        "UPDATE push_units SET acks = acks + 1 WHERE push_id = NEW.push_id AND unit = NEW.unit; "
        "END"
    )


@migrations()
def m020_followup(db: Database) -> None:
    """Scheduled job runs, work reports, bulletins and campaign rotations (issue 4)."""
    for statement in _SCHEMA_020:
        db.execute(statement)


@migrations()
def m030_sessions(db: Database) -> None:
    """Dashboard logins that were logged out, so a copied cookie stays dead after a restart."""
    db.execute(
        "CREATE TABLE revoked_sessions (nonce TEXT PRIMARY KEY, expires REAL NOT NULL) "
        "WITHOUT ROWID"
    )


@migrations()
def m040_push_control(db: Database) -> None:
    """Big pushes waiting for their sender's 确认 (issue 8)."""
    db.execute(
        "CREATE TABLE pending_pushes (wechat TEXT PRIMARY KEY, created_at TEXT NOT NULL, "
        "reply_to TEXT NOT NULL, payload TEXT NOT NULL)"
    )


_SCHEMA_020 = [
    "CREATE TABLE job_state (job TEXT PRIMARY KEY, since TEXT NOT NULL)",
    """CREATE TABLE job_runs (job TEXT NOT NULL, fire_time TEXT NOT NULL, status TEXT NOT NULL,
        ran_at TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '', PRIMARY KEY (job, fire_time))""",
    """CREATE TABLE work_reports (day TEXT NOT NULL, unit TEXT NOT NULL, wechat TEXT NOT NULL,
        text TEXT NOT NULL, at TEXT NOT NULL, message_id TEXT,
        PRIMARY KEY (day, unit, wechat))""",
    """CREATE TABLE bulletins (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, period TEXT NOT NULL,
        at TEXT NOT NULL, text TEXT NOT NULL, image TEXT, job TEXT, requested_by TEXT)""",
    "CREATE INDEX bulletins_by_kind ON bulletins (kind, at)",
    """CREATE TABLE rotations (name TEXT PRIMARY KEY, content_id INTEGER NOT NULL,
        push_id INTEGER, at TEXT NOT NULL)""",
    "CREATE INDEX pushes_by_deadline ON pushes (deadline)",
]


_SCHEMA_001 = [
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE rosters (version INTEGER PRIMARY KEY, town TEXT NOT NULL,
        created_at TEXT NOT NULL, source TEXT NOT NULL)""",
    """CREATE TABLE groups (version INTEGER NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL,
        level TEXT NOT NULL, parent TEXT, unit TEXT, mode TEXT NOT NULL, ord INTEGER NOT NULL,
        PRIMARY KEY (version, id))""",
    """CREATE TABLE members (version INTEGER NOT NULL, wechat TEXT NOT NULL, name TEXT NOT NULL,
        role TEXT NOT NULL, unit TEXT, phone TEXT, ord INTEGER NOT NULL,
        PRIMARY KEY (version, wechat))""",
    """CREATE TABLE memberships (version INTEGER NOT NULL, group_id TEXT NOT NULL,
        wechat TEXT NOT NULL, PRIMARY KEY (version, group_id, wechat))""",
    "CREATE INDEX memberships_by_member ON memberships (version, wechat)",
    """CREATE TABLE pushes (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL,
        content_id INTEGER, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
        deadline TEXT, scope TEXT NOT NULL, roster_version INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'open')""",
    """CREATE TABLE push_units (push_id INTEGER NOT NULL, unit TEXT NOT NULL,
        ord INTEGER NOT NULL, pushers INTEGER NOT NULL DEFAULT 0,
        signed INTEGER NOT NULL DEFAULT 0, groups INTEGER NOT NULL DEFAULT 0,
        delivered INTEGER NOT NULL DEFAULT 0, households INTEGER NOT NULL DEFAULT 0,
        reached INTEGER NOT NULL DEFAULT 0, acks INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (push_id, unit))""",
    """CREATE TABLE assignments (push_id INTEGER NOT NULL, wechat TEXT NOT NULL,
        unit TEXT NOT NULL, PRIMARY KEY (push_id, wechat))""",
    "CREATE INDEX assignments_by_member ON assignments (wechat, push_id)",
    """CREATE TABLE deliveries (push_id INTEGER NOT NULL, group_id TEXT NOT NULL,
        unit TEXT, mode TEXT NOT NULL, parent TEXT, delivered_at TEXT, via TEXT,
        PRIMARY KEY (push_id, group_id))""",
    "CREATE INDEX deliveries_by_group ON deliveries (group_id, delivered_at)",
    """CREATE TABLE signatures (push_id INTEGER NOT NULL, wechat TEXT NOT NULL,
        at TEXT NOT NULL, message_id TEXT, PRIMARY KEY (push_id, wechat))""",
    """CREATE TABLE receipts (push_id INTEGER NOT NULL, wechat TEXT NOT NULL, unit TEXT,
        group_id TEXT NOT NULL, at TEXT NOT NULL, message_id TEXT,
        PRIMARY KEY (push_id, wechat)) WITHOUT ROWID""",
    """CREATE TABLE messages (id TEXT PRIMARY KEY, at TEXT NOT NULL, group_id TEXT,
        sender TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL,
        handled INTEGER NOT NULL DEFAULT 0, error TEXT) WITHOUT ROWID""",
    """CREATE TABLE outbox (id INTEGER PRIMARY KEY, dedupe_key TEXT UNIQUE,
        conversation TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL,
        mentions TEXT NOT NULL, path TEXT, push_id INTEGER, group_id TEXT,
        status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL, not_before TEXT, sent_at TEXT, transport_id TEXT,
        error TEXT)""",
    "CREATE INDEX outbox_pending ON outbox (status, id)",
    """CREATE TABLE evidence (id INTEGER PRIMARY KEY, push_id INTEGER NOT NULL,
        group_id TEXT NOT NULL, wechat TEXT NOT NULL, path TEXT NOT NULL,
        sha256 TEXT NOT NULL, size INTEGER NOT NULL, at TEXT NOT NULL, message_id TEXT)""",
    """CREATE TABLE reminders (id INTEGER PRIMARY KEY, push_id INTEGER NOT NULL,
        at TEXT NOT NULL, kind TEXT NOT NULL, members TEXT NOT NULL)""",
    """CREATE TABLE audit (id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL,
        action TEXT NOT NULL, detail TEXT NOT NULL)""",
]


def _ts(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime reached the store")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


class Store:
    """All persistence. One instance per process, used from the event-loop thread."""

    def __init__(self, path: str | Path, tz: tzinfo) -> None:
        self.path = Path(path)
        self.tz = tz
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves (see transaction()).
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.db = Database(conn)
        if str(path) != ":memory:":
            self.db.enable_wal()
        conn.execute("PRAGMA synchronous=NORMAL")
        # Checkpoints fsync the main file; doing them every ~40 MB of WAL instead of ~4 MB
        # keeps a burst of receipts from paying for one every few hundred messages.
        conn.execute("PRAGMA wal_autocheckpoint=10000")
        conn.execute("PRAGMA foreign_keys=ON")
        migrations.apply(self.db)
        self._conn = conn
        self._depth = 0

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    # -- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing block; nested blocks join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        else:
            self._conn.execute("COMMIT")
        finally:
            self._depth = 0

    def _x(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self._conn.execute(sql, params)

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self._conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def _dt(self, value: str | None) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value).astimezone(self.tz)

    def _dt_req(self, value: str) -> datetime:
        return datetime.fromisoformat(value).astimezone(self.tz)

    def get_meta(self, key: str) -> str | None:
        """A stored setting."""
        return self._one("SELECT value FROM meta WHERE key = ?", (key,))

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting."""
        with self.transaction():
            self._x("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- roster -----------------------------------------------------------------------------

    def roster_version(self) -> int:
        """The current roster version (0 when no roster was imported)."""
        return int(self._one("SELECT max(version) FROM rosters") or 0)

    def save_org(self, org: Org, now: datetime, source: str) -> int:
        """Store a roster as a new version, atomically; returns the version."""
        with self.transaction():
            version = self.roster_version() + 1
            self._x(
                "INSERT INTO rosters (version, town, created_at, source) VALUES (?, ?, ?, ?)",
                (version, org.town, _ts(now), source),
            )
            self._conn.executemany(
                "INSERT INTO groups VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (version, g.id, g.name, g.level.value, g.parent, g.unit, g.mode.value, i)
                    for i, g in enumerate(org.groups)
                ],
            )
            self._conn.executemany(
                "INSERT INTO members VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (version, m.wechat, m.name, m.role.value, m.unit, m.phone, i)
                    for i, m in enumerate(org.members)
                ],
            )
            self._conn.executemany(
                "INSERT INTO memberships VALUES (?, ?, ?)",
                [(version, gid, m.wechat) for m in org.members for gid in m.groups],
            )
            self._prune_rosters(version)
        return version

    def _prune_rosters(self, keep: int) -> None:
        # Pushes keep their snapshot, and the newest ROSTER_HISTORY versions stay so that a
        # bad import can be undone (restore) and removed members remain on record.
        dead = [
            r[0]
            for r in self._x(
                "SELECT version FROM rosters WHERE version <= ? AND version NOT IN "
                "(SELECT DISTINCT roster_version FROM pushes)",
                (keep - ROSTER_HISTORY,),
            )
        ]
        for v in dead:
            for table in ("groups", "members", "memberships", "rosters"):
                self._x(f"DELETE FROM {table} WHERE version = ?", (v,))

    def roster_history(self) -> list[RosterVersion]:
        """Every stored roster version, newest first."""
        return [
            RosterVersion(r[0], self._dt_req(r[1]), r[2], r[3])
            for r in self._x(
                "SELECT r.version, r.created_at, r.source, "
                "(SELECT count(*) FROM members m WHERE m.version = r.version) "
                "FROM rosters r ORDER BY r.version DESC"
            )
        ]

    def load_org(self, version: int | None = None) -> Org | None:
        """The roster of a version (default: current), or None if none was imported."""
        v = version if version is not None else self.roster_version()
        town = self._one("SELECT town FROM rosters WHERE version = ?", (v,))
        if town is None:
            return None
        groups = tuple(
            Group(id=r[0], name=r[1], level=Level(r[2]), parent=r[3], unit=r[4], mode=Mode(r[5]))
            for r in self._x(
                "SELECT id, name, level, parent, unit, mode FROM groups WHERE version = ? "
                "ORDER BY ord",
                (v,),
            )
        )
        memberships: dict[str, list[str]] = {}
        for gid, wechat in self._x(
            "SELECT group_id, wechat FROM memberships WHERE version = ?", (v,)
        ):
            memberships.setdefault(wechat, []).append(gid)
        order = {g.id: i for i, g in enumerate(groups)}
        members = tuple(
            Member(
                name=r[1],
                role=Role(r[2]),
                unit=r[3],
                wechat=r[0],
                groups=tuple(sorted(memberships.get(r[0], ()), key=lambda g: order.get(g, 0))),
                phone=r[4],
            )
            for r in self._x(
                "SELECT wechat, name, role, unit, phone FROM members WHERE version = ? "
                "ORDER BY ord",
                (v,),
            )
        )
        return Org(town=town, groups=groups, members=members)

    # -- inbound messages -------------------------------------------------------------------

    def record_message(self, msg: IncomingMessage, error: str | None = None) -> bool:
        """Store an inbound message; False if this transport id was seen before.

        Called inside the transaction that acts on it, so it is stored as handled; a
        message whose handling failed is stored on its own with the error instead.
        """
        cur = self._x(
            "INSERT OR IGNORE INTO messages "
            "(id, at, group_id, sender, kind, text, handled, error) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                msg.id,
                _ts(msg.at),
                msg.group,
                msg.sender,
                msg.kind.value,
                msg.text,
                0 if error else 1,
                error,
            ),
        )
        return cur.rowcount == 1

    def message_count(self) -> int:
        """How many inbound messages are stored."""
        return int(self._one("SELECT count(*) FROM messages"))

    # -- pushes -----------------------------------------------------------------------------

    def create_push(
        self,
        *,
        title: str,
        body: str,
        created_by: str,
        now: datetime,
        scope: Sequence[str],
        deadline: datetime | None,
        content_id: int | None,
        roster_version: int,
        deliveries: Sequence[Delivery],
        tallies: Sequence[UnitTally],
        assignments: Sequence[tuple[str, str]],
    ) -> Push:
        """Store a push with its planned deliveries, per-unit denominators and assignments."""
        with self.transaction():
            cur = self._x(
                "INSERT INTO pushes (title, body, content_id, created_at, created_by, deadline, "
                "scope, roster_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    title,
                    body,
                    content_id,
                    _ts(now),
                    created_by,
                    _ts(deadline),
                    json.dumps(list(scope), ensure_ascii=False),
                    roster_version,
                ),
            )
            push_id = int(cur.lastrowid or 0)
            self._conn.executemany(
                "INSERT INTO push_units (push_id, unit, ord, pushers, groups, households) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (push_id, t.unit, i, t.pushers, t.groups, t.households)
                    for i, t in enumerate(tallies)
                ],
            )
            self._conn.executemany(
                "INSERT INTO deliveries (push_id, group_id, unit, mode, parent) "
                "VALUES (?, ?, ?, ?, ?)",
                [(push_id, d.group_id, d.unit, d.mode.value, d.parent) for d in deliveries],
            )
            self._conn.executemany(
                "INSERT INTO assignments (push_id, wechat, unit) VALUES (?, ?, ?)",
                [(push_id, wechat, unit) for wechat, unit in assignments],
            )
        push = self.get_push(push_id)
        assert push is not None
        return push

    _PUSH_COLS = (
        "id, title, body, created_at, created_by, scope, deadline, content_id, roster_version, "
        "status"
    )

    def _push(self, r: Sequence[Any]) -> Push:
        return Push(
            id=r[0],
            title=r[1],
            body=r[2],
            created_at=self._dt_req(r[3]),
            created_by=r[4],
            scope=tuple(json.loads(r[5])),
            deadline=self._dt(r[6]),
            content_id=r[7],
            roster_version=r[8],
            status=r[9],
        )

    def get_push(self, push_id: int) -> Push | None:
        """One push by number."""
        row = self._x(f"SELECT {self._PUSH_COLS} FROM pushes WHERE id = ?", (push_id,)).fetchone()
        return None if row is None else self._push(row)

    def pushes(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        withdrawn: bool = False,
    ) -> list[Push]:
        """Pushes created in [since, until), oldest first; withdrawn ones only if asked."""
        rows = self._x(
            f"SELECT {self._PUSH_COLS} FROM pushes WHERE created_at >= ? AND created_at < ? "
            "AND (? OR status != 'withdrawn') ORDER BY id",
            (_ts(since) if since else "", _ts(until) if until else "9", withdrawn),
        )
        return [self._push(r) for r in rows]

    def push_page(
        self, limit: int, before: int | None = None, unit: str | None = None
    ) -> list[Push]:
        """One page of history, newest first, read by the primary key.

        Up to `limit` pushes numbered below `before`; with `unit`, only those whose scope
        names it.
        """
        where = "id < ?"
        params: list[Any] = [before if before is not None else 2**63 - 1]
        if unit is not None:
            where += " AND EXISTS (SELECT 1 FROM json_each(pushes.scope) WHERE value = ?)"
            params.append(unit)
        rows = self._x(
            f"SELECT {self._PUSH_COLS} FROM pushes WHERE {where} ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
        return [self._push(r) for r in rows]

    def latest_push(self) -> Push | None:
        """The most recent push that was not withdrawn."""
        row = self._x(
            f"SELECT {self._PUSH_COLS} FROM pushes WHERE status != 'withdrawn' "
            "ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return None if row is None else self._push(row)

    def withdraw_push(self, push_id: int) -> int:
        """Mark a push withdrawn and cancel its unsent messages; returns how many."""
        with self.transaction():
            self._x("UPDATE pushes SET status = 'withdrawn' WHERE id = ?", (push_id,))
            cur = self._x(
                "UPDATE outbox SET status = 'cancelled' WHERE status = 'pending' "
                "AND (push_id = ? OR dedupe_key = ?)",
                (push_id, f"announce:{push_id}"),
            )
            return cur.rowcount

    def save_pending_push(
        self, wechat: str, reply_to: str, payload: dict[str, Any], now: datetime
    ) -> None:
        """Keep a big push until its sender confirms it (one per sender: the newest wins)."""
        self._x(
            "INSERT OR REPLACE INTO pending_pushes (wechat, created_at, reply_to, payload) "
            "VALUES (?, ?, ?, ?)",
            (wechat, _ts(now), reply_to, json.dumps(payload, ensure_ascii=False)),
        )

    def take_pending_push(self, wechat: str) -> tuple[dict[str, Any], datetime] | None:
        """Remove and return a sender's pending push with the time it was asked."""
        row = self._x(
            "SELECT payload, created_at FROM pending_pushes WHERE wechat = ?", (wechat,)
        ).fetchone()
        if row is None:
            return None
        self._x("DELETE FROM pending_pushes WHERE wechat = ?", (wechat,))
        return json.loads(row[0]), self._dt_req(row[1])

    def deliveries(self, push_id: int) -> list[Delivery]:
        """All planned deliveries of a push."""
        return [
            Delivery(
                push_id=push_id,
                group_id=r[0],
                unit=r[1],
                mode=Mode(r[2]),
                parent=r[3],
                delivered_at=self._dt(r[4]),
                via=r[5],
            )
            for r in self._x(
                "SELECT group_id, unit, mode, parent, delivered_at, via FROM deliveries "
                "WHERE push_id = ? ORDER BY rowid",
                (push_id,),
            )
        ]

    def assigned_pushes(self, wechat: str, since: datetime) -> list[int]:
        """Pushes (newest first, created since `since`) in which this pusher is assigned."""
        return [
            r[0]
            for r in self._x(
                "SELECT a.push_id FROM assignments a JOIN pushes p ON p.id = a.push_id "
                "WHERE a.wechat = ? AND p.created_at >= ? AND p.status = 'open' "
                "ORDER BY a.push_id DESC",
                (wechat, _ts(since)),
            )
        ]

    def unsigned_pushes(self, wechat: str, since: datetime) -> list[int]:
        """Open pushes (newest first, created since `since`) this pusher has not signed."""
        return [
            r[0]
            for r in self._x(
                "SELECT a.push_id FROM assignments a JOIN pushes p ON p.id = a.push_id "
                "WHERE a.wechat = ? AND p.created_at >= ? AND p.status = 'open' "
                "AND NOT EXISTS (SELECT 1 FROM signatures s "
                "WHERE s.push_id = a.push_id AND s.wechat = a.wechat) "
                "ORDER BY a.push_id DESC",
                (wechat, _ts(since)),
            )
        ]

    def assignments(self, push_id: int) -> list[tuple[str, str]]:
        """(pusher contact id, unit) of everyone assigned to a push."""
        return [
            (r[0], r[1])
            for r in self._x(
                "SELECT wechat, unit FROM assignments WHERE push_id = ? ORDER BY rowid",
                (push_id,),
            )
        ]

    def is_assigned(self, push_id: int, wechat: str) -> str | None:
        """The unit a pusher is assigned for in a push, or None."""
        return self._one(
            "SELECT unit FROM assignments WHERE push_id = ? AND wechat = ?", (push_id, wechat)
        )

    def add_signature(
        self, push_id: int, wechat: str, unit: str, at: datetime, message_id: str | None
    ) -> bool:
        """Record a signature once; bumps the unit's counter. False if already signed."""
        with self.transaction():
            cur = self._x(
                "INSERT OR IGNORE INTO signatures (push_id, wechat, at, message_id) "
                "VALUES (?, ?, ?, ?)",
                (push_id, wechat, _ts(at), message_id),
            )
            if cur.rowcount != 1:
                return False
            self._x(
                "UPDATE push_units SET signed = signed + 1 WHERE push_id = ? AND unit = ?",
                (push_id, unit),
            )
            return True

    def signatures(self, push_id: int) -> list[Signature]:
        """Signatures of a push, in order."""
        return [
            Signature(push_id=push_id, member=r[0], at=self._dt_req(r[1]))
            for r in self._x(
                "SELECT wechat, at FROM signatures WHERE push_id = ? ORDER BY at", (push_id,)
            )
        ]

    def mark_delivered(self, push_id: int, group_id: str, at: datetime, via: str) -> bool:
        """Mark one delivery done (once) and count the households it newly reaches."""
        with self.transaction():
            row = self._x(
                "SELECT unit FROM deliveries WHERE push_id = ? AND group_id = ? "
                "AND delivered_at IS NULL",
                (push_id, group_id),
            ).fetchone()
            if row is None:
                return False
            version = self._one("SELECT roster_version FROM pushes WHERE id = ?", (push_id,))
            # Households already reached through another delivered group are not counted
            # twice; the roster snapshot is the push's own version.
            newly = self._x(
                "SELECT m.unit, count(*) FROM memberships gm "
                "JOIN members m ON m.version = gm.version AND m.wechat = gm.wechat "
                "JOIN push_units pu ON pu.push_id = ? AND pu.unit = m.unit "
                "WHERE gm.version = ? AND gm.group_id = ? AND m.role = 'household' "
                "AND NOT EXISTS (SELECT 1 FROM memberships o INDEXED BY memberships_by_member "
                "  JOIN deliveries d "
                "  ON d.push_id = ? AND d.group_id = o.group_id AND d.delivered_at IS NOT NULL "
                "  WHERE o.version = gm.version AND o.wechat = gm.wechat) "
                "GROUP BY m.unit",
                (push_id, version, group_id, push_id),
            ).fetchall()
            self._x(
                "UPDATE deliveries SET delivered_at = ?, via = ? "
                "WHERE push_id = ? AND group_id = ?",
                (_ts(at), via, push_id, group_id),
            )
            self._x(
                "UPDATE push_units SET delivered = delivered + 1 WHERE push_id = ? AND unit = ?",
                (push_id, row[0]),
            )
            for unit, count in newly:
                self._x(
                    "UPDATE push_units SET reached = reached + ? WHERE push_id = ? AND unit = ?",
                    (count, push_id, unit),
                )
            return True

    def latest_delivered_push(self, group_id: str) -> int | None:
        """The push most recently delivered to a group."""
        return self._one(
            "SELECT push_id FROM deliveries WHERE group_id = ? AND delivered_at IS NOT NULL "
            "ORDER BY delivered_at DESC, push_id DESC LIMIT 1",
            (group_id,),
        )

    def add_receipt(
        self,
        push_id: int,
        wechat: str,
        unit: str,
        group_id: str,
        at: datetime,
        message_id: str | None,
    ) -> bool:
        """Record a household's acknowledgement once; False if already counted or out of scope.

        The unit's `acks` counter is bumped by a trigger in the same statement.
        """
        cur = self._x(
            "INSERT OR IGNORE INTO receipts (push_id, wechat, unit, group_id, at, message_id) "
            "SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS "
            "(SELECT 1 FROM push_units WHERE push_id = ? AND unit = ?)",
            (push_id, wechat, unit, group_id, _ts(at), message_id, push_id, unit),
        )
        return cur.rowcount == 1

    def import_receipts(self, push_id: int, rows: Iterable[tuple[str, str, str, datetime]]) -> int:
        """Bulk-add receipts (wechat, unit, group, at) to a push; returns how many were new."""
        with self.transaction():
            before = self._one("SELECT count(*) FROM receipts WHERE push_id = ?", (push_id,))
            self._conn.executemany(
                "INSERT OR IGNORE INTO receipts (push_id, wechat, unit, group_id, at) "
                "SELECT ?, ?, ?, ?, ? WHERE EXISTS "
                "(SELECT 1 FROM push_units WHERE push_id = ? AND unit = ?)",
                [(push_id, w, u, g, _ts(at), push_id, u) for w, u, g, at in rows],
            )
            after = self._one("SELECT count(*) FROM receipts WHERE push_id = ?", (push_id,))
        return int(after) - int(before)

    def receipt_count(self, push_id: int | None = None) -> int:
        """Stored receipts (of one push, or all)."""
        if push_id is None:
            return int(self._one("SELECT count(*) FROM receipts"))
        return int(self._one("SELECT count(*) FROM receipts WHERE push_id = ?", (push_id,)))

    def tallies(self, push_id: int) -> list[UnitTally]:
        """Per-unit counters of a push, in roster order."""
        return [
            UnitTally(*r)
            for r in self._x(
                "SELECT unit, pushers, signed, groups, delivered, households, reached, acks "
                "FROM push_units WHERE push_id = ? ORDER BY ord",
                (push_id,),
            )
        ]

    # -- outbox -----------------------------------------------------------------------------

    def enqueue(
        self, out: OutgoingMessage, now: datetime, not_before: datetime | None = None
    ) -> int | None:
        """Add an outbox row; with a dedupe key, a second enqueue is ignored (returns None)."""
        cur = self._x(
            "INSERT OR IGNORE INTO outbox (dedupe_key, conversation, kind, text, mentions, path, "
            "push_id, group_id, created_at, not_before) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                out.dedupe_key,
                out.conversation,
                out.kind.value,
                out.text,
                json.dumps(list(out.mentions)),
                out.path,
                out.push_id,
                out.group_id,
                _ts(now),
                _ts(not_before),
            ),
        )
        return int(cur.lastrowid) if cur.rowcount == 1 and cur.lastrowid else None

    def _outbox(self, r: Sequence[Any]) -> OutboxItem:
        return OutboxItem(
            id=r[0],
            conversation=r[1],
            kind=MessageKind(r[2]),
            text=r[3],
            mentions=tuple(json.loads(r[4])),
            path=r[5],
            push_id=r[6],
            group_id=r[7],
            status=r[8],
            attempts=r[9],
            created_at=self._dt_req(r[10]),
            not_before=self._dt(r[11]),
            sent_at=self._dt(r[12]),
        )

    _OUTBOX_COLS = (
        "id, conversation, kind, text, mentions, path, push_id, group_id, status, attempts, "
        "created_at, not_before, sent_at"
    )

    def pending_outbox(self, limit: int = 100) -> list[OutboxItem]:
        """Unsent rows in the order they were queued."""
        return [
            self._outbox(r)
            for r in self._x(
                f"SELECT {self._OUTBOX_COLS} FROM outbox WHERE status = 'pending' "
                "ORDER BY id LIMIT ?",
                (limit,),
            )
        ]

    def outbox(self, status: str | None = None) -> list[OutboxItem]:
        """All outbox rows (optionally of one status), oldest first."""
        where, params = ("WHERE status = ?", (status,)) if status else ("", ())
        return [
            self._outbox(r)
            for r in self._x(f"SELECT {self._OUTBOX_COLS} FROM outbox {where} ORDER BY id", params)
        ]

    def mark_sent(self, item_id: int, at: datetime, transport_id: str | None) -> None:
        """An outbox row went out."""
        self._x(
            "UPDATE outbox SET status = 'sent', sent_at = ?, transport_id = ?, "
            "attempts = attempts + 1 WHERE id = ?",
            (_ts(at), transport_id, item_id),
        )

    def mark_retry(self, item_id: int, error: str, retry_at: datetime, give_up_after: int) -> None:
        """A send failed; try again later, or give up after too many attempts."""
        self._x(
            "UPDATE outbox SET attempts = attempts + 1, error = ?, not_before = ?, "
            "status = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE 'pending' END WHERE id = ?",
            (error, _ts(retry_at), give_up_after, item_id),
        )

    # -- evidence, reminders, audit --------------------------------------------------------

    def add_evidence(self, ev: Evidence, message_id: str | None) -> None:
        """Store the record of an evidence screenshot (the file is already on disk)."""
        self._x(
            "INSERT INTO evidence (push_id, group_id, wechat, path, sha256, size, at, message_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                ev.push_id,
                ev.group_id,
                ev.member,
                ev.path,
                ev.sha256,
                ev.size,
                _ts(ev.at),
                message_id,
            ),
        )

    def evidence(self, push_id: int) -> list[Evidence]:
        """Evidence of a push."""
        return [
            Evidence(push_id, r[0], r[1], r[2], r[3], r[4], self._dt_req(r[5]))
            for r in self._x(
                "SELECT group_id, wechat, path, sha256, size, at FROM evidence WHERE push_id = ? "
                "ORDER BY id",
                (push_id,),
            )
        ]

    def add_reminder(self, r: Reminder) -> None:
        """Record a reminder or escalation."""
        self._x(
            "INSERT INTO reminders (push_id, at, kind, members) VALUES (?, ?, ?, ?)",
            (r.push_id, _ts(r.at), r.kind, json.dumps(list(r.members))),
        )

    def reminders(self, push_id: int, since: datetime | None = None) -> list[Reminder]:
        """Reminders of a push (since a time), oldest first."""
        return [
            Reminder(push_id, self._dt_req(r[0]), r[1], tuple(json.loads(r[2])))
            for r in self._x(
                "SELECT at, kind, members FROM reminders "
                "WHERE push_id = ? AND at >= ? ORDER BY id",
                (push_id, _ts(since) if since else ""),
            )
        ]

    def audit(self, at: datetime, actor: str, action: str, detail: str) -> None:
        """Append to the audit log."""
        self._x(
            "INSERT INTO audit (at, actor, action, detail) VALUES (?, ?, ?, ?)",
            (_ts(at), actor, action, detail),
        )

    def audit_log(self, limit: int = 200) -> list[tuple[datetime, str, str, str]]:
        """The newest audit entries."""
        return [
            (self._dt_req(r[0]), r[1], r[2], r[3])
            for r in self._x(
                "SELECT at, actor, action, detail FROM audit ORDER BY id DESC LIMIT ?", (limit,)
            )
        ]

    # -- dashboard sessions -------------------------------------------------------------------

    def revoke_session(self, nonce: str, expires: float, now: float) -> None:
        """Record a logged-out session until it would have expired (epoch seconds)."""
        with self.transaction():
            self._x("DELETE FROM revoked_sessions WHERE expires < ?", (now,))
            self._x(
                "INSERT OR REPLACE INTO revoked_sessions (nonce, expires) VALUES (?, ?)",
                (nonce, expires),
            )

    def session_revoked(self, nonce: str) -> bool:
        """Whether a session was logged out."""
        return self._one("SELECT 1 FROM revoked_sessions WHERE nonce = ?", (nonce,)) is not None

    # -- transport bindings and runtime state ----------------------------------------------

    def save_bindings(self, bindings: dict[str, Binding], now: datetime) -> None:
        """Replace the stored bindings (keys "group:ID" / "member:ID")."""
        with self.transaction():
            self._x("DELETE FROM bindings")
            self._conn.executemany(
                "INSERT INTO bindings (key, org_id, transport_id, via, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [(k, b.org_id, b.transport_id, b.via, _ts(now)) for k, b in bindings.items()],
            )

    def bindings(self) -> dict[str, Binding]:
        """Stored bindings by key."""
        return {
            r[0]: Binding(r[1], r[2], r[3])
            for r in self._x("SELECT key, org_id, transport_id, via FROM bindings")
        }

    def outbox_counts(self) -> dict[str, int]:
        """Outbox rows per status."""
        return {r[0]: r[1] for r in self._x("SELECT status, count(*) FROM outbox GROUP BY status")}

    # -- scheduled jobs, work reports, bulletins, rotations --------------------------------

    def job_since(self, job: str, now: datetime) -> datetime:
        """When a scheduled job was first registered (registering it at `now` if new)."""
        self._x("INSERT OR IGNORE INTO job_state (job, since) VALUES (?, ?)", (job, _ts(now)))
        return self._dt_req(self._one("SELECT since FROM job_state WHERE job = ?", (job,)))

    def last_job_fire(self, job: str) -> datetime | None:
        """The latest fire time recorded for a job (run, skipped or missed)."""
        return self._dt(self._one("SELECT max(fire_time) FROM job_runs WHERE job = ?", (job,)))

    def has_job_run(self, job: str, fire_time: datetime) -> bool:
        """Whether this fire time of a job was already recorded."""
        return (
            self._one(
                "SELECT 1 FROM job_runs WHERE job = ? AND fire_time = ?", (job, _ts(fire_time))
            )
            is not None
        )

    def claim_job_run(
        self, job: str, fire_time: datetime, now: datetime, status: str, detail: str = ""
    ) -> bool:
        """Record a fire time once; False if it was recorded before (never run a job twice)."""
        cur = self._x(
            "INSERT OR IGNORE INTO job_runs (job, fire_time, status, ran_at, detail) "
            "VALUES (?, ?, ?, ?, ?)",
            (job, _ts(fire_time), status, _ts(now), detail),
        )
        return cur.rowcount == 1

    def finish_job_run(
        self, job: str, fire_time: datetime, now: datetime, status: str, detail: str = ""
    ) -> None:
        """Set the outcome of a claimed fire time."""
        self._x(
            "UPDATE job_runs SET status = ?, ran_at = ?, detail = ? "
            "WHERE job = ? AND fire_time = ?",
            (status, _ts(now), detail, job, _ts(fire_time)),
        )

    def job_runs(self, job: str | None = None, limit: int = 200) -> list[JobRun]:
        """Recorded fire times, newest first (of one job, or all)."""
        where, params = ("WHERE job = ?", [job]) if job else ("", [])
        return [
            JobRun(r[0], self._dt_req(r[1]), r[2], self._dt_req(r[3]), r[4])
            for r in self._x(
                f"SELECT job, fire_time, status, ran_at, detail FROM job_runs {where} "
                "ORDER BY fire_time DESC, job LIMIT ?",
                [*params, limit],
            )
        ]

    def pushes_with_deadline(self, since: datetime, until: datetime) -> list[Push]:
        """Open pushes whose deadline falls in [since, until], oldest first."""
        rows = self._x(
            f"SELECT {self._PUSH_COLS} FROM pushes WHERE deadline >= ? AND deadline <= ? "
            "AND status = 'open' ORDER BY deadline, id",
            (_ts(since), _ts(until)),
        )
        return [self._push(r) for r in rows]

    def save_work_report(self, report: WorkReport, message_id: str | None) -> bool:
        """Store a unit's report for a day (a later one from the same person replaces it).

        Returns True for a first report, False for a correction.
        """
        key = (report.day.isoformat(), report.unit, report.member)
        with self.transaction():
            existed = self._one(
                "SELECT 1 FROM work_reports WHERE day = ? AND unit = ? AND wechat = ?", key
            )
            self._x(
                "INSERT OR REPLACE INTO work_reports (day, unit, wechat, text, at, message_id) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (*key, report.text, _ts(report.at), message_id),
            )
        return existed is None

    def work_reports(self, first: date, until: date) -> list[WorkReport]:
        """Work reports for days in [first, until), by day then time."""
        return [
            WorkReport(date.fromisoformat(r[0]), r[1], r[2], r[3], self._dt_req(r[4]))
            for r in self._x(
                "SELECT day, unit, wechat, text, at FROM work_reports WHERE day >= ? AND day < ? "
                "ORDER BY day, at",
                (first.isoformat(), until.isoformat()),
            )
        ]

    def add_bulletin(
        self,
        kind: str,
        period: str,
        at: datetime,
        text: str,
        image: str | None,
        job: str | None = None,
        requested_by: str | None = None,
    ) -> Bulletin:
        """Keep a published 通报 for the history the dashboard lists."""
        cur = self._x(
            "INSERT INTO bulletins (kind, period, at, text, image, job, requested_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (kind, period, _ts(at), text, image, job, requested_by),
        )
        return Bulletin(int(cur.lastrowid or 0), kind, period, at, text, image, job, requested_by)

    def bulletins(self, kind: str | None = None, limit: int = 50) -> list[Bulletin]:
        """Published 通报, newest first (of one kind, or all)."""
        where, params = ("WHERE kind = ?", [kind]) if kind else ("", [])
        return [
            Bulletin(r[0], r[1], r[2], self._dt_req(r[3]), r[4], r[5], r[6], r[7])
            for r in self._x(
                "SELECT id, kind, period, at, text, image, job, requested_by FROM bulletins "
                f"{where} ORDER BY at DESC, id DESC LIMIT ?",
                [*params, limit],
            )
        ]

    def rotation_last(self, name: str) -> int | None:
        """The content item a campaign rotation pushed last (None before its first push)."""
        return self._one("SELECT content_id FROM rotations WHERE name = ?", (name,))

    def save_rotation(self, name: str, content_id: int, push_id: int, at: datetime) -> None:
        """Remember where a campaign rotation stands."""
        self._x(
            "INSERT OR REPLACE INTO rotations (name, content_id, push_id, at) VALUES (?, ?, ?, ?)",
            (name, content_id, push_id, _ts(at)),
        )
