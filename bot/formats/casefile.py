"""The 发案统计 sheet: the template, a row-by-row checked import, and the ranking export.

Columns: 月份 | 村/单位 | 发案数（起） | 经济损失（元） — one row per unit and month, so a
year's figures (last year's included, for 同比) fit in one upload. Every problem names the
file, the row and the column; a file with any problem imports nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bot.domain.cases import (
    CaseFigure,
    FigureError,
    MonthRanking,
    month_label,
    parse_cases,
    parse_loss,
    parse_month,
)
from bot.domain.cases_texts import INTERVIEW_RULE, assessment_text, yoy_text
from bot.formats.orgfile import OrgError
from bot.formats.sheets import read_table
from bot.formats.xlsx import _header, _widths, save_workbook

HEADER = ("月份", "村/单位", "发案数（起）", "经济损失（元）")
KEYS = ("month", "unit", "cases", "loss")
# Header cells recognised per column (the template's, and what offices commonly type).
ALIASES = {
    "month": ("月份", "月", "年月"),
    "unit": ("村/单位", "村（社区）/单位", "村", "单位", "村(社区)/单位", "村/社区"),
    "cases": ("发案数（起）", "发案数", "发案数(起)", "案件数"),
    "loss": ("经济损失（元）", "经济损失", "损失", "经济损失(元)", "损失（元）", "损失金额"),
}
MAX_FIGURE_ROWS = 5000
EXPORT_HEADER = (
    "序号",
    "村/单位",
    "发案数（起）",
    "发案数名次",
    "经济损失（元）",
    "损失名次",
    "人口",
    "人口来源",
    "万人发案数",
    "万人发案名次",
    "同比（当月）",
    "无诈村组（1月至本月）",
    "备注",
)


@dataclass(frozen=True)
class FigureRow:
    """One data row of an upload: its number in the file and the cells as read."""

    number: int
    values: dict[str, str]


@dataclass
class CaseImport:
    """A checked upload: the figures when `ok`, else every problem found."""

    filename: str
    rows: list[FigureRow] = field(default_factory=list)
    figures: list[CaseFigure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing wrong: the figures may be written."""
        return not self.errors and bool(self.figures)


def template_workbook(units: Sequence[str], month: str) -> bytes:
    """The upload template: the header and one row per village/unit for `month`."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "发案统计"
    _header(sheet, 1, HEADER)
    for unit in units:
        sheet.append([month, unit, 0, 0])
    _widths(sheet, (10, 16, 12, 16))
    return save_workbook(book)


def _columns(header: list[str], source: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        for key, names in ALIASES.items():
            if title.replace(" ", "") in names and key not in found:
                found[key] = index
    missing = [HEADER[KEYS.index(k)] for k in KEYS if k not in found]
    if missing:
        raise OrgError(
            [
                f"{source}：第 1 行应为表头，缺少列 {'、'.join(missing)}"
                f"（请使用“下载模板”得到的表格：{' | '.join(HEADER)}）"
            ]
        )
    return found


def read_case_file(filename: str, data: bytes, units: Sequence[str]) -> CaseImport:
    """Check every row of an uploaded sheet against the roster's villages/units."""
    source = f"文件 {filename}"
    result = CaseImport(filename)
    try:
        table = read_table(filename, data, source)
        if not table:
            raise OrgError([f"{source}：文件是空的（没有表头也没有数据）"])
        columns = _columns(table[0], source)
    except OrgError as exc:
        result.errors = list(exc.errors)
        return result
    if len(table) - 1 > MAX_FIGURE_ROWS:
        result.errors = [f"{source}：数据超过 {MAX_FIGURE_ROWS} 行，请分开上传"]
        return result
    seen: dict[tuple[str, str], int] = {}
    for number, cells in enumerate(table[1:], start=2):
        if not any(cells):
            continue
        values = {k: (cells[i] if i < len(cells) else "") for k, i in columns.items()}
        result.rows.append(FigureRow(number, values))
        figure = _check_row(result, source, number, values, columns, units)
        if figure is None:
            continue
        first = seen.setdefault((figure.unit, figure.month), number)
        if first != number:
            result.errors.append(
                f"{source} 第 {number} 行：{figure.unit} {month_label(figure.month)} "
                f"与第 {first} 行重复（每个村/单位每月只能有一行）"
            )
            continue
        result.figures.append(figure)
    if not result.rows and not result.errors:
        result.errors.append(f"{source}：表头下面没有数据行")
    return result


def _check_row(
    result: CaseImport,
    source: str,
    number: int,
    values: dict[str, str],
    columns: dict[str, int],
    units: Sequence[str],
) -> CaseFigure | None:
    def where(key: str) -> str:
        letter = get_column_letter(columns[key] + 1)
        return f"{source} 第 {number} 行 {letter} 列（{HEADER[KEYS.index(key)]}）"

    before = len(result.errors)
    parsed: dict[str, object] = {}
    for key, parse in (("month", parse_month), ("cases", parse_cases), ("loss", parse_loss)):
        if key == "month" and not values[key].strip():
            result.errors.append(f"{where(key)}：不能为空")
            continue
        try:
            parsed[key] = parse(values[key])
        except FigureError as exc:
            result.errors.append(f"{where(key)}：{exc}")
    unit = values["unit"].strip()
    if not unit:
        result.errors.append(f"{where('unit')}：不能为空")
    elif unit not in units:
        shown = "、".join(units[:10]) + ("等" if len(units) > 10 else "")
        result.errors.append(f"{where('unit')}：{unit} 不是名册中的村/单位（已有：{shown}）")
    if len(result.errors) > before:
        return None
    month, cases, loss = parsed["month"], parsed["cases"], parsed["loss"]
    assert isinstance(month, str) and isinstance(cases, int) and isinstance(loss, int)
    return CaseFigure(unit, month, cases, loss)


def ranking_workbook(
    ranking: MonthRanking, town: str, tz: tzinfo, now: datetime, unit: str | None = None
) -> bytes:
    """A month's 发案 ranking as .xlsx (only `unit`'s row for a supervisor). Losses in 元."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "发案排名"
    sheet["A1"] = f"{town}{month_label(ranking.month)}电信网络诈骗发案情况排名"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = f"统计截至：{now.astimezone(tz):%Y-%m-%d %H:%M}；约谈：{INTERVIEW_RULE}"
    _header(sheet, 4, EXPORT_HEADER)
    rows = [r for r in ranking.rows if unit is None or r.unit == unit]
    for i, r in enumerate(rows, 1):
        sheet.append(
            [
                i,
                r.unit,
                r.cases,
                r.rank_cases,
                r.loss_fen / 100,
                r.rank_loss,
                r.population.people,
                r.population.source,
                "—" if r.per_10k is None else round(r.per_10k, 2),
                r.rank_rate,
                yoy_text(r.month_yoy),
                assessment_text(r.ytd_yoy),
                "约谈" if r.interview else ("三项均最高" if r.top else ""),
            ]
        )
    if not ranking.entered:
        sheet.append(["", f"{month_label(ranking.month)}尚未填报"])
    for row in sheet.iter_rows(min_row=5, min_col=5, max_col=5):
        for cell in row:
            cell.number_format = "#,##0.00"
    _widths(sheet, (6, 14, 10, 8, 14, 8, 8, 10, 10, 10, 14, 30, 10))
    return save_workbook(book)
