"""Sandbox message ids stay unique across restarts; a real duplicate is logged."""

from __future__ import annotations

import logging

import pytest

from bot.clock import SimClock
from bot.config import Config
from bot.runtime import build
from tests.conftest import small_town


async def test_a_message_after_a_restart_is_handled(config: Config, clock: SimClock) -> None:
    answered = []
    for _ in range(2):  # two starts on the same SQLite file
        rt = build(config, clock, org=small_town())
        await rt.app.handle(rt.simulator.message("office", "帮助", "cmd"))
        await rt.app.settle()
        answered.append([line.text for line in rt.simulator.pop_sent()])
        rt.store.close()
        clock.advance(60)
    assert all(len(texts) == 1 and "使用说明" in texts[0] for texts in answered)
    rt = build(config, clock, org=small_town())
    assert rt.store.message_count() == 2
    rt.store.close()


async def test_a_dropped_duplicate_is_logged_with_its_id(
    config: Config, clock: SimClock, caplog: pytest.LogCaptureFixture
) -> None:
    rt = build(config, clock, org=small_town())
    msg = rt.simulator.message("office", "帮助", "cmd")
    with caplog.at_level(logging.INFO, logger="bot.app"):
        await rt.app.handle(msg)
        assert not [r for r in caplog.records if msg.id in r.getMessage()]
        await rt.app.handle(msg)
    dropped = [r for r in caplog.records if msg.id in r.getMessage()]
    assert len(dropped) == 1 and dropped[0].levelno == logging.INFO
    assert "重复" in dropped[0].getMessage()
    rt.store.close()
