"""The SQLite schema: migrations in the order existing databases recorded them.

The migration set name ("fanzha"), the step names and their order are stored in every
database's `_sqlite_migrations` table; never rename or reorder them, only append.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("fanzha")


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


@migrations()
def m050_mass_tasks(db: Database) -> None:
    """群发 tasks for task-mode groups (WeCom customer groups, issue 10)."""
    db.execute(
        "CREATE TABLE mass_tasks (push_id INTEGER NOT NULL, wechat TEXT NOT NULL, "
        "groups TEXT NOT NULL, created_at TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending', "
        "task_id TEXT, sent_at TEXT, error TEXT NOT NULL DEFAULT '', "
        "reminds TEXT NOT NULL DEFAULT '[]', remind_wanted TEXT, PRIMARY KEY (push_id, wechat))"
    )


@migrations()
def m060_tips(db: Database) -> None:
    """Households' fraud reports (线索) and their append-only notes (issue 11)."""
    db.execute(
        "CREATE TABLE tips (id INTEGER PRIMARY KEY, at TEXT NOT NULL, wechat TEXT NOT NULL, "
        "group_id TEXT, unit TEXT, text TEXT NOT NULL, category TEXT NOT NULL, "
        "urgent INTEGER NOT NULL, status TEXT NOT NULL DEFAULT '新', message_id TEXT UNIQUE)"
    )
    db.execute("CREATE INDEX tips_by_time ON tips (at)")
    db.execute(
        "CREATE TABLE tip_notes (id INTEGER PRIMARY KEY, tip_id INTEGER NOT NULL "
        "REFERENCES tips (id), at TEXT NOT NULL, who TEXT NOT NULL, text TEXT NOT NULL, "
        "status TEXT)"
    )


@migrations()
def m061_read_taps(db: Database) -> None:
    """Taps on read-confirm links (issue 11): one per push and device; each bumps its unit's
    `reads`, and `read_acks` where the bot cannot hear the group's replies."""
    db.execute(
        "CREATE TABLE read_taps (push_id INTEGER NOT NULL, device TEXT NOT NULL, "
        "group_id TEXT NOT NULL, unit TEXT, heard INTEGER NOT NULL, at TEXT NOT NULL, "
        "PRIMARY KEY (push_id, device)) WITHOUT ROWID"
    )
    db.execute("ALTER TABLE push_units ADD COLUMN reads INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE push_units ADD COLUMN read_acks INTEGER NOT NULL DEFAULT 0")
    db.execute(
        "CREATE TRIGGER read_taps_count AFTER INSERT ON read_taps BEGIN "
        "UPDATE push_units SET reads = reads + 1, read_acks = read_acks + (1 - NEW.heard) "
        "WHERE push_id = NEW.push_id AND unit = NEW.unit; END"
    )


@migrations()
def m062_media(db: Database) -> None:
    """A link card's fields on its outbox row (media pushes, issue 11)."""
    db.execute("ALTER TABLE outbox ADD COLUMN link TEXT")


@migrations()
def m070_cases(db: Database) -> None:
    """发案统计 (issue 13): each unit's cases and loss per month, the office's population
    figures, and a group's `population` from the org file."""
    for sql in CASES_070:
        db.execute(sql)


CASES_070 = [
    "CREATE TABLE case_figures (unit TEXT NOT NULL, month TEXT NOT NULL, "
    "cases INTEGER NOT NULL, loss_fen INTEGER NOT NULL, by_whom TEXT NOT NULL, at TEXT, "
    "PRIMARY KEY (unit, month))",
    "CREATE TABLE unit_population (unit TEXT PRIMARY KEY, people INTEGER NOT NULL, "
    "by_whom TEXT NOT NULL, at TEXT NOT NULL)",
    "ALTER TABLE groups ADD COLUMN population INTEGER",
]


_WARNING_COLUMNS = (
    "issued_at TEXT NOT NULL, issuer TEXT NOT NULL, issuer_label TEXT NOT NULL, "
    "victim_name TEXT NOT NULL, victim_phone TEXT NOT NULL, victim_id_number TEXT NOT NULL, "
    "detected TEXT NOT NULL, risk TEXT NOT NULL, unit TEXT, assignee TEXT NOT NULL, "
    "sign_by TEXT NOT NULL, visit_by TEXT NOT NULL, state TEXT NOT NULL, signed_at TEXT, "
    "visited_at TEXT, method TEXT NOT NULL, result TEXT NOT NULL, photo TEXT NOT NULL, "
    "feedback TEXT NOT NULL, fed_back_at TEXT, grade TEXT NOT NULL, grade_note TEXT NOT NULL, "
    "evaluated_at TEXT, evaluated_by TEXT NOT NULL"
)


