"""What a newcomer tries first: check-config without arguments, the examples in the help
texts against the sample town, and a 今日工作 report on a day without a bulletin."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

import bot.cli.console
from bot.__main__ import main
from bot.cli.console import CONSOLE_HELP, Console
from bot.clock import SimClock
from bot.config import Config
from bot.formats.orgfile import load_org
from bot.nlp.commands import HELP_TEXT
from bot.runtime import build
from tests.conftest import small_town

README = Path("README.md").read_text("utf-8")
SAMPLE = load_org(Path("examples/town.toml"))


def test_check_config_without_argument_checks_the_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check-config"]) == 0
    out = capsys.readouterr().out
    assert "配置有效：默认配置" in out and "演礼镇" in out and "素材库：" in out


def console_examples() -> list[str]:
    block = README.split("### 终端控制台")[1].split("```")[1]
    lines = [line for line in block.splitlines() if line.startswith(("as ", "who "))]
    lines += re.findall(r"例如  (as .+)", CONSOLE_HELP)
    for line in (bot.cli.console.__doc__ or "").splitlines():
        if line.startswith("as "):
            lines.append(re.split(r"\s{2,}\(", line)[0])
        elif line.startswith("groups / "):
            lines += [part for part in line.split(" / ") if part.startswith("who ")]
    return lines


async def test_console_examples_work_in_the_sample_town(config: Config, tmp_path: Path) -> None:
    examples = console_examples()
    assert len(examples) >= 8
    shot = tmp_path / "shot.png"
    shot.write_bytes(b"\x89PNG")
    rt = build(config, SimClock(datetime.fromisoformat("2026-11-23T09:00:00+08:00")))
    assert rt.app.org.town == SAMPLE.town
    said: list[str] = []
    console = Console(lambda: rt.app.org, rt.simulator, said.append)
    for line in examples:
        said.clear()
        await console.feed(line.replace("./shot.png", str(shot)))
        problems = [s for s in said if s.startswith(("⚠", "看不懂", "（提示"))]
        assert not problems, f"{line} → {problems}"
    rt.store.close()


def test_help_scopes_name_units_of_the_sample_town() -> None:
    scopes = re.findall(r"范围[:：]([^`（\n]+)", HELP_TEXT + README)
    names = {n.strip() for s in scopes for n in re.split(r"[、,，]", s) if n.strip()}
    assert names and names <= set(SAMPLE.units), names - set(SAMPLE.units)


def test_readme_roster_row_fits_the_sample_town() -> None:
    table = README.split("### 名册表格格式")[1].split("\n\n")[1]
    row = table.splitlines()[2]
    name, _, unit, wechat, groups, _ = (c.strip() for c in row.strip().strip("|").split("|"))
    member = SAMPLE.member(wechat)
    assert member is not None and member.name == name and member.unit == unit
    assert set(re.split("[、,]", groups)) == set(member.groups)


@pytest.mark.parametrize(
    ("when", "reply"),
    [
        ("2026-11-28T18:30:00+08:00", "将纳入11月30日（星期一）的日报"),  # Saturday
        ("2026-10-03T18:30:00+08:00", "将纳入10月8日（星期四）的日报"),  # National Day
        ("2026-10-10T18:30:00+08:00", "将纳入今晚通报"),  # a make-up Saturday (调休)
        ("2026-11-27T18:30:00+08:00", "将纳入今晚通报"),  # Friday
    ],
)
async def test_a_work_report_says_which_bulletin_will_carry_it(
    config: Config, when: str, reply: str
) -> None:
    clock = SimClock(datetime.fromisoformat(when))
    rt = build(config, clock, org=small_town())
    await rt.app.handle(rt.simulator.message("lj_p1", "今日工作：入户宣传15户", "cmd"))
    await rt.app.settle()
    [answer] = [line.text for line in rt.simulator.pop_sent()]
    assert reply in answer
    day = clock.now().date()
    stored = rt.store.work_reports(day, day + timedelta(days=14))
    expected = rt.app.calendar.next_workday(day)
    assert [r.day for r in stored] == [expected]
    rt.store.close()
