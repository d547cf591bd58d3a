"""Reading an uploaded sheet (.csv or .xlsx) into rows of text, within size caps.

A file over a cap is refused whole, never cut short. Problems raise `OrgError` (the roster
import reports them like the org file's): one sentence naming the file.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from pathlib import PurePath
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from bot.formats.orgfile import OrgError
from bot.formats.xlsx import unescape_cell

__all__ = ["MAX_COLUMNS", "MAX_FILE_BYTES", "MAX_ROWS", "MAX_UNPACKED_BYTES", "read_table"]

# Caps that keep one upload from holding a worker for minutes (a town has ~1,300 people;
# a county file belongs in the org file). Over a cap the file is refused, never cut short.
MAX_ROWS = 100_000
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_COLUMNS = 64


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Excel stores a phone number typed without a leading quote as a float.
        return str(int(value))
    return unescape_cell(str(value).strip())


def _too_many_rows(source: str) -> OrgError:
    return OrgError(
        [
            f"{source}：行数超过上限 {MAX_ROWS} 行，没有导入任何数据"
            "（请删去多余的空行或其他工作表内容；全县规模的名册请用组织文件导入）"
        ]
    )


def read_table(filename: str, data: bytes, source: str) -> list[list[str]]:
    """The rows of a .csv or .xlsx file as text, up to the last non-blank one."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise OrgError(
            [f"{source}：只支持 .xlsx 或 .csv 文件（请在 Excel 中另存为这两种格式之一）"]
        )
    if len(data) > MAX_FILE_BYTES:
        raise OrgError(
            [
                f"{source}：文件大小 {len(data) / 1024 / 1024:.1f} MB 超过上限 "
                f"{MAX_FILE_BYTES // 1024 // 1024} MB，没有导入任何数据"
            ]
        )
    return _read_csv(data, source) if suffix == ".csv" else _read_xlsx(data, source)


def _read_csv(data: bytes, source: str) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise OrgError([f"{source}：无法识别文件编码，请在 Excel 中另存为“CSV UTF-8”"])
    # newline="" lets the csv module split \r\n, \n and old Mac \r-only lines alike.
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _collect(([cell.strip() for cell in row[:MAX_COLUMNS]] for row in reader), source)
    except csv.Error:
        raise OrgError(
            [
                f"{source}：第 {reader.line_num} 行不是有效的 CSV（单元格过长或引号不成对），"
                "请在 Excel 中重新另存为 CSV"
            ]
        ) from None


def _collect(rows: Iterable[list[str]], source: str) -> list[list[str]]:
    """The rows up to the last non-blank one; more than MAX_ROWS of those is an error.

    Sheets often carry formatted but empty rows far below the data: those do not count.
    """
    table: list[list[str]] = []
    blanks = 0
    for row in rows:
        if not any(row):
            blanks += 1
            continue
        if len(table) + blanks >= MAX_ROWS:
            raise _too_many_rows(source)
        table.extend([] for _ in range(blanks))
        blanks = 0
        table.append(row)
    return table


def _read_xlsx(data: bytes, source: str) -> list[list[str]]:
    invalid = OrgError([f"{source}：不是有效的 Excel（.xlsx）文件"])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise invalid from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise OrgError(
            [f"{source}：解压后超过 {MAX_UNPACKED_BYTES // 1024 // 1024} MB，没有导入任何数据"]
        )
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise invalid from None
    try:
        sheet = book.worksheets[0]
        cells = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        return _collect(([_cell_text(v) for v in row] for row in cells), source)
    finally:
        book.close()
