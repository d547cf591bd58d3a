"""The month-long demo's 专项行动: "推广国家反诈中心APP" from the first Monday for a month.

The office starts it in the command group; households volunteer "已安装" (some in
traditional characters, with an emoji, as a quote reply, a screenshot in their group, or
privately) at their own pace, some say "还没装" (not counted). Units differ in how many take
part, so some reach the 80% target and some do not; the 18:00 job encourages the ones behind.
Its own seeded generator keeps the rest of the demo's randomness as it was.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.chat.drives import drive_progress
from bot.domain.drive_texts import day_label
from bot.domain.model import Member, MessageKind, Mode, Role

if TYPE_CHECKING:
    from bot.cli.demo import DemoScript
    from bot.runtime import Runtime

DRIVE_COMMAND = (
    "专项行动 推广国家反诈中心APP 回执:已安装、已注册、装好了 目标:12月7日50%,12月22日80% 截图"
)
DRIVE_DAYS = 30
SAYS = [
    "已安装",
    "已安装👍",
    "装好了",
    "已经安装了，谢谢提醒",
    "已注册",
    "全家都安装了",
    "已安裝",
    "✅已安装",
    "「网格员：国家反诈中心APP能识别诈骗电话，大家自愿安装」\n"
    "- - - - - - - - - - - - - - -\n已安装",
]
NOT_YET = ["还没装，过两天", "装不上怎么办", "不会装，等孙子回来"]
SEED = 20261123


def plan(script: DemoScript, days: int) -> None:
    """Start the drive on the first morning and schedule the households' volunteering."""
    start = script.clock.now().replace(hour=9, minute=20, second=0, microsecond=0)
    script.at(start, script.say(script.office, DRIVE_COMMAND, script.command))
    rng = random.Random(SEED)
    span = min(days, DRIVE_DAYS) - 1
    households = [m for m in script.org.members if m.role is Role.HOUSEHOLD and m.unit]
    keen = {unit: rng.uniform(0.55, 1.0) for unit in script.org.units}
    for m in households:
        if rng.random() < 0.05:
            _act(script, m, rng.choice(NOT_YET), start, rng, span)
        if rng.random() < keen[m.unit or ""]:
            _act(script, m, rng.choice(SAYS), start, rng, span)


def _act(
    script: DemoScript, m: Member, text: str, start: datetime, rng: random.Random, span: int
) -> None:
    day = min(span, int(rng.triangular(0, span, 0)))
    when = start + timedelta(days=day, minutes=rng.randint(30, 11 * 60))
    room = script.org.group(m.groups[0]) if m.groups else None
    group = room.id if room is not None else None
    if (room is not None and room.mode is Mode.EVIDENCE) or rng.random() < 0.15:
        group = None  # the bot is not in that group, or the household prefers to say it privately
    if group is not None and text in SAYS and rng.random() < 0.1:
        data = b"\x89PNG\r\n\x1a\n" + rng.randbytes(32)
        script.at(when, script.say(m, "", group, kind=MessageKind.IMAGE, data=data))
        return
    script.at(when, script.say(m, text, group))


def summary(rt: Runtime) -> str:
    """Each unit's final count against the month-end target."""
    app = rt.app
    drives = app.store.drives()
    if not drives:
        return ""
    drive = drives[-1]
    progress = drive_progress(app.context(app.clock.now()), drive, drive.ends)
    final = drive.targets[-1]
    lines = [
        f"{drive.title}（{day_label(drive.starts)}—{day_label(drive.ends)}，"
        f"目标{day_label(final.day)}前{final.rate * 100:g}%，群众自愿参与）"
    ]
    for p in progress:
        mark = "达标" if p.rate >= final.rate else "未达标"
        lines.append(f"{p.unit} {p.counted}/{p.households}户 {p.rate * 100:.1f}% {mark}")
    reached = sum(1 for p in progress if p.rate >= final.rate)
    lines.append(f"达标 {reached} 个、未达标 {len(progress) - reached} 个村/单位")
    return "\n".join(lines)
