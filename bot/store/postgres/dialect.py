"""SQLite statements as PostgreSQL runs them.

The table families' SQL is shared with the SQLite store; the few SQLite spellings it uses
are rewritten here once per distinct statement: `?` placeholders, INSERT OR IGNORE / OR
REPLACE, INDEXED BY hints, WHERE 1, ORDER BY rowid (a `seq` column in PostgreSQL) and
json_each over a TEXT column. An INSERT into a table with a BIGSERIAL id gets RETURNING id,
which stands in for SQLite's cursor.lastrowid.
"""

from __future__ import annotations

import re
from functools import lru_cache

# The primary key each INSERT OR REPLACE target conflicts on.
REPLACE_KEYS: dict[str, tuple[str, ...]] = {
    "meta": ("key",),
    "revoked_sessions": ("nonce",),
    "work_reports": ("day", "unit", "wechat"),
    "rotations": ("name",),
    "pending_pushes": ("wechat",),
}

# Tables whose BIGSERIAL id an INSERT hands back (SQLite's cursor.lastrowid).
SERIAL_IDS = frozenset(
    ("pushes", "outbox", "evidence", "reminders", "audit", "bulletins", "tips", "tip_notes")
)
_INSERT_INTO = re.compile(r"INSERT INTO (\w+) ")
_REPLACE = re.compile(r"INSERT OR REPLACE INTO (\w+) \(([^)]*)\)(.*)", re.S)
_JSON_EACH = re.compile(r"json_each\(([\w.]+)\)")
_INDEXED_BY = re.compile(r" INDEXED BY \w+")
_WHERE_1 = re.compile(r"WHERE 1(?= AND | ORDER |$)")


@lru_cache(maxsize=512)
def translate(sql: str) -> str:
    """The PostgreSQL spelling of one statement written for SQLite."""
    out = sql.replace("%", "%%").replace("?", "%s")
    if "INSERT OR IGNORE INTO" in out:
        out = out.replace("INSERT OR IGNORE INTO", "INSERT INTO") + " ON CONFLICT DO NOTHING"
    match = _REPLACE.match(out)
    if match:
        table, cols, rest = match.groups()
        keys = REPLACE_KEYS[table]
        names = [c.strip() for c in cols.split(",")]
        sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in names if c not in keys)
        out = (
            f"INSERT INTO {table} ({cols}){rest} ON CONFLICT ({', '.join(keys)}) "
            f"DO UPDATE SET {sets}"
        )
    out = out.replace("ORDER BY rowid", "ORDER BY seq")
    out = _INDEXED_BY.sub("", out)  # the planner picks its own index
    out = _WHERE_1.sub("WHERE TRUE", out)  # SQLite takes 1 for true
    insert = _INSERT_INTO.match(out)
    if insert and insert.group(1) in SERIAL_IDS and "RETURNING" not in out:
        out += " RETURNING id"
    return _JSON_EACH.sub(r"json_array_elements_text(\1::json) AS j(value)", out)
