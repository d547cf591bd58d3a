"""Writing an org file: the roster as TOML that `load_org` reads back unchanged."""

from __future__ import annotations

from typing import Any

from bot.domain.model import Org
from bot.formats.checks import toml_string


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
        if g.population is not None:
            entry["population"] = g.population
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


def _toml_value(value: str | int | list[str]) -> str:
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return toml_string(value)
    return "[" + ", ".join(toml_string(item) for item in value) + "]"
