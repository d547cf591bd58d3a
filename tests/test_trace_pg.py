"""责任倒查 (tests/test_trace.py) again, on a real PostgreSQL server: the same reads across
roster versions, receipts with their words, 佐证 and read-link taps."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import Config
from bot.settings import StoreSection
from tests.conftest import make_config
from tests.pgserver import new_database
from tests.test_trace import *  # noqa: F403 (the same tests, collected here too)


@pytest.fixture
def config(tmp_path: Path, postgres_server: str) -> Config:
    """The usual test config, with its records in a fresh PostgreSQL database."""
    return replace(make_config(tmp_path), store=StoreSection(url=new_database(postgres_server)))


# The pure assembly test needs no database.
del test_assembly_lists_received_and_missed_with_reasons  # noqa: F821
