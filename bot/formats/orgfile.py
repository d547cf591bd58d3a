"""The org file: a town's groups and roster as TOML (see examples/README.md).

`load_org` / `parse_org` validate everything and report every problem at once, in
Chinese, naming the file, the item and the field, because the people who edit this
file are township office staff, not programmers. `dump_org` writes the same format
back (a tiny TOML writer: the format only needs strings and arrays of strings).
"""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from bot.domain.model import Group, Level, Member, Mode, Org, Role

__all__ = [
    "OrgError",
    "describe_toml_error",
    "describe_value",
    "dump_org",
    "load_org",
    "org_to_data",
    "parse_org",
    "toml_string",
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
_TOML_ERROR_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_TOML_ERROR_AT_END = re.compile(r"\s*\(at end of document\)$")
_E = TypeVar("_E", bound=StrEnum)

# Listing every unit of a county in one message would bury the actual problem.
_MAX_LISTED = 10


class OrgError(ValueError):
    """An org file is invalid; `errors` holds every problem found, one sentence each."""

    def __init__(self, errors: Iterable[str]) -> None:
        self.errors: list[str] = list(errors)
        super().__init__("\n".join(self.errors))

    def __str__(self) -> str:
        return "\n".join(self.errors)


# ---------------------------------------------------------------------------
# loading


def load_org(path: str | Path) -> Org:
    """Read and validate an org TOML file; raise `OrgError` listing every problem."""
    path = Path(path)
    source = f"组织文件 {path}"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise OrgError([f"找不到组织文件 {path}"]) from None
    except OSError as exc:
        raise OrgError([f"无法读取组织文件 {path}：{exc.strerror or exc}"]) from None
    try:
        # utf-8-sig: Windows Notepad saves UTF-8 with a BOM, which tomllib rejects.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise OrgError(
            [f"{source}：第 {_line_of(raw, exc.start)} 行不是 UTF-8 编码，请另存为 UTF-8 格式"]
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise OrgError([f"{source}：{describe_toml_error(exc)}"]) from None
    return parse_org(data, source)


def describe_toml_error(exc: tomllib.TOMLDecodeError, line_offset: int = 0) -> str:
    """A Chinese sentence locating a TOML syntax error (tomllib's own text kept as detail)."""
    message = str(exc)
    match = _TOML_ERROR_POSITION.search(message)
    if match:
        detail = message[: match.start()]
        line = int(match.group(1)) + line_offset
        return f"第 {line} 行第 {match.group(2)} 列 TOML 语法错误（{detail}）"
    match = _TOML_ERROR_AT_END.search(message)
    if match:
        return f"文件末尾 TOML 语法错误（{message[: match.start()]}），可能是引号或括号没有闭合"
    return f"TOML 语法错误（{message}）"


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


class _Report:
    """Collects error sentences, each prefixed with the source name."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[str] = []

    def add(self, message: str) -> None:
        self.errors.append(f"{self.source}：{message}")


_MISSING: Any = object()


class _Table:
    """Typed access to one TOML table, reporting problems as `<where>字段 <key> …`."""

    def __init__(self, report: _Report, where: str, table: Mapping[str, Any]) -> None:
        self.report = report
        self.where = where
        self.table = table

    def check_keys(self, allowed: tuple[str, ...]) -> None:
        for key in self.table:
            if key not in allowed:
                self.report.add(f"{self.where}有未知字段 {key}{_unknown_hint(key, allowed)}")

    def text(self, key: str, *, required: bool, reason: str = "") -> str | None:
        """A non-empty string without surrounding blanks, or None (absent or invalid)."""
        value = self.table.get(key, _MISSING)
        if value is _MISSING:
            if required:
                self.report.add(f"{self.where}缺少必填字段 {key}{reason}")
            return None
        if not isinstance(value, str):
            # Phone numbers and numeric ids are typed without quotes all the time.
            hint = "（请加英文双引号）" if isinstance(value, int | float) else ""
            self.report.add(
                f"{self.where}字段 {key} 的类型应为字符串，实际为{describe_value(value)}{hint}"
            )
            return None
        if not value.strip():
            self.report.add(f"{self.where}字段 {key} 不能为空")
            return None
        if value != value.strip():
            self.report.add(f"{self.where}字段 {key} 的值 {toml_string(value)} 首尾不能有空白")
            return None
        return value

    def choice(
        self, key: str, enum: type[_E], *, required: bool, default: _E | None = None
    ) -> _E | None:
        if key not in self.table and default is not None:
            return default
        value = self.text(key, required=required)
        if value is None:
            return None
        try:
            return enum(value)
        except ValueError:
            allowed = "、".join(item.value for item in enum)
            self.report.add(
                f"{self.where}字段 {key} 的值 {toml_string(value)} 无效，应为 {allowed} 之一"
            )
            return None

    def text_list(self, key: str, *, required: bool) -> list[str] | None:
        value = self.table.get(key, _MISSING)
        if value is _MISSING:
            if required:
                self.report.add(f"{self.where}缺少必填字段 {key}")
            return None
        if not isinstance(value, list):
            self.report.add(
                f'{self.where}字段 {key} 的类型应为字符串数组（如 ["a", "b"]），'
                f"实际为{describe_value(value)}"
            )
            return None
        result: list[str] = []
        ok = True
        for index, item in enumerate(value, start=1):
            if not isinstance(item, str) or not item.strip():
                shown = describe_value(item) if not isinstance(item, str) else "空字符串"
                self.report.add(
                    f"{self.where}字段 {key} 的第 {index} 项应为非空字符串，实际为{shown}"
                )
                ok = False
            else:
                result.append(item)
        return result if ok else None


def _unknown_hint(key: str, allowed: Iterable[str]) -> str:
    allowed = list(allowed)
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    listed = "、".join(allowed)
    if close:
        return f"（是不是 {close[0]}？允许的字段为 {listed}）"
    return f"（允许的字段为 {listed}）"


def describe_value(value: object) -> str:
    """Chinese type name plus the value, for "实际为…" in error messages."""
    if isinstance(value, bool):
        return f"布尔值 {'true' if value else 'false'}"
    if isinstance(value, int):
        return f"整数 {value}"
    if isinstance(value, float):
        return f"小数 {value}"
    if isinstance(value, str):
        return f"字符串 {toml_string(value)}"
    if isinstance(value, list):
        return "数组"
    if isinstance(value, dict):
        return "表"
    if isinstance(value, datetime | date | time):
        return f"日期时间 {value.isoformat()}"
    return type(value).__name__


def _group_label(index: int, group_id: str | None) -> str:
    return f"第 {index} 个群（id={group_id}）" if group_id else f"第 {index} 个群"


def _member_label(index: int, name: str | None) -> str:
    return f"第 {index} 个成员（{name}）" if name else f"第 {index} 个成员"


def _table_list(report: _Report, data: Mapping[str, Any], key: str) -> list[Any] | None:
    value = data.get(key, _MISSING)
    if value is _MISSING or value == []:
        report.add(f"缺少 [[{key}]]，至少需要一项")
        return None
    if not isinstance(value, list):
        report.add(f"{key} 应写成 [[{key}]] 数组表，实际为{describe_value(value)}")
        return None
    return value


def parse_org(data: dict[str, Any], source: str = "组织文件") -> Org:
    """Validate parsed org TOML and build the `Org`; raise `OrgError` with every problem."""
    report = _Report(source)
    if not isinstance(data, dict):
        raise OrgError([f"{source}：顶层应为表，实际为{describe_value(data)}"])
    top = _Table(report, "顶层", data)
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


def _parse_town(report: _Report, data: Mapping[str, Any]) -> str | None:
    value = data.get("town", _MISSING)
    if value is _MISSING:
        report.add('缺少 [town] 表（写法：[town] 换行 name = "某某镇"）')
        return None
    if not isinstance(value, dict):
        report.add(f"town 应写成 [town] 表，实际为{describe_value(value)}")
        return None
    table = _Table(report, "[town] ", value)
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


def _parse_groups(report: _Report, raw: list[Any]) -> list[_RawGroup]:
    groups: list[_RawGroup] = []
    for index, entry in enumerate(raw, start=1):
        group = _RawGroup(index)
        groups.append(group)
        if not isinstance(entry, dict):
            report.add(f"{group.label}应为表（[[groups]]），实际为{describe_value(entry)}")
            continue
        if isinstance(entry.get("id"), str) and entry["id"].strip():
            group.label = _group_label(index, entry["id"])
        table = _Table(report, group.label, entry)
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


def _check_parent(report: _Report, group: _RawGroup, by_id: Mapping[str, _RawGroup]) -> None:
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


def _check_cycles(
    report: _Report, groups: list[_RawGroup], by_id: Mapping[str, _RawGroup]
) -> None:
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


def _parse_members(report: _Report, raw: list[Any], groups: list[_RawGroup]) -> list[_RawMember]:
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
        table = _Table(report, member.label, entry)
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


def _check_body_unit(report: _Report, member: _RawMember, known: list[str]) -> None:
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


def _check_phone(report: _Report, label: str, phone: str) -> str | None:
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
    report: _Report, member: _RawMember, group_by_id: Mapping[str, _RawGroup], own_groups: bool
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


# ---------------------------------------------------------------------------
# writing


def org_to_data(org: Org) -> dict[str, Any]:
    """The org as plain data, exactly what `tomllib` returns for `dump_org(org)`."""
    groups: list[dict[str, Any]] = []
    for g in org.groups:
        entry: dict[str, Any] = {"id": g.id, "name": g.name, "level": g.level.value}
        if g.parent is not None:
            entry["parent"] = g.parent
        if g.unit is not None:
            entry["unit"] = g.unit
        entry["mode"] = g.mode.value
        groups.append(entry)
    members: list[dict[str, Any]] = []
    for m in org.members:
        item: dict[str, Any] = {"name": m.name, "role": m.role.value}
        if m.unit is not None:
            item["unit"] = m.unit
        item["wechat"] = m.wechat
        item["groups"] = list(m.groups)
        if m.phone is not None:
            item["phone"] = m.phone
        members.append(item)
    return {"town": {"name": org.town}, "groups": groups, "members": members}


def dump_org(org: Org) -> str:
    """The org as TOML text that `parse_org(tomllib.loads(...))` turns back into `org`."""
    data = org_to_data(org)
    lines = [
        f"# {org.town}组织文件：群与成员名册。字段说明见 examples/README.md。",
        "",
        "[town]",
        f"name = {toml_string(org.town)}",
    ]
    for section in ("groups", "members"):
        for entry in data[section]:
            lines.append("")
            lines.append(f"[[{section}]]")
            lines.extend(f"{key} = {_toml_value(value)}" for key, value in entry.items())
    return "\n".join(lines) + "\n"


def _toml_value(value: str | list[str]) -> str:
    if isinstance(value, str):
        return toml_string(value)
    return "[" + ", ".join(toml_string(item) for item in value) + "]"


_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f]')


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _ESCAPES.get(char) or f"\\u{ord(char):04x}"


def toml_string(value: str) -> str:
    """A TOML basic string literal (double quotes, escapes for quotes and control chars)."""
    return '"' + _NEEDS_ESCAPE.sub(_escape, value) + '"'
