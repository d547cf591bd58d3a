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

from bot.domain.model import Group, Level, Member, Mode, Org, Role
from bot.formats.checks import (
    MISSING,
    InputError,
    Report,
    Table,
    describe_value,
    read_toml,
    toml_string,
)

__all__ = [
    "OrgError",
    "load_org",
    "parse_org",
]

TOP_KEYS = ("town", "groups", "members")
TOWN_KEYS = ("name",)
GROUP_KEYS = ("id", "name", "level", "parent", "unit", "mode")
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


def _group_label(index: int, group_id: str | None) -> str:
    return f"第 {index} 个群（id={group_id}）" if group_id else f"第 {index} 个群"


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
    groups = _parse_groups(report, raw_groups or [])
    members = _parse_members(report, raw_members or [], groups)

    if report.errors:
        raise OrgError(report.errors)
    assert town is not None  # no errors means every field parsed
    return Org(
        town=town,
        groups=tuple(_build_group(g) for g in groups),
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


class _RawGroup:
    """One [[groups]] entry while it is being checked; None marks an invalid field."""

    __slots__ = ("id", "index", "label", "level", "mode", "name", "parent", "unit")

    def __init__(self, index: int) -> None:
        self.index = index
        self.label = _group_label(index, None)
        self.id: str | None = None
        self.name: str | None = None
        self.level: Level | None = None
        self.parent: str | None = None
        self.unit: str | None = None
        self.mode: Mode | None = None


def _parse_groups(report: Report, raw: list[Any]) -> list[_RawGroup]:
    groups: list[_RawGroup] = []
    for index, entry in enumerate(raw, start=1):
        group = _RawGroup(index)
        groups.append(group)
        if not isinstance(entry, dict):
            report.add(f"{group.label}应为表（[[groups]]），实际为{describe_value(entry)}")
            continue
        if isinstance(entry.get("id"), str) and entry["id"].strip():
            group.label = _group_label(index, entry["id"])
        table = Table(report, group.label, entry)
        table.check_keys(GROUP_KEYS)
        group.id = table.text("id", required=True)
        group.name = table.text("name", required=True)
        group.level = table.choice("level", Level, required=True)
        group.mode = table.choice("mode", Mode, required=False, default=Mode.RELAY)
        if group.level is Level.COMMAND:
            if "parent" in entry:
                report.add(f"{group.label}是指挥群，不能有字段 parent")
            group.unit = table.text("unit", required=False)
        else:
            # With an invalid level we cannot tell whether parent/unit are required.
            required = group.level is not None
            group.parent = table.text(
                "parent", required=required, reason="（只有指挥群可以没有上级群）"
            )
            group.unit = table.text("unit", required=required, reason="（村、单位或网格名称）")

    by_id: dict[str, _RawGroup] = {}
    for group in groups:
        if group.id is None:
            continue
        first = by_id.setdefault(group.id, group)
        if first is not group:
            report.add(f"{group.label}字段 id 与{first.label}重复")

    commands = [g for g in groups if g.level is Level.COMMAND]
    # An invalid level might be the command group: do not pile a second error on it.
    if not commands and groups and all(g.level is not None for g in groups):
        report.add('没有指挥群：必须恰好有一个 level = "command" 的群')
    elif len(commands) > 1:
        labels = "、".join(g.label for g in commands)
        report.add(f"有 {len(commands)} 个指挥群（{labels}），必须恰好有一个")

    for group in groups:
        _check_parent(report, group, by_id)
    _check_cycles(report, groups, by_id)
    return groups


def _check_parent(report: Report, group: _RawGroup, by_id: Mapping[str, _RawGroup]) -> None:
    if group.parent is None:
        return
    parent = by_id.get(group.parent)
    if parent is None:
        report.add(f"{group.label}字段 parent 引用了不存在的群 {toml_string(group.parent)}")
        return
    if parent is group:
        report.add(f"{group.label}字段 parent 不能是它自己")
        return
    if parent.level is None or group.level is None:
        return
    if group.level is Level.GRID:
        if parent.level not in (Level.VILLAGE, Level.UNIT):
            report.add(
                f"{group.label}是网格群，字段 parent 应指向 village 或 unit 级的群，"
                f"而群 {toml_string(group.parent)} 是 {parent.level.value} 级"
            )
        elif group.unit is not None and parent.unit is not None and group.unit != parent.unit:
            report.add(
                f"{group.label}字段 unit 的值 {toml_string(group.unit)} 与上级群 "
                f"{toml_string(group.parent)} 的 unit {toml_string(parent.unit)} 不一致"
                "（网格群必须属于上级群所在的村或单位）"
            )
    elif parent.level is Level.GRID:
        report.add(
            f"{group.label}是 {group.level.value} 级，字段 parent 不能指向网格群 "
            f"{toml_string(group.parent)}（网格是最下一级）"
        )


def _check_cycles(report: Report, groups: list[_RawGroup], by_id: Mapping[str, _RawGroup]) -> None:
    # Iterative colouring: every group is walked once, so a county-sized file stays O(n).
    state: dict[int, int] = {}  # index → 1 on the current path, 2 done
    for start in groups:
        path: list[_RawGroup] = []
        current: _RawGroup | None = start
        while current is not None and current.index not in state:
            state[current.index] = 1
            path.append(current)
            nxt = by_id.get(current.parent) if current.parent is not None else None
            current = nxt if nxt is not current else None
        if current is not None and state.get(current.index) == 1:
            cycle = path[path.index(current) :]
            first = min(cycle, key=lambda g: g.index)
            rotated = cycle[cycle.index(first) :] + cycle[: cycle.index(first)]
            chain = " → ".join(str(g.id) for g in [*rotated, first])
            report.add(f"{first.label}的上级关系形成了环：{chain}")
        for group in path:
            state[group.index] = 2


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


def _parse_members(report: Report, raw: list[Any], groups: list[_RawGroup]) -> list[_RawMember]:
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
    report: Report, member: _RawMember, group_by_id: Mapping[str, _RawGroup], own_groups: bool
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


def _build_group(group: _RawGroup) -> Group:
    assert group.id and group.name and group.level and group.mode
    return Group(
        id=group.id,
        name=group.name,
        level=group.level,
        parent=group.parent,
        unit=group.unit,
        mode=group.mode,
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
