"""The month-long demo's 回访抽查: the 督导组 (the office's login) draws a round, fills in the
exported call list and uploads it back, and the 月度排名 shows each village's 知晓率.

The sample town's households have no phone numbers, so the office first re-imports the
roster with the numbers the villages collected (about nine in ten households). Outcomes are
drawn from a generator of their own, so the rest of the demo plays exactly as without them.
Times: the roster on Tuesday 11-24, the round on Wednesday 11-25, the filled-in list
uploaded in two halves on 11-26 and 11-27 (so the round is completed in November and the
12-01 月度排名 shows it), and a second round in mid-December that skips the households
called three weeks before.
"""

from __future__ import annotations

import io
import random
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from openpyxl import load_workbook

from bot.app import App
from bot.callbacks import draw_round, record_outcomes
from bot.domain.callbacks import KNOWN, UNKNOWN, UNREACHABLE, SampleRule, awareness, rate_text
from bot.domain.model import Role
from bot.formats.callbackfile import call_list_workbook, read_call_list
from bot.schedule.callback_section import TITLE

if TYPE_CHECKING:
    from bot.cli.demo import DemoScript
    from bot.cli.demo_workflows import DemoWorkflow
    from bot.runtime import Runtime

RULE = SampleRule(per_village=None, percent=2, minimum=3, maximum=6, exclude_days=30)
SEEDS = (20261125, 20261215)
Action = Callable[[], Awaitable[None]]
SAID = {KNOWN: "知道", UNKNOWN: "不知道", UNREACHABLE: "联系不上"}  # typed as people do


def _who(script: DemoScript) -> str:
    return f"{script.office.name}（办公室·督导组）"


def _phones(script: DemoScript) -> None:
    """Re-import the roster with households' phone numbers (one in ten stays without)."""
    rt, rng = script.rt, random.Random("demo-callback-phones")
    org = rt.app.org
    members = []
    for m in org.members:
        if m.role is Role.HOUSEHOLD and not m.phone and rng.random() < 0.9:
            m = replace(m, phone=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}")
        members.append(m)
    now = script.clock.now()
    App.import_roster(rt.store, replace(org, members=tuple(members)), now, "补录户主电话")
    rt.app.reload_roster()


def _outcome(unit_index: int, wechat: str) -> str:
    """What one household answers: villages differ (some know far more than others)."""
    rng = random.Random(f"demo-callback:{wechat}")
    if rng.random() < 0.12:
        return UNREACHABLE
    return KNOWN if rng.random() < 0.95 - 0.07 * (unit_index % 6) else UNKNOWN


def _upload_half(script: DemoScript, round_id: int, half: int) -> None:
    """Fill in half of the exported list and record it the way the dashboard's upload does."""
    store = script.rt.store
    calls = store.callback_calls(round_id)
    book = load_workbook(io.BytesIO(call_list_workbook(round_id, calls)))
    sheet = book.worksheets[0]
    units = list(dict.fromkeys(c.unit for c in calls))
    for row, call in enumerate(calls, 2):
        if row % 2 == half:
            said = SAID[_outcome(units.index(call.unit), call.wechat)]
            sheet.cell(row=row, column=5, value=said)
    buffer = io.BytesIO()
    book.save(buffer)
    name = f"第{round_id}轮回访名单.xlsx"
    upload = read_call_list(name, buffer.getvalue(), round_id, calls)
    assert not upload.errors, upload.errors
    now = script.clock.now()
    record_outcomes(store, round_id, upload.entries, now, _who(script), f"上传 {name}")


def plan(script: DemoScript, days: int) -> None:
    """Schedule the roster, the two rounds and their uploads within `days`."""
    start = script.clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
    rounds: list[int] = []

    def at(day: int, hour: int, action: Action) -> None:
        if day < days:
            script.at(start + timedelta(days=day, hours=hour), action)

    async def phones() -> None:
        _phones(script)

    def drawer(seed: int) -> Action:
        async def draw() -> None:
            rt = script.rt
            drawn = draw_round(
                rt.store, rt.app.org, script.clock.now(), _who(script), [], RULE, seed
            )
            rounds.append(drawn.round_id)

        return draw

    def uploader(index: int, half: int) -> Action:
        async def upload() -> None:
            _upload_half(script, rounds[index], half)

        return upload

    at(1, 17, phones)
    at(2, 10, drawer(SEEDS[0]))
    at(3, 16, uploader(0, 0))
    at(4, 16, uploader(0, 1))
    at(22, 10, drawer(SEEDS[1]))
    at(23, 16, uploader(1, 0))


def summary(rt: Runtime) -> str:
    """Each round (drawn, skipped, completed, 知晓率) and the 月度排名's 回访 lines."""
    lines = []
    tz = rt.app.config.tz
    for round_ in reversed(rt.store.callback_rounds()):
        calls = rt.store.callback_calls(round_.id)
        no_phone = sum(s.no_phone for s in round_.skips.values())
        recent = sum(s.recent for s in round_.skips.values())
        done = "进行中"
        if round_.completed_at:
            done = f"{round_.completed_at.astimezone(tz):%m-%d %H:%M} 完成"
        lines.append(
            f"第{round_.id}轮：{round_.created_at.astimezone(tz):%m-%d %H:%M} 抽取（随机种子 "
            f"{round_.seed}，{round_.rule.describe()}），{len(round_.units)} 个村/单位共 "
            f"{len(calls)} 户；无电话跳过 {no_phone} 户，近期已抽跳过 {recent} 户；{done}"
        )
        for item in awareness(calls, round_.units):
            lines.append(f"  {item.unit}：{rate_text(item)}")
    monthly = [b for b in rt.store.bulletins(kind="月度排名") if TITLE in b.text]
    for bulletin in reversed(monthly):
        section = bulletin.text[bulletin.text.index(TITLE) :].splitlines()
        lines.append(f"{bulletin.period} 月度排名中的回访一节：")
        lines.extend(f"  {line}" for line in section if not line.startswith("（图表"))
    return "\n".join(lines)


def workflow() -> DemoWorkflow:
    """The demo entry for 回访抽查."""
    from bot.cli.demo_workflows import DemoWorkflow

    return DemoWorkflow("回访抽查", plan, summary)
