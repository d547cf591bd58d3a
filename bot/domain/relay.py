"""Planning a push down the tree and deciding which groups are ready for the bot to post."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from bot.domain.model import Delivery, Group, Level, Member, Mode, Org, Role, UnitTally


class ScopeError(ValueError):
    """A push names units the roster does not have."""

    def __init__(self, unknown: Sequence[str], known: Sequence[str]) -> None:
        self.unknown = tuple(unknown)
        super().__init__(f"范围中的 {'、'.join(unknown)} 不在名册中；可选：{'、'.join(known)}")


@dataclass(frozen=True)
class PushPlan:
    """Everything a new push fixes at creation time (the roster snapshot's numbers)."""

    scope: tuple[str, ...]
    deliveries: tuple[Delivery, ...]
    tallies: tuple[UnitTally, ...]
    assignments: tuple[tuple[str, str], ...]


def resolve_scope(org: Org, names: Sequence[str]) -> tuple[str, ...]:
    """Match scope names to units ("李家" matches "李家村"); empty means the whole town."""
    units = org.units
    if not names:
        return units
    chosen: list[str] = []
    unknown: list[str] = []
    for name in names:
        exact = [u for u in units if u == name]
        loose = exact or [u for u in units if name in u or u in name]
        if len(loose) == 1:
            if loose[0] not in chosen:
                chosen.append(loose[0])
        else:
            unknown.append(name)
    if unknown:
        raise ScopeError(unknown, units)
    return tuple(u for u in units if u in chosen)


def plan_push(org: Org, scope: Sequence[str]) -> PushPlan:
    """Target groups, per-unit denominators and pusher assignments for a push."""
    units = resolve_scope(org, scope)
    in_scope = set(units)
    targets = tuple(
        Delivery(push_id=0, group_id=g.id, unit=g.unit, mode=g.mode, parent=g.parent)
        for g in org.groups
        if g.level is not Level.COMMAND and g.unit in in_scope
    )
    pushers = [m for m in org.members if m.role is Role.PUSHER and m.unit in in_scope]
    households: dict[str, int] = dict.fromkeys(units, 0)
    for m in org.members:
        if m.role is Role.HOUSEHOLD and m.unit in in_scope:
            households[m.unit] += 1
    tallies = tuple(
        UnitTally(
            unit=u,
            pushers=sum(1 for p in pushers if p.unit == u),
            signed=0,
            groups=sum(1 for d in targets if d.unit == u),
            delivered=0,
            households=households[u],
            reached=0,
            acks=0,
        )
        for u in units
    )
    return PushPlan(
        scope=units,
        deliveries=targets,
        tallies=tallies,
        assignments=tuple((p.wechat, p.unit or "") for p in pushers),
    )


def _pusher_index(org: Org) -> dict[str, tuple[Member, ...]]:
    """Every group's pushers: its own, else its unit's (one pass over the roster)."""
    by_unit: dict[str | None, list[Member]] = {}
    for m in org.members:
        if m.role is Role.PUSHER:
            by_unit.setdefault(m.unit, []).append(m)
    index: dict[str, tuple[Member, ...]] = {}
    for g in org.groups:
        own = tuple(m for m in org.members_of(g.id) if m.role is Role.PUSHER)
        index[g.id] = own or tuple(by_unit.get(g.unit, ()))
    return index


def group_pushers(org: Org, group: Group) -> tuple[Member, ...]:
    """Who must push into a group: its own pushers, else its unit's pushers.

    Computed once per roster (an `Org` never changes), so a fan-out's readiness checks
    after every send do not rescan the households."""
    index: dict[str, tuple[Member, ...]] = org.derived("group_pushers", _pusher_index)
    found = index.get(group.id)
    if found is not None:
        return found
    own = tuple(m for m in org.members_of(group.id) if m.role is Role.PUSHER)
    return own or tuple(m for m in org.members if m.role is Role.PUSHER and m.unit == group.unit)


def _groups_by_pusher(org: Org) -> dict[str, tuple[str, ...]]:
    index: dict[str, tuple[Member, ...]] = org.derived("group_pushers", _pusher_index)
    found: dict[str, list[str]] = {}
    for group_id, pushers in index.items():
        for p in pushers:
            found.setdefault(p.wechat, []).append(group_id)
    return {wechat: tuple(ids) for wechat, ids in found.items()}


def pushed_groups(org: Org, wechat: str) -> tuple[str, ...]:
    """The groups this member pushes into (those whose `group_pushers` name them): the only
    groups their signature can make ready. Indexed once per roster."""
    index: dict[str, tuple[str, ...]] = org.derived("groups_by_pusher", _groups_by_pusher)
    return index.get(wechat, ())


def _children(org: Org) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for g in org.groups:
        if g.parent is not None:
            found.setdefault(g.parent, []).append(g.id)
    return {parent: tuple(ids) for parent, ids in found.items()}


def child_groups(org: Org, group_id: str) -> tuple[str, ...]:
    """The groups hanging right below this one: the only groups its delivery can make
    ready. Indexed once per roster."""
    index: dict[str, tuple[str, ...]] = org.derived("children", _children)
    return index.get(group_id, ())


def _parents(org: Org) -> frozenset[str]:
    return frozenset(g.parent for g in org.groups if g.parent is not None)


def has_subgroups(org: Org, group_id: str) -> bool:
    """Whether any group hangs below this one (indexed once per roster)."""
    parents: frozenset[str] = org.derived("parents", _parents)
    return group_id in parents


def ready_relays(
    org: Org, deliveries: Sequence[Delivery], signed: Collection[str]
) -> list[Delivery]:
    """Relay-mode deliveries the bot may post now.

    A group is ready when its parent has the push (the command group always has it) and one
    of its pushers has signed; a group without any pusher follows its parent automatically.
    """
    delivered = {d.group_id for d in deliveries if d.delivered_at is not None}
    command = org.command_group.id
    ready = []
    for d in deliveries:
        if d.mode is not Mode.RELAY or d.delivered_at is not None:
            continue
        if d.parent not in (None, command) and d.parent not in delivered:
            continue
        group = org.group(d.group_id)
        if group is None:
            continue
        pushers = group_pushers(org, group)
        if not pushers or any(p.wechat in signed for p in pushers):
            ready.append(d)
    return ready


def laggards(
    org: Org, deliveries: Sequence[Delivery], signed: Collection[str], assigned: Collection[str]
) -> tuple[list[Member], list[tuple[Delivery, tuple[Member, ...]]]]:
    """Assigned pushers who have not signed, and undelivered groups with their pushers."""
    unsigned = [m for m in org.members if m.wechat in assigned and m.wechat not in signed]
    undelivered = []
    for d in deliveries:
        group = org.group(d.group_id)
        if d.delivered_at is None and group is not None:
            undelivered.append((d, group_pushers(org, group)))
    return unsigned, undelivered
