"""Server administration the benchmarks need: a fresh, empty database on a server."""

from __future__ import annotations

import re

import psycopg
from psycopg import sql

_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def create_database(server: str, name: str) -> str:
    """Create the empty database `name` on `server` (a URL without database); its URL."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"数据库名不合法：{name}")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return f"{server}/{name}"
