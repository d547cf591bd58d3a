"""Excel workbooks for the office's own 通报: a push's coverage and the unit ranking.

Rates are real numbers with a percent format, so they paste into a report or a formula
as numbers, not text. Text that Excel or WPS would run as a formula (a roster or unit
name starting with = + - @, a tab or a carriage return) is written with a leading single
quote, as OWASP recommends against CSV/formula injection: the exports never hold formulas.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime, tzinfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from bot.domain.coverage import SCORE_RULE, PushCoverage, UnitRank, rate
from bot.domain.model import Delivery, Group, Member
from bot.domain.texts import PERIOD_LABELS, push_name

COVERAGE_HEADER = (
    "序号",
    "村/单位",
    "推送员",
    "已签收",
    "签收率",
    "目标群",
    "已送达",
    "送达率",
    "户数",
    "覆盖户数",
    "覆盖率",
    "回执户数",
    "回执率",
)
RANKING_HEADER = ("名次", "村/单位", "推送次数", "签收率", "送达率", "回执率", "得分", "备注")
_PERCENT = "0.0%"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_BOLD = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")


def _header(sheet: Worksheet, row: int, titles: Sequence[str]) -> None:
    for col, title in enumerate(titles, 1):
        cell = sheet.cell(row=row, column=col, value=title)
        cell.font = _BOLD
        cell.fill = _HEAD_FILL
        cell.alignment = Alignment(horizontal="center")


def _percent_columns(sheet: Worksheet, first_row: int, columns: Sequence[int]) -> None:
    for row in sheet.iter_rows(min_row=first_row):
        for cell in row:
            if cell.column in columns:
                cell.number_format = _PERCENT


def _widths(sheet: Worksheet, widths: Sequence[int]) -> None:
    for col, width in enumerate(widths, 1):
        sheet.column_dimensions[sheet.cell(row=1, column=col).column_letter].width = width


def escape_cell(text: str) -> str:
    """Text a spreadsheet will show as typed, never evaluate ("=1+1" → "'=1+1")."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unescape_cell(text: str) -> str:
    """Undo `escape_cell` (so an exported roster imports back unchanged)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def save_workbook(book: Workbook) -> bytes:
    """The workbook as .xlsx bytes, every text cell escaped against formula injection."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                # openpyxl stores a string starting with "=" as a formula (data_type "f").
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                    cell.value = escape_cell(cell.value)
                    cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def coverage_workbook(
    cov: PushCoverage,
    unsigned: Sequence[Member],
    undelivered: Sequence[tuple[Delivery, Group, Sequence[Member]]],
    tz: tzinfo,
    now: datetime,
) -> bytes:
    """A push's coverage by unit (with a total row) and its laggards, as .xlsx bytes."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    _coverage_sheet(sheet, cov, tz, now)
    _laggard_sheet(book.create_sheet("未完成"), unsigned, undelivered)
    return save_workbook(book)


def _coverage_sheet(sheet: Worksheet, cov: PushCoverage, tz: tzinfo, now: datetime) -> None:
    push = cov.push
    sheet.title = "覆盖情况"
    sheet["A1"] = f"{push_name(push)}覆盖情况"
    sheet["A1"].font = Font(bold=True, size=14)
    deadline = push.deadline.astimezone(tz).strftime("%Y-%m-%d %H:%M") if push.deadline else "未设"
    sheet["A2"] = (
        f"发起：{push.created_at.astimezone(tz):%Y-%m-%d %H:%M}　截止：{deadline}　"
        f"统计截至：{now.astimezone(tz):%Y-%m-%d %H:%M}"
    )
    _header(sheet, 4, COVERAGE_HEADER)
    for i, u in enumerate(cov.units, 1):
        sheet.append(
            [
                i,
                u.unit,
                u.pushers,
                u.signed,
                rate(u.signed, u.pushers),
                u.groups,
                u.delivered,
                rate(u.delivered, u.groups),
                u.households,
                u.reached,
                rate(u.reached, u.households),
                u.acks + u.read_acks,
                rate(u.acks + u.read_acks, u.households),
            ]
        )
    sheet.append(
        [
            "",
            "合计",
            cov.pushers,
            cov.signed,
            cov.sign_rate,
            cov.groups,
            cov.delivered,
            cov.delivery_rate,
            cov.households,
            cov.reached,
            cov.reach,
            cov.acks,
            cov.ack_rate,
        ]
    )
    for cell in sheet[sheet.max_row]:
        cell.font = _BOLD
    _percent_columns(sheet, 5, (5, 8, 11, 13))
    _widths(sheet, (6, 14, 8, 8, 8, 8, 8, 8, 8, 10, 8, 10, 8))


def _laggard_sheet(
    lag: Worksheet,
    unsigned: Sequence[Member],
    undelivered: Sequence[tuple[Delivery, Group, Sequence[Member]]],
) -> None:
    lag["A1"] = "未签收推送员"
    lag["A1"].font = _BOLD
    _header(lag, 2, ("姓名", "村/单位"))
    for m in unsigned:
        lag.append([m.name, m.unit or ""])
    if not unsigned:
        lag.append(["（已全部签收）", ""])
    lag.append([])
    start = lag.max_row + 1
    lag.cell(row=start, column=1, value="未送达群").font = _BOLD
    _header(lag, start + 1, ("群", "村/单位", "负责推送员"))
    for delivery, group, pushers in undelivered:
        names = "、".join(p.name for p in pushers) or "无推送员"
        lag.append([group.name, delivery.unit or "", names])
    if not undelivered:
        lag.append(["（已全部送达）", "", ""])
    _widths(lag, (24, 14, 24))


def ranking_workbook(
    rows: Sequence[UnitRank],
    period: str,
    pushes: int,
    tz: tzinfo,
    now: datetime,
) -> bytes:
    """The unit ranking of a period (the rows a viewer may see), as .xlsx bytes.

    An ack rate the bot cannot see is written as "—", not as an empty or zero cell.
    """
    label = PERIOD_LABELS.get(period, period)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"{label}排名"
    sheet["A1"] = f"{label}村/单位排名（{pushes}次推送；{SCORE_RULE}）"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = f"统计截至：{now.astimezone(tz):%Y-%m-%d %H:%M}"
    _header(sheet, 4, RANKING_HEADER)
    for r in rows:
        ack: float | str = "—" if r.ack_rate is None else r.ack_rate
        flag = "约谈" if r.flagged else ""
        sheet.append([r.rank, r.unit, r.pushes, r.sign_rate, r.delivery_rate, ack, r.points, flag])
    _percent_columns(sheet, 5, (4, 5, 6))
    for row in sheet.iter_rows(min_row=5, min_col=7, max_col=7):
        for cell in row:
            cell.number_format = "0.0"
    _widths(sheet, (6, 14, 10, 8, 8, 8, 8, 8))
    return save_workbook(book)
