"""replay.feed: group-commit batches that settle only when something is due send exactly
what handling and settling line by line sends, at the same times, with the same report."""

from __future__ import annotations

import itertools
import random
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

import bot.cli.replay as replay_module
from bot.chat.pushes import NO_CONFIRMATION
from bot.cli.bench_replay import replay_log
from bot.cli.replay import describe, feed
from bot.cli.report import coverage_json
from bot.cli.sample import generate_county
from bot.clock import SimClock
from bot.config import load_config
from bot.domain.model import IncomingMessage, Org, Role
from bot.runtime import Runtime, build

# Late evening: the quiet hours hold household-group relays until the morning.
START = datetime.fromisoformat("2026-11-23T21:30:00+08:00")


def _runtime(tmp: Path, org: Org) -> Runtime:
    base = load_config(None)
    cfg = replace(
        base,
        bot=replace(base.bot, data_dir=str(tmp), content_dir=str(tmp)),
        policy=replace(base.policy, confirm_over_groups=NO_CONFIRMATION),
    )
    rt = build(cfg, SimClock(START), org=org, fast=True, rng=random.Random(0))
    office = next(m for m in org.members if m.role is Role.OFFICE)
    rt.app.create_push("回放测试", "反诈提醒正文", office, rt.app.clock.now())
    return rt


def _messages(rt: Runtime, org: Org) -> Iterator[IncomingMessage]:
    clock = rt.app.clock
    assert isinstance(clock, SimClock)
    for i, (member, group, text) in enumerate(replay_log(org, 400)):
        clock.advance(90)
        yield IncomingMessage(
            id=f"r{i}", at=clock.now(), sender=member.wechat, text=text, group=group
        )


def _outcome(rt: Runtime, printed: list[str]) -> tuple[object, ...]:
    rows = [(o.conversation, o.text, o.status, o.sent_at) for o in rt.store.outbox()]
    report = coverage_json(rt.app.coverage_report())
    counts = (rt.store.message_count(), rt.store.receipt_count())
    rt.store.close()
    return printed, rows, report, counts


async def _line_by_line(tmp: Path, org: Org) -> tuple[object, ...]:
    rt = _runtime(tmp, org)
    sim = rt.simulator
    assert sim is not None
    by_line: list[str] = []
    for msg in _messages(rt, org):
        await rt.app.handle(msg)
        await rt.app.settle()
        by_line.extend(describe(sim, line) for line in sim.pop_sent())
    return _outcome(rt, by_line)


async def test_feed_sends_what_line_by_line_settling_sends(tmp_path: Path) -> None:
    org = generate_county(3, towns=4, groups_per_town=5, households=600)
    expected = await _line_by_line(tmp_path / "by-line", org)

    rt = _runtime(tmp_path / "fed", org)
    sim = rt.simulator
    assert sim is not None
    fed: list[str] = []
    await feed(
        rt.app, _messages(rt, org), lambda: fed.extend(describe(sim, x) for x in sim.pop_sent())
    )
    got = _outcome(rt, fed)

    assert got == expected
    by_line = expected[0]
    assert isinstance(by_line, list)
    # The log crossed the night: relays were held, then sent in the morning.
    assert any("[11-24 0" in line for line in by_line)
    assert len(by_line) > 20


async def test_feed_commits_a_rehearsal_every_chunk_of_lines_with_the_same_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = generate_county(3, towns=4, groups_per_town=5, households=600)
    expected = await _line_by_line(tmp_path / "by-line", org)
    monkeypatch.setattr(replay_module, "REHEARSAL_LINES", 37)

    rt = _runtime(tmp_path / "fed", org)
    sim = rt.simulator
    assert sim is not None
    db = rt.store.path  # type: ignore[attr-defined]
    fed: list[str] = []
    committed: list[int] = []

    def settled() -> None:
        fed.extend(describe(sim, x) for x in sim.pop_sent())
        with closing(sqlite3.connect(db)) as other:  # sees committed rows only
            committed.append(other.execute("SELECT count(*) FROM messages").fetchone()[0])

    await feed(rt.app, _messages(rt, org), settled)
    got = _outcome(rt, fed)

    assert got == expected
    # Commits come in chunks of about 37 lines: another reader sees the count grow in
    # steps while the rehearsal runs, and everything once it is over.
    steps = sorted(set(committed))
    assert len(steps) >= 400 // 37 - 1
    assert all(b - a >= 37 for a, b in itertools.pairwise(steps[1:]))
    with closing(sqlite3.connect(db)) as other:
        assert other.execute("SELECT count(*) FROM messages").fetchone()[0] == 400
