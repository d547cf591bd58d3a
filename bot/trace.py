"""责任倒查: find a household in the roster (every stored version) and gather what the store
knows about what reached it; `bot.domain.trace.assemble_trace` puts the record together.

The household's groups are taken from the roster version each push was planned with, so a
household that moved groups (or left the roster) is traced where it was at the time. The
store keeps every version a push was planned on, so every push can be traced; a lookup
searches every kept version (see `bot.store.protocol.ROSTER_HISTORY`). Only the household's
own rows are read (not whole rosters), so a lookup stays quick in a county-sized roster.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.model import Group, Member
from bot.domain.trace import (
    Candidate,
    TraceFacts,
    TraceReport,
    assemble_trace,
    is_phone_query,
    rank_candidates,
)
from bot.store import Store


def _names(store: Store, version: int, member: Member) -> tuple[str, ...]:
    return tuple(g.name for g in store.roster_groups(version, member.groups))


def find_members(store: Store, text: str, unit: str | None = None) -> list[Candidate]:
    """Roster members (any kept version) matching a name, a phone or its last 4 digits;
    each member once, as in the newest version that has them; with `unit`, only that unit's."""
    text = text.strip()
    if not text:
        return []
    current = store.roster_version()
    newest: dict[str, int] = {}
    for version, wechat in store.find_roster_members(text, is_phone_query(text)):
        newest[wechat] = max(version, newest.get(wechat, 0))
    found = []
    for wechat, version in newest.items():
        member = store.member_history(wechat).get(version)
        if member is None or (unit is not None and member.unit != unit):
            continue
        found.append(
            Candidate(
                wechat=wechat,
                name=member.name,
                role=member.role.value,
                unit=member.unit,
                groups=_names(store, version, member),
                phone=member.phone,
                version=version,
                current=version == current,
            )
        )
    return rank_candidates(found, text)


def trace_member(store: Store, wechat: str, until: datetime | None = None) -> TraceReport | None:
    """The 倒查 record of one roster member (None when no kept roster version has them), of
    the pushes created before `until` (e.g. the day the fraud happened) or all of them."""
    history = store.member_history(wechat)
    if not history:
        return None
    latest = max(history)
    member = history[latest]
    pushes = store.pushes(until=until)
    groups_in: dict[int, tuple[Group, ...]] = {}
    groups_at: dict[int, tuple[Group, ...]] = {}
    for push in pushes:
        was = history.get(push.roster_version)
        if was is None:
            continue
        if push.roster_version not in groups_in:
            groups_in[push.roster_version] = tuple(
                store.roster_groups(push.roster_version, was.groups)
            )
        groups_at[push.id] = groups_in[push.roster_version]
    group_ids = sorted({g.id for groups in groups_at.values() for g in groups})
    deliveries = store.deliveries_to(group_ids)
    push_ids = sorted({d.push_id for d in deliveries if d.delivered_at is not None})
    facts = TraceFacts(
        member=member,
        group_names=_names(store, latest, member),
        current=latest == store.roster_version(),
        pushes=pushes,
        groups_at=groups_at,
        deliveries=deliveries,
        receipts=store.member_receipts(wechat, push_ids),
        evidence=store.evidence_of(push_ids, group_ids),
        taps=store.read_taps_in(push_ids, group_ids),
    )
    return assemble_trace(facts)
