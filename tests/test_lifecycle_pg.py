"""The whole push lifecycle (tests/test_lifecycle.py) again, on a real PostgreSQL server.

The `config` fixture here points `store.url` at a fresh database, so the same `rt` runs
push → sign → relay → receipt → coverage (and restarts) over the PostgreSQL store.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.clock import SimClock
from bot.config import Config
from bot.runtime import build
from bot.settings import StoreSection
from tests.chat import cov
from tests.conftest import make_config, small_town
from tests.pgserver import new_database
from tests.test_lifecycle import *  # noqa: F403 (the same tests, collected here too)
from tests.test_lifecycle import NOTICE


@pytest.fixture
def config(tmp_path: Path, postgres_server: str) -> Config:
    """The usual test config, with its records in a fresh PostgreSQL database."""
    return replace(make_config(tmp_path), store=StoreSection(url=new_database(postgres_server)))


# This one builds two stores side by side in data_dir subfolders; with store.url both would
# be the same database. Its PostgreSQL twin gives each run its own database.
del test_each_event_three_times_counts_once  # noqa: F821


async def test_each_event_three_times_counts_once_pg(
    config: Config,
    clock: SimClock,
    postgres_server: str,
) -> None:
    async def scenario(copies: int) -> dict[str, object]:
        cfg = replace(config, store=StoreSection(url=new_database(postgres_server)))
        c = SimClock(clock.now())
        runtime = build(cfg, c, org=small_town())
        script = [
            ("office", NOTICE, "cmd"),
            ("lj_p1", "收到", "cmd"),
            ("wj_p", "收到", "cmd"),
            ("lj1_h0", "收到", "lj1"),
            ("lj1_h1", "好的", "lj1"),
            ("wj_h2", "👍", "wj"),
        ]
        for i, (who, text, group) in enumerate(script):
            c.advance(60)
            msg = runtime.simulator.message(who, text, group, message_id=f"x{i}")
            for _ in range(copies):
                await runtime.app.handle(msg)
                await runtime.app.settle()
        result = cov(runtime)
        sent = len(runtime.simulator.pop_sent())
        assert runtime.store.message_count() == len(script)
        runtime.store.close()
        return {"coverage": result, "sent": sent}

    once = await scenario(1)
    thrice = await scenario(3)
    assert once == thrice
    assert once["coverage"]["ack_rate"] == round(3 / 18, 4)  # type: ignore[index]
