"""The org file: a town's groups and roster as TOML (see examples/README.md).

`load_org` / `parse_org` validate everything and report every problem at once, in
Chinese, naming the file, the item and the field, because the people who edit this
file are township office staff, not programmers. `dump_org` writes the same format
back (a tiny TOML writer: the format only needs strings and arrays of strings).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.domain.model import Level, Member, Org, Role
from bot.formats.checks import (
    MISSING,
    InputError,
    Report,
    Table,
    describe_value,
    read_toml,
    toml_string,
)
from bot.formats.orggroups import RawGroup, build_group, parse_groups

__all__ = [
    "OrgError",
    "load_org",
    "parse_org",
]

TOP_KEYS = ("town", "groups", "members")
TOWN_KEYS = ("name",)
MEMBER_KEYS = ("name", "role", "unit", "wechat", "groups", "phone")

# Roles that belong to one village/unit; leaders and office staff belong to the town.
ROLES_WITH_UNIT = frozenset({Role.SUPERVISOR, Role.PUSHER, Role.HOUSEHOLD})
# Pushers and households are counted in coverage, so their unit must have groups. Leaders,
# office staff and supervisors may name a town body without a group of its own (镇党委、
# 派出所…); a supervisor there serves villages through `groups`.
ROLES_IN_GROUP_UNIT = frozenset({Role.PUSHER, Role.HOUSEHOLD})

_PHONE = re.compile(r"1[0-9]{10}")
# A name this close to a village/unit that has groups is a typo, not another body.
_BODY_TYPO_CUTOFF = 0.75
_VILLAGE_SUFFIXES = ("村", "社区")

# Listing every unit of a county in one message would bury the actual problem.
_MAX_LISTED = 10


class OrgError(InputError):
    """An org file is invalid; `errors` holds every problem found, one sentence each."""


# ---------------------------------------------------------------------------
# loading


def load_org(path: str | Path) -> Org:
    """Read and validate an org TOML file; raise `OrgError` listing every problem."""
    path = Path(path)
    data = read_toml(path, "组织文件", OrgError)
    source = f"组织文件 {path}"
    return parse_org(data, source)


def _member_label(index: int, name: str | None) -> str:
    return f"第 {index} 个成员（{name}）" if name else f"第 {index} 个成员"


def _table_list(report: Report, data: Mapping[str, Any], key: str) -> list[Any] | None:
    value = data.get(key, MISSING)
    if value is MISSING or value == []:
        report.add(f"缺少 [[{key}]]，至少需要一项")
        return None
    if not isinstance(value, list):
        report.add(f"{key} 应写成 [[{key}]] 数组表，实际为{describe_value(value)}")
        return None
    return value


def parse_org(data: dict[str, Any], source: str = "组织文件") -> Org:
    """Validate parsed org TOML and build the `Org`; raise `OrgError` with every problem."""
    report = Report(source)
    if not isinstance(data, dict):
        raise OrgError([f"{source}：顶层应为表，实际为{describe_value(data)}"])
    top = Table(report, "顶层", data)
    top.check_keys(TOP_KEYS)

    town = _parse_town(report, data)
    raw_groups = _table_list(report, data, "groups")
    raw_members = _table_list(report, data, "members")
    groups = parse_groups(report, raw_groups or [])
    members = _parse_members(report, raw_members or [], groups)

    if report.errors:
        raise OrgError(report.errors)
    assert town is not None  # no errors means every field parsed
    return Org(
        town=town,
        groups=tuple(build_group(g) for g in groups),
        members=tuple(_build_member(m) for m in members),
    )


def _parse_town(report: Report, data: Mapping[str, Any]) -> str | None:
    value = data.get("town", MISSING)
    if value is MISSING:
        report.add('缺少 [town] 表（写法：[town] 换行 name = "某某镇"）')
        return None
    if not isinstance(value, dict):
        report.add(f"town 应写成 [town] 表，实际为{describe_value(value)}")
        return None
    table = Table(report, "[town] ", value)
    table.check_keys(TOWN_KEYS)
    return table.text("name", required=True)


class _RawMember:
    """One [[members]] entry while it is being checked."""

    __slots__ = ("groups", "index", "label", "name", "phone", "role", "unit", "wechat")

    def __init__(self, index: int) -> None:
        self.index = index
        self.label = _member_label(index, None)
        self.name: str | None = None
        self.role: Role | None = None
        self.unit: str | None = None
        self.wechat: str | None = None
        self.groups: list[str] | None = None
        self.phone: str | None = None


def _parse_members(report: Report, raw: list[Any], groups: list[RawGroup]) -> list[_RawMember]:
    group_by_id = {g.id: g for g in groups if g.id is not None}
    units = {g.unit for g in groups if g.unit is not None}
    unit_list = sorted(units)
    members: list[_RawMember] = []
    seen_wechat: dict[str, _RawMember] = {}
    for index, entry in enumerate(raw, start=1):
        member = _RawMember(index)
        members.append(member)
        if not isinstance(entry, dict):
            report.add(f"{member.label}应为表（[[members]]），实际为{describe_value(entry)}")
            continue
        if isinstance(entry.get("name"), str) and entry["name"].strip():
            member.label = _member_label(index, entry["name"])
        table = Table(report, member.label, entry)
        table.check_keys(MEMBER_KEYS)
        member.name = table.text("name", required=True)
        member.role = table.choice("role", Role, required=True)
        member.unit = table.text(
            "unit",
            required=member.role in ROLES_WITH_UNIT,
            reason=f"（{member.role.value if member.role else ''} 必须属于某个村或单位）",
        )
        member.wechat = table.text("wechat", required=True)
        member.groups = table.text_list("groups", required=True)
        member.phone = table.text("phone", required=False)

        if member.unit is not None and member.unit not in units:
            _check_body_unit(report, member, unit_list)
        if member.phone is not None:
            member.phone = _check_phone(report, member.label, member.phone)
        if member.wechat is not None:
            first = seen_wechat.setdefault(member.wechat, member)
            if first is not member:
                report.add(
                    f"{member.label}字段 wechat 的值 {toml_string(member.wechat)} "
                    f"与{first.label}重复"
                )
        if member.groups is not None:
            _check_member_groups(report, member, group_by_id, member.unit in units)
    return members


def _check_body_unit(report: Report, member: _RawMember, known: list[str]) -> None:
    """A unit with no group: fine for a town body of a leader/office/supervisor, else an error."""
    assert member.unit is not None
    unit = toml_string(member.unit)
    close = difflib.get_close_matches(member.unit, known, n=1, cutoff=_BODY_TYPO_CUTOFF)
    if member.role in ROLES_IN_GROUP_UNIT or member.role is None or close:
        hint = _unit_hint(member.unit, known)
        report.add(f"{member.label}字段 unit 的值 {unit} 不是任何群的 unit{hint}")
    elif member.unit.endswith(_VILLAGE_SUFFIXES):
        report.add(
            f"{member.label}字段 unit 的值 {unit} 是村（社区）名，但没有任何群的 unit 是它"
            f"（请先为它建群，或改成已有的村/单位{_unit_hint(member.unit, known)}）"
        )


def _check_phone(report: Report, label: str, phone: str) -> str | None:
    """The phone in ASCII digits (full-width digits are converted), or None after an error."""
    ascii_phone = unicodedata.normalize("NFKC", phone)
    if _PHONE.fullmatch(ascii_phone):
        return ascii_phone
    if any(ch.isdigit() and not ch.isascii() for ch in ascii_phone):
        report.add(
            f"{label}字段 phone 的值 {toml_string(phone)} 含有非 ASCII 数字"
            "（如阿拉伯文或其他文字的数字），手机号只能用 0-9"
        )
    else:
        report.add(
            f"{label}字段 phone 的值 {toml_string(phone)} "
            "不是有效的手机号（应为 1 开头的 11 位数字）"
        )
    return None


def _unit_hint(unit: str, known: list[str]) -> str:
    close = difflib.get_close_matches(unit, known, n=1, cutoff=0.5)
    if close:
        return f"（是不是 {close[0]}？）"
    if not known:
        return ""
    shown = "、".join(known[:_MAX_LISTED])
    more = f" 等 {len(known)} 个" if len(known) > _MAX_LISTED else ""
    return f"（已有的 unit：{shown}{more}）"


def _check_member_groups(
    report: Report, member: _RawMember, group_by_id: Mapping[str, RawGroup], own_groups: bool
) -> None:
    assert member.groups is not None
    seen: set[str] = set()
    all_known = True
    for group_id in member.groups:
        if group_id in seen:
            report.add(f"{member.label}字段 groups 重复列出了群 {toml_string(group_id)}")
        seen.add(group_id)
        if group_id not in group_by_id:
            report.add(f"{member.label}字段 groups 引用了不存在的群 {toml_string(group_id)}")
            all_known = False
    if not all_known:
        return
    levels = [group_by_id[g].level for g in member.groups]
    if None in levels or not all(level is Level.COMMAND for level in levels):
        return
    if member.role is Role.PUSHER:
        report.add(
            f"{member.label}是推送员（pusher），字段 groups 必须至少包含一个"
            "村、单位或网格群（不能只在指挥群）"
        )
    elif member.role is Role.SUPERVISOR and member.unit is not None and not own_groups:
        # 片警 of the 派出所: which villages they supervise comes from their groups only.
        report.add(
            f"{member.label}是监督员，所属单位 {toml_string(member.unit)} 没有自己的群，"
            "字段 groups 必须至少包含一个所服务的村、单位或网格群"
        )


def _build_member(member: _RawMember) -> Member:
    assert member.name and member.role and member.wechat and member.groups is not None
    return Member(
        name=member.name,
        role=member.role,
        unit=member.unit,
        wechat=member.wechat,
        groups=tuple(member.groups),
        phone=member.phone,
    )
