"""`python -m bot bench --pg`: the store-bound figures again, on PostgreSQL.

Roster import, ingest against the same server's raw baseline (a plain executemany into a
scratch table), coverage at 1× and 10× receipts, fan-out CPU per send and replay throughput
run as on SQLite, each on a fresh database of one throwaway cluster (initdb in a temp dir, as
the loop-lag figure's), reported under `pg_`-prefixed keys. Without the PostgreSQL binaries
only `pg_note` says why; the SQLite figures are untouched either way.

The cluster runs with PostgreSQL's defaults (fsync on), on the same machine as the bot: its
CPU competes with the bot's, as it would on a one-machine deployment.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bot.cli.bench_fanout import fanout_cpu
from bot.cli.bench_lag import have_postgres, temp_postgres_server
from bot.cli.bench_replay import bench_replay
from bot.domain.model import Org

PREFIX = "pg_"
NOTE = "没有 PostgreSQL（initdb、pg_ctl），PostgreSQL 各项未测"
# Figures of `_bench` that describe the roster or the whole process, not the backend.
NOT_PER_BACKEND = ("groups", "households", "rss_mb")
_counter = itertools.count(1)


@contextlib.contextmanager
def _server(server: str | None) -> Iterator[str]:
    if server is not None:
        yield server
    else:
        with temp_postgres_server() as started:
            yield started


def _fresh(server: str) -> str:
    from bot.store.postgres.admin import create_database  # psycopg only when it is used

    return create_database(server, f"bench_{os.getpid()}_{next(_counter)}")


async def bench_pg(
    org: Org, replay_lines: int, server: str | None = None
) -> dict[str, float | str]:
    """The `pg_` figures on `server` (a PostgreSQL URL without database), or on a throwaway
    cluster when none is given; `pg_note` alone when there is no PostgreSQL to start."""
    if server is None and not have_postgres():
        return {f"{PREFIX}note": NOTE}
    from bot.cli.bench import _bench  # bench imports this module to run it

    figures: dict[str, float] = {}
    with _server(server) as url:
        store = await _bench(org, _fresh(url))
        figures.update({k: v for k, v in store.items() if k not in NOT_PER_BACKEND})
        with tempfile.TemporaryDirectory(prefix="fanzha-fanout-pg-") as tmp:
            figures.update(await fanout_cpu(org, str(Path(tmp) / "cpu"), _fresh(url)))
        figures.update(await bench_replay(org, replay_lines, _fresh(url)))
    return {f"{PREFIX}{key}": value for key, value in figures.items()}
