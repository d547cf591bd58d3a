"""The roster as a spreadsheet (.xlsx or .csv) the office keeps in Excel.

One row per member, columns 姓名, 角色, 村/单位, 微信号, 所在群, 手机号. Groups are not in
the sheet: they come from the current org, and an import replaces the members only.
Rows are checked with the org file's own rules (`bot.orgfile.parse_org`); its messages
are reworded to name the file, the row and the column. Nothing is kept when any row is bad.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

from bot.core.model import ROLE_LABELS, Org, Role
from bot.orgfile import OrgError, org_to_data, parse_org
from bot.web.exports import save_workbook, unescape_cell

COLUMNS = ("姓名", "角色", "村/单位", "微信号", "所在群", "手机号")
REQUIRED_COLUMNS = COLUMNS[:5]
# Column header → org file field; English headers and common variants are accepted too.
HEADER_ALIASES: dict[str, str] = {
    "姓名": "name",
    "名字": "name",
    "name": "name",
    "角色": "role",
    "role": "role",
    "村/单位": "unit",
    "村（单位）": "unit",
    "村(单位)": "unit",
    "单位": "unit",
    "村": "unit",
    "unit": "unit",
    "微信号": "wechat",
    "微信": "wechat",
    "wechat": "wechat",
    "所在群": "groups",
    "群": "groups",
    "groups": "groups",
    "手机号": "phone",
    "手机": "phone",
    "电话": "phone",
    "phone": "phone",
}
FIELD_COLUMNS = {
    "name": "姓名",
    "role": "角色",
    "unit": "村/单位",
    "wechat": "微信号",
    "groups": "所在群",
    "phone": "手机号",
}
ROLE_BY_LABEL: dict[str, Role] = {label: role for role, label in ROLE_LABELS.items()}
ROLE_BY_LABEL.update({role.value: role for role in Role})
ROLE_BY_LABEL.update({"组长": Role.LEADER, "副组长": Role.LEADER, "网格长": Role.SUPERVISOR})
ROLE_BY_LABEL.update({"网格员": Role.PUSHER, "联络员": Role.PUSHER, "职工": Role.HOUSEHOLD})

_GROUP_SPLIT = re.compile(r"[、,，;；\s]+")
_MEMBER_REF = re.compile(r"第 (\d+) 个成员")
_MISSING_FIELD = re.compile(r"缺少必填字段 (name|role|unit|wechat|groups|phone)")
_FIELD = re.compile(r"字段 (name|role|unit|wechat|groups|phone)\b ?")
_ROLE_REASON = re.compile(r"（(leader|office|supervisor|pusher|household) 必须属于某个村或单位）")

_ROLE_CHOICES = "应为 " + "、".join(r.value for r in Role) + " 之一"
_ROLE_LABELS = (
    f"应为 {'、'.join(ROLE_LABELS.values())}（或 {'、'.join(r.value for r in Role)}）之一"
)
_TERMS = (
    ("推送员（pusher）", "推送员"),
    (_ROLE_CHOICES, _ROLE_LABELS),
    ("不是任何群的 unit", "不是现有的村/单位"),
    ("已有的 unit", "已有的村/单位"),
)
MAX_ROWS = 100_000


@dataclass(frozen=True)
class RosterRow:
    """One sheet row as read (for the preview), with its 1-based row number."""

    number: int
    values: dict[str, str]


@dataclass
class RosterImport:
    """The outcome of reading a roster file: the new org, or every problem found."""

    filename: str
    rows: list[RosterRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    org: Org | None = None

    @property
    def ok(self) -> bool:
        """True when the file can be imported as is."""
        return self.org is not None and not self.errors


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Excel stores a phone number typed without a leading quote as a float.
        return str(int(value))
    return unescape_cell(str(value).strip())


def _read_table(filename: str, data: bytes, source: str) -> list[list[str]]:
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".csv":
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise OrgError([f"{source}：无法识别文件编码，请在 Excel 中另存为“CSV UTF-8”"])
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    if suffix == ".xlsx":
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
            raise OrgError([f"{source}：不是有效的 Excel（.xlsx）文件"]) from None
        try:
            sheet = book.worksheets[0]
            return [
                [_cell_text(v) for v in row]
                for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS)
            ]
        finally:
            book.close()
    raise OrgError([f"{source}：只支持 .xlsx 或 .csv 文件（请在 Excel 中另存为这两种格式之一）"])


def _reword(message: str, row_numbers: list[int]) -> str:
    """An org-file sentence about "第 N 个成员…字段 x" as one about "第 R 行…“列”"."""

    def row(m: re.Match[str]) -> str:
        # parse_org counts members 1..n; skipped blank lines make sheet rows differ.
        index = int(m.group(1))
        return f"第 {row_numbers[index - 1] if 0 < index <= len(row_numbers) else index + 1} 行"

    message = _MEMBER_REF.sub(row, message)
    message = _MISSING_FIELD.sub(lambda m: f"“{FIELD_COLUMNS[m.group(1)]}”列为空", message)
    message = _ROLE_REASON.sub(
        lambda m: f"（{ROLE_LABELS[Role(m.group(1))]}必须属于某个村或单位）", message
    )
    for org_term, sheet_term in _TERMS:
        message = message.replace(org_term, sheet_term)
    return _FIELD.sub(lambda m: f"“{FIELD_COLUMNS[m.group(1)]}”列", message)


def read_roster(filename: str, data: bytes, current: Org) -> RosterImport:
    """Read and check a roster sheet against the current org's groups; never raises."""
    name = PurePath(filename).name or "名册"
    source = f"名册文件 {name}"
    result = RosterImport(filename=name)
    try:
        table = _read_table(name, data, source)
    except OrgError as exc:
        result.errors = exc.errors
        return result
    while table and not any(table[-1]):
        table.pop()
    if not table:
        result.errors = [f"{source}：文件是空的，第 1 行应为表头：{'、'.join(COLUMNS)}"]
        return result

    header = table[0]
    columns: dict[int, str] = {}
    for index, title in enumerate(header):
        key = HEADER_ALIASES.get(title.strip()) or HEADER_ALIASES.get(title.strip().lower())
        if key is None:
            if title.strip():
                result.ignored_columns.append(title.strip())
        elif key in columns.values():
            result.errors.append(f"{source}：第 1 行表头“{title}”重复")
        else:
            columns[index] = key
    missing = [c for c in REQUIRED_COLUMNS if HEADER_ALIASES[c] not in columns.values()]
    if missing:
        result.errors.append(
            f"{source}：第 1 行表头缺少列 {'、'.join(missing)}（应有列：{'、'.join(COLUMNS)}）"
        )
        return result

    members: list[dict[str, Any]] = []
    row_numbers: list[int] = []
    for number, cells in enumerate(table[1:], start=2):
        values = {key: cells[i] if i < len(cells) else "" for i, key in columns.items()}
        if not any(values.values()):
            continue  # blank lines between blocks are common in hand-kept sheets
        result.rows.append(RosterRow(number, values))
        row_numbers.append(number)
        member: dict[str, Any] = {}
        for key, value in values.items():
            if not value:
                continue
            if key == "groups":
                member["groups"] = [g for g in _GROUP_SPLIT.split(value) if g]
            elif key == "role":
                role = ROLE_BY_LABEL.get(value) or ROLE_BY_LABEL.get(value.lower())
                member["role"] = role.value if role else value
            else:
                member[key] = value
        members.append(member)

    if not members:
        result.errors.append(f"{source}：除表头外没有任何成员行")
        return result
    if result.errors:
        return result
    data_dict = org_to_data(current)
    data_dict["members"] = members
    try:
        result.org = parse_org(data_dict, source)
    except OrgError as exc:
        result.errors = [_reword(e, row_numbers) for e in exc.errors]
    return result


