"""The [[groups]] of an org file: each entry's fields, unique ids, exactly one command group,
parents that exist and suit the group's level, and no cycles. Used by `bot.formats.orgfile`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.domain.model import Group, Level, Mode
from bot.formats.checks import Report, Table, describe_value, toml_string

__all__ = ["GROUP_KEYS", "RawGroup", "build_group", "parse_groups"]

GROUP_KEYS = ("id", "name", "level", "parent", "unit", "mode", "population")


def _group_label(index: int, group_id: str | None) -> str:
    """How messages name the entry: 第 3 个群（id=lijia）."""
    return f"第 {index} 个群（id={group_id}）" if group_id else f"第 {index} 个群"


class RawGroup:
    """One [[groups]] entry while it is being checked; None marks an invalid field."""

    __slots__ = ("id", "index", "label", "level", "mode", "name", "parent", "population", "unit")

    def __init__(self, index: int) -> None:
        self.index = index
        self.label = _group_label(index, None)
        self.id: str | None = None
        self.name: str | None = None
        self.level: Level | None = None
        self.parent: str | None = None
        self.unit: str | None = None
        self.mode: Mode | None = None
        self.population: int | None = None


def parse_groups(report: Report, raw: list[Any]) -> list[RawGroup]:
    """Check every [[groups]] entry and the tree they form; problems go to `report`."""
    groups: list[RawGroup] = []
    for index, entry in enumerate(raw, start=1):
        group = RawGroup(index)
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
        _parse_population(report, group, table)

    by_id: dict[str, RawGroup] = {}
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

    _check_populations(report, groups)
    for group in groups:
        _check_parent(report, group, by_id)
    _check_cycles(report, groups, by_id)
    return groups


def _parse_population(report: Report, group: RawGroup, table: Table) -> None:
    """`population`: the people living in a village/unit (万人发案数), on its own group."""
    if "population" not in table.table:
        return
    value = table.table["population"]
    if isinstance(value, str) and value.strip().isdigit():
        report.add(
            f"{group.label}字段 population 应为整数，不要加引号"
            f"（写成 population = {value.strip()}）"
        )
        return
    group.population = table.positive_int("population", required=False)
    if group.population is not None and group.level not in (Level.VILLAGE, Level.UNIT, None):
        report.add(
            f"{group.label}是 {group.level.value} 级，不能有字段 population"
            "（人口数写在村群或单位群上，每个村/单位一个）"
        )
        group.population = None


def _check_populations(report: Report, groups: list[RawGroup]) -> None:
    """One population per unit: two groups of a unit must not give different figures."""
    first: dict[str, RawGroup] = {}
    for group in groups:
        if group.unit is None or group.population is None:
            continue
        other = first.setdefault(group.unit, group)
        if other is not group and other.population != group.population:
            report.add(
                f"{group.label}字段 population 的值 {group.population} 与{other.label}的 "
                f"{other.population} 不一致"
                f"（同一村/单位 {toml_string(group.unit)} 只能有一个人口数）"
            )


def _check_parent(report: Report, group: RawGroup, by_id: Mapping[str, RawGroup]) -> None:
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


def _check_cycles(report: Report, groups: list[RawGroup], by_id: Mapping[str, RawGroup]) -> None:
    # Iterative colouring: every group is walked once, so a county-sized file stays O(n).
    state: dict[int, int] = {}  # index → 1 on the current path, 2 done
    for start in groups:
        path: list[RawGroup] = []
        current: RawGroup | None = start
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


def build_group(group: RawGroup) -> Group:
    """The `Group` of an entry that passed every check."""
    assert group.id and group.name and group.level and group.mode
    return Group(
        id=group.id,
        name=group.name,
        level=group.level,
        parent=group.parent,
        unit=group.unit,
        mode=group.mode,
        population=group.population,
    )
