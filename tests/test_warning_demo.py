"""The month-long demo's 预警 workflow plays its whole chain on the sample town, privately."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from bot.cli.demo import DEMO_START, DemoScript
from bot.cli.demo_warning import WORKFLOW
from bot.cli.demo_workflows import workflows
from bot.clock import SimClock
from bot.config import load_config
from bot.runtime import build
from bot.schedule.scheduler import build_scheduler


async def test_demo_plays_issue_sign_visit_feedback_evaluation(tmp_path: Path) -> None:
    assert WORKFLOW in workflows()
    base = load_config(None)
    config = replace(base, bot=replace(base.bot, data_dir=str(tmp_path / "data")))
    clock = SimClock(DEMO_START)
    rt = build(config, clock, rng=random.Random(1), fast=True)
    try:
        script = DemoScript(rt, clock, random.Random(1))
        WORKFLOW.plan(script, 31)
        await script.run(DEMO_START + timedelta(days=3), build_scheduler(rt.app, []))
        warning = rt.store.get_warning(1)
        assert warning is not None and warning.state == "已评价" and warning.grade == "满意"
        assert [e.kind for e in warning.events] == [
            "下发",
            "签收",
            "劝阻（上门·已劝阻）",
            "现场照片",
            "反馈",
            "评价",
        ]
        assert rt.simulator is not None
        groups = {g.id for g in rt.app.org.groups}
        assert not [line for line in rt.simulator.transcript if line.conversation in groups]
        late = rt.store.get_warning(2)
        assert late is not None and late.state == "已劝阻" and late.result == "未接通"
        assert [e.kind for e in late.events] == [
            "下发",
            "签收提醒",
            "签收超时上报",
            "签收",
            "劝阻（电话·未接通）",
        ]
        summary = WORKFLOW.summary(rt)
        assert "签收按时，劝阻按时，状态：已评价（满意）" in summary
        assert "签收超时45分钟，劝阻按时，状态：已劝阻" in summary
    finally:
        rt.store.close()