def roster_changes(old: Org, new: Org) -> dict[str, int]:
    """How many members an import adds, removes and changes (by contact id)."""
    before = {m.wechat: m for m in old.members}
    after = {m.wechat: m for m in new.members}
    return {
        "added": sum(1 for w in after if w not in before),
        "removed": sum(1 for w in before if w not in after),
        "changed": sum(1 for w, m in after.items() if w in before and before[w] != m),
        "total": len(new.members),
    }


def roster_workbook(org: Org, unit: str | None, mask: bool) -> bytes:
    """The roster in the import format (so an export can be edited and imported again)."""
    from bot.web.dashboard import mask_phone

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "名册"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for m in org.members:
        if unit is not None and m.unit != unit:
            continue
        phone = mask_phone(m.phone) if mask else (m.phone or "")
        sheet.append(
            [m.name, ROLE_LABELS[m.role], m.unit or "", m.wechat, "、".join(m.groups), phone]
        )
    for column, width in zip("ABCDEF", (12, 8, 14, 16, 28, 14), strict=True):
        sheet.column_dimensions[column].width = width
    # Text format keeps phone numbers and ids from turning into numbers when edited.
    for row in sheet.iter_rows(min_row=2, min_col=4, max_col=6):
        for cell in row:
            cell.number_format = "@"
    return save_workbook(book)
