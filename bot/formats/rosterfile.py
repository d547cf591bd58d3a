"""The roster as a spreadsheet (.xlsx or .csv) the office keeps in Excel.

One row per member, columns 姓名, 角色, 村/单位, 微信号, 所在群, 手机号. Groups are not in
the sheet: they come from the current org, and an import replaces the members only.
Rows are checked with the org file's own rules (`bot.formats.orgfile.parse_org`); its messages
are reworded to name the file, the row and the column. Nothing is kept when any row is bad.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from bot.domain.model import ROLE_LABELS, Member, Org, Role
from bot.domain.privacy import mask_phone
from bot.formats.orgdump import org_to_data
from bot.formats.orgfile import OrgError, parse_org
from bot.formats.sheets import read_table
from bot.formats.xlsx import save_workbook

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
        table = read_table(name, data, source)
    except OrgError as exc:
        result.errors = exc.errors
        return result
    while table and not any(table[-1]):
        table.pop()
    if not table:
        result.errors = [f"{source}：文件是空的，第 1 行应为表头：{'、'.join(COLUMNS)}"]
        return result

    columns = _columns(table[0], source, result)
    if columns is None:
        return result

    members: list[dict[str, Any]] = []
    row_numbers: list[int] = []
    for number, cells in enumerate(table[1:], start=2):
        values = {key: cells[i] if i < len(cells) else "" for i, key in columns.items()}
        if not any(values.values()):
            continue  # blank lines between blocks are common in hand-kept sheets
        result.rows.append(RosterRow(number, values))
        row_numbers.append(number)
        members.append(_member_fields(values))

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


def _columns(header: list[str], source: str, result: RosterImport) -> dict[int, str] | None:
    """Column index → org file field; None when a required column is missing.

    Unknown headers are noted in `result.ignored_columns`, problems in `result.errors`.
    """
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
        return None
    return columns


def _member_fields(values: dict[str, str]) -> dict[str, Any]:
    """One row as an org file [[members]] entry: groups split, role labels to role names."""
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
    return member


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


# Losing any of these silently stops pushes or reports, however small the roster change.
KEY_ROLES = frozenset({Role.LEADER, Role.OFFICE, Role.PUSHER})
# Removing more than this share of the roster needs the typed confirmation too.
TYPED_CONFIRM_SHARE = 0.1
_LISTED_REMOVALS = 50


@dataclass(frozen=True)
class Removal:
    """What an import takes away, as the preview must show it first."""

    before: int
    members: tuple[Member, ...]

    @property
    def count(self) -> int:
        """How many members the import removes."""
        return len(self.members)

    @property
    def households(self) -> int:
        """Removed households (counted, not named)."""
        return sum(1 for m in self.members if m.role is Role.HOUSEHOLD)

    @property
    def named(self) -> tuple[Member, ...]:
        """Removed leaders, office staff, supervisors and pushers (each is named)."""
        return tuple(m for m in self.members if m.role is not Role.HOUSEHOLD)

    @property
    def needs_typed_confirm(self) -> bool:
        """More than a tenth of the roster, or any leader, office or pusher, goes."""
        return self.count > self.before * TYPED_CONFIRM_SHARE or any(
            m.role in KEY_ROLES for m in self.members
        )

    @property
    def confirm_text(self) -> str:
        """What the office must type to confirm: the number of people removed."""
        return str(self.count)

    def confirmed_by(self, typed: str) -> bool:
        """Whether the typed text confirms this removal (full-width digits are fine)."""
        if not self.needs_typed_confirm:
            return True
        return unicodedata.normalize("NFKC", typed).strip() == self.confirm_text

    def describe(self) -> list[str]:
        """Chinese lines for the preview, most serious first; empty when nothing is removed."""
        if not self.members:
            return []
        lines = [f"将删除 {self.count} 人（现有 {self.before} 人）"]
        by_role: dict[Role, list[Member]] = {}
        for m in self.named:
            by_role.setdefault(m.role, []).append(m)
        for role in (Role.LEADER, Role.OFFICE, Role.PUSHER, Role.SUPERVISOR):
            people = by_role.get(role, [])
            if people:
                shown = "、".join(
                    f"{m.name}（{m.unit}）" if m.unit else m.name
                    for m in people[:_LISTED_REMOVALS]
                )
                more = f" 等 {len(people)} 人" if len(people) > _LISTED_REMOVALS else ""
                lines.append(f"{ROLE_LABELS[role]} {len(people)} 人：{shown}{more}")
        if self.households:
            lines.append(f"户主 {self.households} 户")
        return lines

    def as_json(self) -> dict[str, Any]:
        """The removal in the preview API's shape."""
        return {
            "count": self.count,
            "before": self.before,
            "households": self.households,
            "members": [
                {"name": m.name, "role": ROLE_LABELS[m.role], "unit": m.unit or ""}
                for m in self.named
            ],
            "needs_typed_confirm": self.needs_typed_confirm,
            "confirm_text": self.confirm_text if self.needs_typed_confirm else None,
            "summary": self.describe(),
        }


def roster_removal(old: Org, new: Org) -> Removal:
    """The members of `old` that `new` no longer has (by contact id), in roster order."""
    kept = {m.wechat for m in new.members}
    return Removal(len(old.members), tuple(m for m in old.members if m.wechat not in kept))


def roster_workbook(org: Org, unit: str | None, mask: bool) -> bytes:
    """The roster in the import format (so an export can be edited and imported again)."""
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