@migrations()
def m071_warnings(db: Database) -> None:
    """预警劝阻单 and their append-only chain of events (issue 13)."""
    db.execute(f"CREATE TABLE warnings (id INTEGER PRIMARY KEY, {_WARNING_COLUMNS})")
    db.execute("CREATE INDEX warnings_by_time ON warnings (issued_at)")
    db.execute("CREATE INDEX warnings_by_assignee ON warnings (assignee, state)")
    db.execute(
        "CREATE TABLE warning_events (id INTEGER PRIMARY KEY, warning_id INTEGER NOT NULL "
        "REFERENCES warnings (id), at TEXT NOT NULL, who TEXT NOT NULL, kind TEXT NOT NULL, "
        "text TEXT NOT NULL)"
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


@migrations()
def m072_drives(db: Database) -> None:
    """专项行动 (drives, issue 13): targets by date, one volunteered receipt per household."""
    for statement in _SCHEMA_072:
        db.execute(statement)


_SCHEMA_072 = [
    "CREATE TABLE drives (id INTEGER PRIMARY KEY, title TEXT NOT NULL, phrases TEXT NOT NULL, "
    "screenshot INTEGER NOT NULL, starts TEXT NOT NULL, ends TEXT NOT NULL, "
    "targets TEXT NOT NULL, created_at TEXT, created_by TEXT NOT NULL)",
    "CREATE TABLE drive_receipts (drive_id INTEGER NOT NULL REFERENCES drives (id), "
    "wechat TEXT NOT NULL, unit TEXT, group_id TEXT, at TEXT NOT NULL, via TEXT NOT NULL, "
    "message_id TEXT, PRIMARY KEY (drive_id, wechat))",
]


@migrations()
def m073_callbacks(db: Database) -> None:
    """回访抽查 (issue 13): rounds with their seed and rule, and one row per household drawn."""
    for statement in CALLBACK_TABLES:
        db.execute(statement)


CALLBACK_TABLES = [
    "CREATE TABLE callback_rounds (id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, "
    "created_by TEXT NOT NULL, seed INTEGER NOT NULL, rule TEXT NOT NULL, units TEXT NOT NULL, "
    "skips TEXT NOT NULL, roster_version INTEGER NOT NULL, completed_at TEXT)",
    "CREATE INDEX callback_rounds_by_completion ON callback_rounds (completed_at)",
    "CREATE TABLE callback_calls (round_id INTEGER NOT NULL REFERENCES callback_rounds (id), "
    "wechat TEXT NOT NULL, unit TEXT NOT NULL, name TEXT NOT NULL, phone TEXT NOT NULL, "
    "groups TEXT NOT NULL, ord INTEGER NOT NULL, outcome TEXT NOT NULL DEFAULT '', "
    "note TEXT NOT NULL DEFAULT '', recorded_at TEXT, recorded_by TEXT NOT NULL DEFAULT '', "
    "PRIMARY KEY (round_id, wechat))",
    "CREATE INDEX callback_calls_by_household ON callback_calls (wechat)",
]


@migrations()
def m075_bulletin_charts(db: Database) -> None:
    """A bulletin's charts after the first (a 发案 chart next to the ranking's, issue 13)."""
    db.execute(
        "CREATE TABLE bulletin_charts (bulletin_id INTEGER NOT NULL REFERENCES bulletins (id), "
        "position INTEGER NOT NULL, path TEXT NOT NULL, PRIMARY KEY (bulletin_id, position))"
    )


@migrations()
def m080_leases(db: Database) -> None:
    """Several accounts on one store (issue 12): who holds which group (and the scheduler)
    until when, and the fingerprints that make a message seen by two accounts count once."""
    for statement in LEASES_080:
        db.execute(statement)


LEASES_080 = [
    "CREATE TABLE leases (key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires TEXT NOT NULL, "
    "since TEXT NOT NULL)",
    "CREATE INDEX leases_by_owner ON leases (owner, expires)",
    "CREATE TABLE fingerprints (key TEXT PRIMARY KEY, message_id TEXT NOT NULL, at TEXT NOT NULL)",
    "CREATE INDEX fingerprints_by_time ON fingerprints (at)",
]


@migrations()
def m081_reach(db: Database) -> None:
    """What a delivery newly reaches, worked out per roster version at import (issue 12):
    per group and unit the households in no other group (all newly reached), and the
    households in several groups (the only ones to check against other deliveries)."""
    for statement in REACH_081:
        db.execute(statement)


# A household in several groups; filled for the stored versions from their memberships (by
# member: the primary key would read a whole version per row).
_SHARED = (
    "EXISTS (SELECT 1 FROM memberships o INDEXED BY memberships_by_member "
    "WHERE o.version = gm.version "
    "AND o.wechat = gm.wechat AND o.group_id != gm.group_id)"
)
_HOUSEHOLDS = (
    "FROM memberships gm INDEXED BY memberships_by_member "
    "JOIN members m ON m.version = gm.version AND m.wechat = gm.wechat "
    "WHERE m.role = 'household' AND m.unit IS NOT NULL AND "
)
REACH_081 = [
    "CREATE TABLE group_alone (version INTEGER NOT NULL, group_id TEXT NOT NULL, "
    "unit TEXT NOT NULL, households INTEGER NOT NULL, PRIMARY KEY (version, group_id, unit))",
    "CREATE TABLE shared_households (version INTEGER NOT NULL, group_id TEXT NOT NULL, "
    "wechat TEXT NOT NULL, unit TEXT NOT NULL, PRIMARY KEY (version, group_id, wechat))",
    "INSERT INTO group_alone (version, group_id, unit, households) "
    f"SELECT gm.version, gm.group_id, m.unit, count(*) {_HOUSEHOLDS} NOT {_SHARED} "
    "GROUP BY gm.version, gm.group_id, m.unit",
    "INSERT INTO shared_households (version, group_id, wechat, unit) "
    f"SELECT gm.version, gm.group_id, gm.wechat, m.unit {_HOUSEHOLDS} {_SHARED}",
]


@migrations()
def m082_units_in_order(db: Database) -> None:
    """A push's unit counters in roster order without a sort (issue 12: a city push has
    8,000 units). Counters are not in the index, so receipts never write to it."""
    db.execute(UNITS_IN_ORDER_082)


UNITS_IN_ORDER_082 = "CREATE INDEX push_units_in_order ON push_units (push_id, ord)"


@migrations()
def m083_acks_by_store(db: Database) -> None:
    """Receipts are counted into `push_units.acks` by the store, once per transaction and
    unit, instead of by a trigger once per receipt (issue 12, `acks.AckCounters`)."""
    db.execute("DROP TRIGGER IF EXISTS receipts_count")
