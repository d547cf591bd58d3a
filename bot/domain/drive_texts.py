"""What the bot says about 专项行动 (drives): to the command group and to a household that
volunteered privately. Never to a household unasked, never naming households."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.domain.coverage import percent
from bot.domain.drives import BEHIND, Drive, Milestone, UnitProgress
from bot.domain.model import Member
from bot.domain.texts import mention_line


def day_label(day: date) -> str:
    """ "12月15日"."""
    return f"{day.month}月{day.day}日"


def targets_label(milestones: Sequence[Milestone]) -> str:
    """ "12月15日前50%，12月31日前80%"."""
    return "，".join(f"{day_label(m.day)}前{m.rate * 100:g}%" for m in milestones)


def receipt_hint(drive: Drive) -> str:
    """How a household takes part: the phrases (and a screenshot in the village group)."""
    said = "/".join(f"“{p}”" for p in drive.phrases)
    shot = "，或在本村群里发一张截图" if drive.screenshot else ""
    return f"在本村群里或私信机器人说{said}{shot}"


def announcement(drive: Drive) -> str:
    """Posted to the command group when a drive is created (for the cadres to pass on)."""
    return "\n".join(
        [
            f"【专项行动】{drive.title}（{day_label(drive.starts)}—{day_label(drive.ends)}）",
            f"群众自愿参与后，{receipt_hint(drive)}，机器人自动计数，每户只计一次。",
            f"目标：{targets_label(drive.targets)}。",
            "请各村/单位做好宣传讲解，坚持群众自愿原则，不得强制或变相强制，"
            "机器人不会催促任何群众。",
        ]
    )


def thanks(drive: Drive) -> str:
    """The private answer to a household who told the bot privately."""
    return f"谢谢您的支持！已记下您参加“{drive.title}”。"


def unit_line(p: UnitProgress) -> str:
    """ "王家村 1/4户 25.0%（12月15日目标50%）落后"."""
    target = f"（{day_label(p.target.day)}目标{p.target.rate * 100:g}%）" if p.target else ""
    return f"{p.unit} {p.counted}/{p.households}户 {percent(p.rate)}{target}{p.status}"


def total_line(progress: Sequence[UnitProgress]) -> str:
    """ "全镇 12/40户 30.0%"."""
    counted = sum(p.counted for p in progress)
    total = sum(p.households for p in progress)
    return f"全镇 {counted}/{total}户 {percent(counted / total if total else None)}"


def progress_text(drive: Drive, progress: Sequence[UnitProgress], day: date) -> str:
    """The drive part of the 进度 answer."""
    lines = [f"【专项行动】{drive.title}（截至{day_label(day)}，{total_line(progress)}）"]
    lines += [unit_line(p) for p in progress]
    return "\n".join(lines)


def reminder(
    drive: Drive, lagging: Sequence[UnitProgress], cadres: Sequence[Member], day: date
) -> str:
    """The daily encouragement to the cadres of units behind their target (no households)."""
    lines = [
        f"【专项行动进度】{drive.title}（{day_label(day)}）",
        "以下村/单位离当前目标还差一点，请继续做好宣传讲解：",
    ]
    lines += [unit_line(p) for p in lagging]
    lines += [
        "群众自愿参与，不点名、不强制；多讲讲APP的预警功能，相信很快就能赶上，加油！",
        mention_line(cadres),
    ]
    return "\n".join(line for line in lines if line)


def bulletin_lines(drive: Drive, progress: Sequence[UnitProgress], final: bool) -> list[str]:
    """A drive's lines in a bulletin: the total, then each unit; behind ones marked."""
    head = f"{drive.title}：{total_line(progress)}（目标 {targets_label(drive.targets)}）"
    lines = [head]
    for p in progress:
        line = unit_line(p)
        if final and p.final is not None:
            reached = p.rate >= p.final.rate
            line = f"{p.unit} {p.counted}/{p.households}户 {percent(p.rate)}" + (
                "，达到最终目标" if reached else f"，未达到最终目标{p.final.rate * 100:g}%"
            )
        elif p.status == BEHIND:
            line += "，请加油"
        lines.append(line)
    return lines
