"""`python -m bot demo --days 7`: a simulated week driven by the same scheduler, no sleeping."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.cli.demo import run_demo


async def test_a_simulated_week_shows_the_followup(tmp_path: Path) -> None:
    out = await run_demo(seed=1, days=7, out=tmp_path / "demo")
    transcript = out.split("=== 通报")[0]
    assert len(re.findall(r"\[11-2\d 09:00\] .* 【第", transcript)) == 4  # Mon–Thu by hand
    assert "[11-27 10:00] 演礼镇反诈指挥群 | 反诈助手: 【第5期】" in transcript  # Friday campaign
    assert "【截止提醒】" in transcript and "【到期催办】" in transcript
    assert "【督办】" in transcript and "私聊·" in transcript
    assert transcript.count("【工作汇报】请各村/单位推送员") == 5
    assert "今日工作：" in transcript and "将纳入今晚通报" in transcript
    dailies = re.findall(
        r"\[(11-\d\d) 21:00\] 演礼镇反诈指挥群 \| 反诈助手: 【反诈工作日报】", out
    )
    assert dailies == ["11-23", "11-24", "11-25", "11-26", "11-27"]  # no weekend bulletins
    assert (
        "[11-30 08:30] 演礼镇反诈指挥群 | 反诈助手: 【反诈工作周报】演礼镇 11月23日—11月29日"
        in out
    )
    assert "本周推送 5 期" in out
    # Chart paths are printed in full and the files outlive the command.
    charts = tmp_path.resolve() / "demo" / "data" / "bulletins"
    daily = charts / "daily-2026-11-23-210000.png"
    assert f"[图片] {daily}" in out
    weekly = charts / "weekly-2026-W48-20261130-083000.png"
    assert f"周报（2026-W48） 图表：{weekly}" in out
    printed = re.findall(r"图表：(\S+\.png)", out)
    assert printed and all(Path(p).is_file() for p in printed)


async def test_one_day_demo_is_deterministic_per_seed(tmp_path: Path) -> None:
    first = await run_demo(seed=5, out=tmp_path)
    assert first == await run_demo(seed=5, out=tmp_path)
    assert "【反诈工作日报】演礼镇 11月23日（星期一）" in first


def test_demo_keeps_its_charts_and_refuses_a_foreign_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--seed", "2"]) == 0
    printed = re.findall(r"图表：(\S+\.png)", capsys.readouterr().out)
    assert printed and all(Path(p).is_file() for p in printed)
    shutil.rmtree(Path(printed[0]).parents[2])  # the demo's own new temporary folder
    (tmp_path / "notes.txt").write_text("mine", "utf-8")
    assert main(["demo", "--out", str(tmp_path)]) == 2
    assert "不是空的" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text("utf-8") == "mine"
