"""The PostgreSQL schema: the SQLite schema translated, step by step under the same names.

Applied steps are recorded in `_migrations` (one row per step name); never rename or reorder
them, only append. Ids are BIGSERIAL; times stay UTC ISO text, exactly as in SQLite, so both
stores hold identical values. Counter triggers are plpgsql functions.
"""

from __future__ import annotations

import psycopg

from bot.store.postgres.dialect import translate
from bot.store.sqlite.schema import LEASES_080, REACH_081, UNITS_IN_ORDER_082

# (name, statements) in order. Names match the SQLite migrations they translate.
STEPS: list[tuple[str, list[str]]] = []


def _step(name: str, *statements: str) -> None:
    STEPS.append((name, list(statements)))


def apply(conn: psycopg.Connection) -> None:
    """Apply every step not yet recorded, each in its own transaction."""
    with conn.transaction():
        conn.execute(
            "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, "
            "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
    with conn.transaction():
        # One process migrates at a time; the others wait here and then find nothing to do.
        conn.execute("SELECT pg_advisory_xact_lock(7117)")
        done = {r[0] for r in conn.execute("SELECT name FROM _migrations")}
        for name, statements in STEPS:
            if name in done:
                continue
            for statement in statements:
                conn.execute(statement)
            conn.execute("INSERT INTO _migrations (name) VALUES (%s)", (name,))


_step(
    "m001_initial",
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
    """CREATE TABLE pushes (id BIGSERIAL PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL,
        content_id INTEGER, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
        deadline TEXT, scope TEXT NOT NULL, roster_version INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'open')""",
    """CREATE TABLE push_units (push_id BIGINT NOT NULL, unit TEXT NOT NULL,
        ord INTEGER NOT NULL, pushers INTEGER NOT NULL DEFAULT 0,
        signed INTEGER NOT NULL DEFAULT 0, groups INTEGER NOT NULL DEFAULT 0,
        delivered INTEGER NOT NULL DEFAULT 0, households INTEGER NOT NULL DEFAULT 0,
        reached INTEGER NOT NULL DEFAULT 0, acks INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (push_id, unit))""",
    # `seq` keeps insertion order where SQLite reads ORDER BY rowid.
    """CREATE TABLE assignments (seq BIGSERIAL, push_id BIGINT NOT NULL, wechat TEXT NOT NULL,
        unit TEXT NOT NULL, PRIMARY KEY (push_id, wechat))""",
    "CREATE INDEX assignments_by_member ON assignments (wechat, push_id)",
    """CREATE TABLE deliveries (seq BIGSERIAL, push_id BIGINT NOT NULL, group_id TEXT NOT NULL,
        unit TEXT, mode TEXT NOT NULL, parent TEXT, delivered_at TEXT, via TEXT,
        PRIMARY KEY (push_id, group_id))""",
    "CREATE INDEX deliveries_by_group ON deliveries (group_id, delivered_at)",
    """CREATE TABLE signatures (push_id BIGINT NOT NULL, wechat TEXT NOT NULL,
        at TEXT NOT NULL, message_id TEXT, PRIMARY KEY (push_id, wechat))""",
    """CREATE TABLE receipts (push_id BIGINT NOT NULL, wechat TEXT NOT NULL, unit TEXT,
        group_id TEXT NOT NULL, at TEXT NOT NULL, message_id TEXT,
        PRIMARY KEY (push_id, wechat))""",
    """CREATE TABLE messages (id TEXT PRIMARY KEY, at TEXT NOT NULL, group_id TEXT,
        sender TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL,
        handled INTEGER NOT NULL DEFAULT 0, error TEXT)""",
    """CREATE TABLE outbox (id BIGSERIAL PRIMARY KEY, dedupe_key TEXT UNIQUE,
        conversation TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL,
        mentions TEXT NOT NULL, path TEXT, push_id BIGINT, group_id TEXT,
        status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL, not_before TEXT, sent_at TEXT, transport_id TEXT,
        error TEXT)""",
    "CREATE INDEX outbox_pending ON outbox (status, id)",
    """CREATE TABLE evidence (id BIGSERIAL PRIMARY KEY, push_id BIGINT NOT NULL,
        group_id TEXT NOT NULL, wechat TEXT NOT NULL, path TEXT NOT NULL,
        sha256 TEXT NOT NULL, size BIGINT NOT NULL, at TEXT NOT NULL, message_id TEXT)""",
    """CREATE TABLE reminders (id BIGSERIAL PRIMARY KEY, push_id BIGINT NOT NULL,
        at TEXT NOT NULL, kind TEXT NOT NULL, members TEXT NOT NULL)""",
    """CREATE TABLE audit (id BIGSERIAL PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL,
        action TEXT NOT NULL, detail TEXT NOT NULL)""",
)
_step(
    "m010_bindings",
    "CREATE TABLE bindings (key TEXT PRIMARY KEY, org_id TEXT NOT NULL, "
    "transport_id TEXT NOT NULL, via TEXT NOT NULL, updated_at TEXT NOT NULL)",
)
_step(
    "m002_counter_triggers",
    """CREATE FUNCTION receipts_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        UPDATE push_units SET acks = acks + 1 WHERE push_id = NEW.push_id AND unit = NEW.unit;
        RETURN NULL; END $$""",
    "CREATE TRIGGER receipts_count AFTER INSERT ON receipts FOR EACH ROW "
    "EXECUTE FUNCTION receipts_count()",
)
_step(
    "m020_followup",
    "CREATE TABLE job_state (job TEXT PRIMARY KEY, since TEXT NOT NULL)",
    """CREATE TABLE job_runs (job TEXT NOT NULL, fire_time TEXT NOT NULL, status TEXT NOT NULL,
        ran_at TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '', PRIMARY KEY (job, fire_time))""",
    """CREATE TABLE work_reports (day TEXT NOT NULL, unit TEXT NOT NULL, wechat TEXT NOT NULL,
        text TEXT NOT NULL, at TEXT NOT NULL, message_id TEXT,
        PRIMARY KEY (day, unit, wechat))""",
    """CREATE TABLE bulletins (id BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL,
        period TEXT NOT NULL, at TEXT NOT NULL, text TEXT NOT NULL, image TEXT, job TEXT,
        requested_by TEXT)""",
    "CREATE INDEX bulletins_by_kind ON bulletins (kind, at)",
    """CREATE TABLE rotations (name TEXT PRIMARY KEY, content_id INTEGER NOT NULL,
        push_id BIGINT, at TEXT NOT NULL)""",
    "CREATE INDEX pushes_by_deadline ON pushes (deadline)",
)
_step(
    "m030_sessions",
    "CREATE TABLE revoked_sessions (nonce TEXT PRIMARY KEY, expires DOUBLE PRECISION NOT NULL)",
)
_step(
    "m040_push_control",
    "CREATE TABLE pending_pushes (wechat TEXT PRIMARY KEY, created_at TEXT NOT NULL, "
    "reply_to TEXT NOT NULL, payload TEXT NOT NULL)",
)
_step(
    "m050_mass_tasks",
    "CREATE TABLE mass_tasks (push_id BIGINT NOT NULL, wechat TEXT NOT NULL, "
    "groups TEXT NOT NULL, created_at TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending', "
    "task_id TEXT, sent_at TEXT, error TEXT NOT NULL DEFAULT '', "
    "reminds TEXT NOT NULL DEFAULT '[]', remind_wanted TEXT, PRIMARY KEY (push_id, wechat))",
)
_step(
    "m060_tips",
    "CREATE TABLE tips (id BIGSERIAL PRIMARY KEY, at TEXT NOT NULL, wechat TEXT NOT NULL, "
    "group_id TEXT, unit TEXT, text TEXT NOT NULL, category TEXT NOT NULL, "
    "urgent INTEGER NOT NULL, status TEXT NOT NULL DEFAULT '新', message_id TEXT UNIQUE)",
    "CREATE INDEX tips_by_time ON tips (at)",
    "CREATE TABLE tip_notes (id BIGSERIAL PRIMARY KEY, tip_id BIGINT NOT NULL "
    "REFERENCES tips (id), at TEXT NOT NULL, who TEXT NOT NULL, text TEXT NOT NULL, "
    "status TEXT)",
)
_step(
    "m061_read_taps",
    "CREATE TABLE read_taps (push_id BIGINT NOT NULL, device TEXT NOT NULL, "
    "group_id TEXT NOT NULL, unit TEXT, heard INTEGER NOT NULL, at TEXT NOT NULL, "
    "PRIMARY KEY (push_id, device))",
    "ALTER TABLE push_units ADD COLUMN reads INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE push_units ADD COLUMN read_acks INTEGER NOT NULL DEFAULT 0",
    """CREATE FUNCTION read_taps_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        UPDATE push_units SET reads = reads + 1, read_acks = read_acks + (1 - NEW.heard)
        WHERE push_id = NEW.push_id AND unit = NEW.unit; RETURN NULL; END $$""",
    "CREATE TRIGGER read_taps_count AFTER INSERT ON read_taps FOR EACH ROW "
    "EXECUTE FUNCTION read_taps_count()",
)
_step("m062_media", "ALTER TABLE outbox ADD COLUMN link TEXT")
_step(
    "m070_cases",
    "CREATE TABLE case_figures (unit TEXT NOT NULL, month TEXT NOT NULL, "
    "cases INTEGER NOT NULL, loss_fen BIGINT NOT NULL, by_whom TEXT NOT NULL, at TEXT, "
    "PRIMARY KEY (unit, month))",
    "CREATE TABLE unit_population (unit TEXT PRIMARY KEY, people INTEGER NOT NULL, "
    "by_whom TEXT NOT NULL, at TEXT NOT NULL)",
    "ALTER TABLE groups ADD COLUMN population INTEGER",
)
_step(
    "m071_warnings",
    "CREATE TABLE warnings (id BIGSERIAL PRIMARY KEY, issued_at TEXT NOT NULL, "
    "issuer TEXT NOT NULL, issuer_label TEXT NOT NULL, victim_name TEXT NOT NULL, "
    "victim_phone TEXT NOT NULL, victim_id_number TEXT NOT NULL, detected TEXT NOT NULL, "
    "risk TEXT NOT NULL, unit TEXT, assignee TEXT NOT NULL, sign_by TEXT NOT NULL, "
    "visit_by TEXT NOT NULL, state TEXT NOT NULL, signed_at TEXT, visited_at TEXT, "
    "method TEXT NOT NULL, result TEXT NOT NULL, photo TEXT NOT NULL, feedback TEXT NOT NULL, "
    "fed_back_at TEXT, grade TEXT NOT NULL, grade_note TEXT NOT NULL, evaluated_at TEXT, "
    "evaluated_by TEXT NOT NULL)",
    "CREATE INDEX warnings_by_time ON warnings (issued_at)",
    "CREATE INDEX warnings_by_assignee ON warnings (assignee, state)",
    "CREATE TABLE warning_events (id BIGSERIAL PRIMARY KEY, warning_id BIGINT NOT NULL "
    "REFERENCES warnings (id), at TEXT NOT NULL, who TEXT NOT NULL, kind TEXT NOT NULL, "
    "text TEXT NOT NULL)",
)
_step(
    "m072_drives",
    "CREATE TABLE drives (id BIGSERIAL PRIMARY KEY, title TEXT NOT NULL, phrases TEXT NOT NULL, "
    "screenshot INTEGER NOT NULL, starts TEXT NOT NULL, ends TEXT NOT NULL, "
    "targets TEXT NOT NULL, created_at TEXT, created_by TEXT NOT NULL)",
    "CREATE TABLE drive_receipts (drive_id BIGINT NOT NULL REFERENCES drives (id), "
    "wechat TEXT NOT NULL, unit TEXT, group_id TEXT, at TEXT NOT NULL, via TEXT NOT NULL, "
    "message_id TEXT, PRIMARY KEY (drive_id, wechat))",
)
_step(
    "m073_callbacks",
    "CREATE TABLE callback_rounds (id BIGSERIAL PRIMARY KEY, created_at TEXT NOT NULL, "
    "created_by TEXT NOT NULL, seed BIGINT NOT NULL, rule TEXT NOT NULL, units TEXT NOT NULL, "
    "skips TEXT NOT NULL, roster_version INTEGER NOT NULL, completed_at TEXT)",
    "CREATE INDEX callback_rounds_by_completion ON callback_rounds (completed_at)",
    "CREATE TABLE callback_calls (round_id BIGINT NOT NULL REFERENCES callback_rounds (id), "
    "wechat TEXT NOT NULL, unit TEXT NOT NULL, name TEXT NOT NULL, phone TEXT NOT NULL, "
    "groups TEXT NOT NULL, ord INTEGER NOT NULL, outcome TEXT NOT NULL DEFAULT '', "
    "note TEXT NOT NULL DEFAULT '', recorded_at TEXT, recorded_by TEXT NOT NULL DEFAULT '', "
    "PRIMARY KEY (round_id, wechat))",
    "CREATE INDEX callback_calls_by_household ON callback_calls (wechat)",
)
_step(
    "m075_bulletin_charts",
    "CREATE TABLE bulletin_charts (bulletin_id BIGINT NOT NULL REFERENCES bulletins (id), "
    "position INTEGER NOT NULL, path TEXT NOT NULL, PRIMARY KEY (bulletin_id, position))",
)
_step("m080_leases", *LEASES_080)
_step("m081_reach", *(translate(s) for s in REACH_081))  # no INDEXED BY
_step("m082_units_in_order", UNITS_IN_ORDER_082)
# A batch's receipts arrive as one INSERT (readahead): its units' counters are bumped once
# per unit for the statement, not once per row.
_step(
    "m083_receipt_counts_per_statement",
    "DROP TRIGGER receipts_count ON receipts",
    """CREATE OR REPLACE FUNCTION receipts_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        UPDATE push_units p SET acks = p.acks + n.added
        FROM (SELECT push_id, unit, count(*) AS added FROM new_receipts
              GROUP BY push_id, unit) n
        WHERE p.push_id = n.push_id AND p.unit = n.unit;
        RETURN NULL; END $$""",
    "CREATE TRIGGER receipts_count AFTER INSERT ON receipts REFERENCING NEW TABLE AS "
    "new_receipts FOR EACH STATEMENT EXECUTE FUNCTION receipts_count()",
)
# A coverage report's facts from indexes (postgres.coverage): the middle delivery times at an
# offset in a push's delivered times, and whether a push has an unheard group at all.
_step(
    "m084_deliveries_in_time_order",
    "CREATE INDEX deliveries_by_push_time ON deliveries (push_id, delivered_at)",
    "CREATE INDEX deliveries_unheard ON deliveries (push_id) "
    "WHERE unit IS NOT NULL AND mode IN ('evidence', 'task')",
)
