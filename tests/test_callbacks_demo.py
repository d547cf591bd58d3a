"""The month-long demo's 回访 workflow on the demo town, without the daily pushes: phones
re-imported, a round drawn and uploaded in two halves, the 12-01 月度排名 showing 知晓率."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from bot.cli import demo_callback
from bot.cli.demo import DEMO_START, DemoScript
from bot.cli.demo_workflows import workflows
from bot.clock import SimClock
from bot.config import load_config
from bot.runtime import build
from bot.schedule.scheduler import build_scheduler


async def test_demo_round_reaches_the_monthly_bulletin(tmp_path: Path) -> None:
    assert "回访抽查" in [f.name for f in workflows()]
    base = load_config(None)
    cfg = replace(base, bot=replace(base.bot, data_dir=str(tmp_path / "data")))
    clock = SimClock(DEMO_START)
    rt = build(cfg, clock, rng=random.Random(1), fast=True)
    try:
        scheduler = build_scheduler(rt.app)
        await scheduler.run_due(clock.now())
        script = DemoScript(rt, clock, random.Random(1))
        demo_callback.plan(script, 31)
        await script.run(DEMO_START + timedelta(days=31), scheduler)
        first, second = reversed(rt.store.callback_rounds())
        assert first.completed_at is not None and f"{first.completed_at:%m-%d}" == "11-27"
        assert second.completed_at is None
        calls = rt.store.callback_calls(first.id)
        assert all(c.outcome for c in calls) and 12 * 3 <= len(calls) <= 12 * 6
        assert sum(s.recent for s in second.skips.values()) == len(calls)
        text = demo_callback.summary(rt)
        assert "2026-11 月度排名中的回访一节：" in text
        assert "本月完成回访 1 轮（第1轮）" in text
        audit = [e.action for e in rt.store.audit_log() if e.action.startswith("回访")]
        assert audit == ["回访登记", "回访抽取", "回访登记", "回访登记", "回访抽取"]
    finally:
        rt.store.close()
        assert rt.simulator is not None
        rt.simulator.pop_sent()
