"""Binding real chat rooms and contacts to the roster's groups and members (pure).

A real WeChat account knows rooms and contacts by ids that the roster may not have (and
that can change after a re-login). Match by id first, then by room topic and by the
member's room nickname or WeChat name; keep a previous binding while it still exists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.domain.model import ContactInfo, Mode, Org, RoomInfo


@dataclass(frozen=True)
class Binding:
    """Roster id → transport id, with how the match was made."""

    org_id: str
    transport_id: str
    via: str


@dataclass
class BindingResult:
    """The outcome of one matching pass."""

    groups: dict[str, Binding] = field(default_factory=dict)
    members: dict[str, Binding] = field(default_factory=dict)
    unmatched_rooms: list[RoomInfo] = field(default_factory=list)
    unmatched_contacts: list[tuple[str, ContactInfo]] = field(default_factory=list)
    missing_groups: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)


def _norm(text: str) -> str:
    return "".join(text.split())


def match(
    org: Org,
    rooms: Sequence[RoomInfo],
    room_members: Mapping[str, Sequence[ContactInfo]],
    previous: Mapping[str, Binding] | None = None,
    self_id: str | None = None,
) -> BindingResult:
    """Bind rooms to groups and contacts to members; list what stays unmatched."""
    previous = previous or {}
    result = BindingResult()
    _match_groups(org, rooms, previous, result)
    bound_contacts = _match_members(org, room_members, previous, result)
    for rid, contacts in room_members.items():
        for c in contacts:
            if c.id not in bound_contacts and c.id != self_id:
                result.unmatched_contacts.append((rid, c))
    return result


def _match_groups(
    org: Org, rooms: Sequence[RoomInfo], previous: Mapping[str, Binding], result: BindingResult
) -> None:
    """Groups by room id, then by unique topic, then by a previous binding still present."""
    room_ids = {r.id for r in rooms}
    by_topic: dict[str, list[RoomInfo]] = {}
    for r in rooms:
        by_topic.setdefault(_norm(r.topic), []).append(r)
    taken: set[str] = set()
    for g in org.groups:
        if g.mode is Mode.EVIDENCE:
            continue
        if g.id in room_ids:
            result.groups[g.id] = Binding(g.id, g.id, "id")
        else:
            same = by_topic.get(_norm(g.name), [])
            if len(same) == 1:
                result.groups[g.id] = Binding(g.id, same[0].id, "topic")
            elif len(same) > 1:
                result.ambiguous.append(f"群名“{g.name}”对应多个微信群")
                continue
            elif (old := previous.get(f"group:{g.id}")) and old.transport_id in room_ids:
                result.groups[g.id] = old
            else:
                result.missing_groups.append(g.id)
                continue
        taken.add(result.groups[g.id].transport_id)
    result.unmatched_rooms = [r for r in rooms if r.id not in taken]


def _match_members(
    org: Org,
    room_members: Mapping[str, Sequence[ContactInfo]],
    previous: Mapping[str, Binding],
    result: BindingResult,
) -> set[str]:
    """Bind members; return the contact ids now taken.

    By contact id, then by a unique name in their groups' rooms, then by a previous
    binding whose contact is still present.
    """
    room_of_group = {gid: b.transport_id for gid, b in result.groups.items()}
    contacts_seen: dict[str, ContactInfo] = {}
    for contacts in room_members.values():
        for c in contacts:
            contacts_seen.setdefault(c.id, c)
    bound_contacts: set[str] = set()
    for m in org.members:
        if m.wechat in contacts_seen:
            result.members[m.wechat] = Binding(m.wechat, m.wechat, "id")
            bound_contacts.add(m.wechat)
    for m in org.members:
        if m.wechat in result.members:
            continue
        candidates: dict[str, ContactInfo] = {}
        for gid in m.groups:
            for c in room_members.get(room_of_group.get(gid, ""), ()):
                if c.id not in bound_contacts and m.name in (_norm(c.alias), _norm(c.name)):
                    candidates[c.id] = c
        if len(candidates) == 1:
            (cid,) = candidates
            result.members[m.wechat] = Binding(m.wechat, cid, "name")
            bound_contacts.add(cid)
        elif len(candidates) > 1:
            result.ambiguous.append(f"成员“{m.name}”在群里有多个同名联系人")
        elif (old := previous.get(f"member:{m.wechat}")) and old.transport_id in contacts_seen:
            result.members[m.wechat] = old
            bound_contacts.add(old.transport_id)
    return bound_contacts
