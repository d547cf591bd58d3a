"""The safety desk: households' fraud reports (线索) and their questions. Pure.

A tip moves 新 → 已联系 → 已处理 (never back); every change and remark is a note, and notes
are only ever appended.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.model import Content, Group, Level, Member, Org, Role
from bot.nlp.rank import rank

NEW = "新"
CONTACTED = "已联系"
DONE = "已处理"
STATUSES = (NEW, CONTACTED, DONE)
NOTE_MAX_CHARS = 500
POLICE_WORDS = ("派出所", "公安", "警")


@dataclass(frozen=True)
class TipNote:
    """One remark or status change on a tip."""

    at: datetime
    who: str
    text: str
    status: str | None = None


@dataclass(frozen=True)
class Tip:
    """A household's fraud report, for the unit's supervisors."""

    id: int
    at: datetime
    member: str
    group_id: str | None
    unit: str | None
    text: str
    category: str
    urgent: bool
    status: str = NEW
    message_id: str = ""
    notes: tuple[TipNote, ...] = ()


@dataclass(frozen=True)
class TipTally:
    """Tips received in a period (numbers only: the 日报 names nobody)."""

    new: int = 0
    urgent: int = 0
    open: int = 0


def status_error(current: str, wanted: str) -> str | None:
    """Why a tip may not move from `current` to `wanted` (None if it may)."""
    if wanted not in STATUSES:
        return f"状态只能是 {'、'.join(STATUSES)}"
    if STATUSES.index(wanted) < STATUSES.index(current):
        return f"线索已是“{current}”，不能改回“{wanted}”"
    return None


def is_police(member: Member, org: Org) -> bool:
    """A 片警: a supervisor of the 派出所 (a town body serving villages through their groups)."""
    unit = member.unit or ""
    return any(w in unit for w in POLICE_WORDS) or (bool(unit) and not org.has_unit(unit))


def tip_recipients(org: Org, unit: str | None) -> list[Member]:
    """Who hears of a tip from `unit`: its supervisors and the supervisors sitting in its
    groups (a 片警 of a 派出所 that has its own group too), 片警 first; else the office.
    Worked out once per roster and unit."""
    known: dict[str | None, list[Member]] = org.derived("tip_recipients", lambda _: {})
    if unit not in known:
        known[unit] = _tip_recipients(org, unit)
    return list(known[unit])


def _tip_recipients(org: Org, unit: str | None) -> list[Member]:
    if unit:
        people = list(org.derived("tip_supervisors", _supervisors_by_unit).get(unit, ()))
    else:
        served = {g.id for g in org.groups if g.level is not Level.COMMAND and g.unit is None}
        people = [m for m in org.with_role(Role.SUPERVISOR) if served.intersection(m.groups)]
    people.sort(key=lambda m: not is_police(m, org))
    if people:
        return people
    return [m for m in org.members if m.role is Role.OFFICE]


def _supervisors_by_unit(org: Org) -> dict[str, list[Member]]:
    """Per unit, in one pass over the supervisors: its supervisors (followup.supervisors_of),
    then the other supervisors sitting in its groups, each part in roster order."""
    with_groups = set(org.units)
    unit_of = {g.id: g.unit for g in org.groups if g.level is not Level.COMMAND and g.unit}
    first: dict[str, list[Member]] = {}
    then: dict[str, list[Member]] = {}
    for m in org.with_role(Role.SUPERVISOR):
        via = {unit_of[g] for g in m.groups if g in unit_of}
        own = {m.unit} if m.unit else set()
        if m.unit not in with_groups:
            own |= via
        for u in own:
            first.setdefault(u, []).append(m)
        for u in via - own:
            then.setdefault(u, []).append(m)
    return {u: first.get(u, []) + then.get(u, []) for u in first.keys() | then.keys()}


def tip_place(org: Org, group: Group | None, unit: str | None) -> str:
    """Where a tip came from: "李家村·李家村一网格群" (or just the unit / 私聊)."""
    if group is None:
        return f"{unit}·私聊" if unit else "私聊"
    return f"{group.unit}·{group.name}" if group.unit else group.name


def _document(item: Content) -> str:
    # Title and tags count three times: they say what an item is about.
    head = " ".join((item.title, *item.fraud_types, *item.audiences))
    return f"{head}\n{head}\n{head}\n{item.body}"


def closest_items(library: Sequence[Content], text: str, limit: int = 2) -> list[Content]:
    """The library items nearest to a question (BM25 over jieba words), best first."""
    found = rank(text, [_document(item) for item in library], limit)
    return [library[i] for i, _ in found]


def key_advice(item: Content, count: int = 2) -> list[str]:
    """The first bullet points of an item ("- 不要开屏幕共享…"), else its first sentence."""
    bullets = [
        line.strip()[1:].strip()
        for line in item.body.splitlines()
        if line.strip().startswith(("-", "•", "·"))
    ]
    if bullets:
        return bullets[:count]
    lines = [line.strip() for line in item.body.splitlines() if line.strip()]
    first = next((line for line in lines if not line.startswith("【")), "")
    return [first.split("。")[0] + "。"] if first else []
