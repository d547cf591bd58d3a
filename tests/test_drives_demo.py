"""The demo's 专项行动 on the sample town: started in the command group, households volunteer,
units end above and below the target; nobody is written to unasked."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from bot.cli import demo_drive
from bot.cli.demo import DEMO_START, DemoScript
from bot.cli.demo_workflows import workflows
from bot.clock import SimClock
from bot.config import load_config
from bot.domain.model import Role
from bot.runtime import build
from bot.transport.sandbox import SandboxWorld


def test_the_month_demo_plays_the_drive() -> None:
    assert "专项行动" in [w.name for w in workflows()]


async def test_drive_demo_reaches_target_in_some_units_not_others(tmp_path: Path) -> None:
    base = load_config(None)
    cfg = replace(base, bot=replace(base.bot, data_dir=str(tmp_path / "data")))
    clock = SimClock(DEMO_START)
    rt = build(cfg, clock, rng=random.Random(1), fast=True)
    try:
        script = DemoScript(rt, clock, random.Random(1))
        demo_drive.plan(script, 10)
        await script.run(DEMO_START + timedelta(days=10))
        text = demo_drive.summary(rt)
        assert text.startswith("推广国家反诈中心APP（11月23日—12月22日，目标12月22日前80%")
        assert " 达标" in text and "未达标" in text
        (drive,) = rt.store.drives()
        receipts = rt.store.drive_receipts(drive.id)
        assert len({r.wechat for r in receipts}) == len(receipts) > 300
        assert {r.via for r in receipts} == {"文字", "截图"}
        assert any(r.group_id is None for r in receipts)
        assert rt.simulator is not None
        households = {m.wechat for m in rt.app.org.members if m.role is Role.HOUSEHOLD}
        bot = rt.app.config.bot.wechat
        spoke_privately = {
            line.sender
            for line in rt.simulator.transcript
            if line.sender in households and line.conversation == SandboxWorld.BOT
        }
        told = {
            line.conversation
            for line in rt.simulator.transcript
            if line.sender == bot and line.conversation in households
        }
        assert told and told <= spoke_privately  # answers only, never a household chased
    finally:
        rt.store.close()
