"""A real PostgreSQL server for the tests: initdb in a temp dir, postgres on a free port.

One server per test session (`postgres_server`); each test gets its own fresh database
(`new_database`). No docker: the PostgreSQL binaries must be on PATH (`.ci/run` installs
Debian's `postgresql` package). Outside CI the PostgreSQL tests skip when they are missing.
As root, the server runs as the `postgres` user (initdb refuses root).
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_counter = itertools.count(1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(folder: Path) -> list[str]:
    """The command prefix that runs a PostgreSQL binary as a non-root user."""
    if os.getuid() != 0:
        return []
    user = pwd.getpwnam("postgres")
    os.chown(folder, user.pw_uid, user.pw_gid)
    return ["runuser", "-u", "postgres", "--"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL (without database) of a throwaway PostgreSQL server for this session."""
    if shutil.which("initdb") is None or shutil.which("pg_ctl") is None:
        if os.environ.get("CI"):
            pytest.fail("CI 上必须有 PostgreSQL（initdb、pg_ctl）")
        pytest.skip("没有 PostgreSQL（initdb）")
    root = Path(tempfile.mkdtemp(prefix="fanzha-pg-"))
    os.chmod(root, 0o755)
    prefix = _as_server_user(root)
    data, port = root / "data", _free_port()
    run = {"check": True, "capture_output": True}
    subprocess.run(
        [
            *prefix,
            "initdb",
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
        ],
        **run,
    )  # type: ignore[call-overload]
    opts = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off"
    )
    subprocess.run(
        [*prefix, "pg_ctl", "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start"],
        **run,
    )  # type: ignore[call-overload]
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*prefix, "pg_ctl", "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(root, ignore_errors=True)


def new_database(server: str) -> str:
    """Create an empty database on the server and return its URL."""
    import psycopg

    name = f"t{os.getpid()}_{next(_counter)}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
    return f"{server}/{name}"
