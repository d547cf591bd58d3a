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
from bot.settings import StoreSection
from tests.conftest import make_config
from tests.pgserver import new_database
from tests.test_lifecycle import *  # noqa: F403 (the same tests, collected here too)
from tests.test_lifecycle import play_script


@pytest.fixture
def config(tmp_path: Path, postgres_server: str) -> Config:
    """The usual test config, with its records in a fresh PostgreSQL database."""
    return replace(make_config(tmp_path), store=StoreSection(url=new_database(postgres_server)))


# This one builds two stores side by side in data_dir subfolders; with store.url both would
# be the same database. Its PostgreSQL twin gives each run its own database.
del test_each_event_three_times_counts_once  # noqa: F821


async def test_each_event_three_times_counts_once_pg(
    config: Config, clock: SimClock, postgres_server: str
) -> None:
    def own_database() -> Config:
        return replace(config, store=StoreSection(url=new_database(postgres_server)))

    once = await play_script(own_database(), clock, 1)
    thrice = await play_script(own_database(), clock, 3)
    assert once == thrice
    assert once["coverage"]["ack_rate"] == round(3 / 18, 4)  # type: ignore[index]
