"""The 预警劝阻单 register as an .xlsx workbook (one row per warning, as the viewer sees it)."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl import Workbook

from bot.formats.xlsx import _header, _widths, save_workbook

WARNING_HEADER = (
    "编号",
    "下发时间",
    "下发人",
    "姓名",
    "电话",
    "身份证号",
    "预警内容",
    "风险",
    "村/单位",
    "负责人",
    "状态",
    "签收时间",
    "签收时限",
    "签收情况",
    "劝阻时间",
    "劝阻时限",
    "劝阻情况",
    "方式",
    "结果",
    "反馈",
    "评价",
    "评价说明",
)
_WIDTHS = (6, 17, 16, 10, 14, 20, 28, 6, 12, 10, 8, 17, 17, 12, 17, 17, 12, 6, 8, 30, 10, 24)


def warnings_workbook(rows: Sequence[Sequence[str | int]]) -> bytes:
    """The register: a header and one row per warning (already masked for the viewer)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "预警劝阻单"
    _header(sheet, 1, WARNING_HEADER)
    for r, row in enumerate(rows, 2):
        for c, value in enumerate(row, 1):
            sheet.cell(row=r, column=c, value=value)
    _widths(sheet, _WIDTHS)
    sheet.freeze_panes = "A2"
    return save_workbook(book)
