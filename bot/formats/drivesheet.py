"""The Excel export of a 专项行动 (drive): each unit's count against its targets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from openpyxl import Workbook

from bot.domain.drive_texts import day_label, targets_label
from bot.domain.drives import Drive, UnitProgress
from bot.formats.xlsx import _header, _percent_columns, _widths, save_workbook

DRIVE_HEADER = (
    "序号",
    "村/单位",
    "户数",
    "已参与户数",
    "参与率",
    "当前目标日期",
    "当前目标",
    "应达进度",
    "最终目标",
    "状态",
)


def drive_workbook(drive: Drive, progress: Sequence[UnitProgress], day: date) -> bytes:
    """A drive's units (with a 全镇 total row) as .xlsx bytes; rates are numbers in % format."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "专项行动进度"
    sheet.append([f"专项行动：{drive.title}"])
    sheet.append(
        [
            f"行动期间 {day_label(drive.starts)}—{day_label(drive.ends)}；"
            f"目标 {targets_label(drive.targets)}；回执用语 {'、'.join(drive.phrases)}"
            f"{'、截图' if drive.screenshot else ''}；统计截至 {day.isoformat()}；群众自愿参与"
        ]
    )
    _header(sheet, 3, DRIVE_HEADER)
    for n, p in enumerate(progress, 1):
        sheet.append(
            [
                n,
                p.unit,
                p.households,
                p.counted,
                p.rate,
                p.target.day.isoformat() if p.target else "",
                p.target.rate if p.target else None,
                p.pace,
                p.final.rate if p.final else None,
                p.status,
            ]
        )
    total = sum(p.households for p in progress)
    counted = sum(p.counted for p in progress)
    sheet.append(["", "全镇", total, counted, counted / total if total else None])
    _percent_columns(sheet, 4, (5, 7, 8, 9))
    _widths(sheet, (6, 16, 8, 12, 10, 14, 10, 10, 10, 10))
    return save_workbook(book)
