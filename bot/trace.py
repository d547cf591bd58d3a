"""责任倒查: find a household in the roster (every stored version) and gather what the store
knows about what reached it; `bot.domain.trace.assemble_trace` puts the record together.

The household's groups are taken from the roster version each push was planned with, so a
household that moved groups (or left the roster) is traced where it was at the time. The
store keeps every version a push was planned on, so every push can be traced; a lookup
searches every kept version (see `bot.store.protocol.ROSTER_HISTORY`).
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.model import Group, Member, Org
from bot.domain.trace import (
    Candidate,
    TraceFacts,
    TraceReport,
    assemble_trace,
    is_phone_query,
    rank_candidates,
)
from bot.store import Store


class Rosters:
    """Stored roster versions, each loaded once."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.current = store.roster_version()
        self._orgs: dict[int, Org | None] = {}

    def org(self, version: int) -> Org | None:
        """The roster of a version (None when it is no longer kept)."""
        if version not in self._orgs:
            self._orgs[version] = self.store.load_org(version)
        return self._orgs[version]


def _group_names(org: Org, member: Member) -> tuple[str, ...]:
    return tuple(g.name for gid in member.groups if (g := org.group(gid)) is not None)


def find_members(store: Store, text: str, unit: str | None = None) -> list[Candidate]:
    """Roster members (any kept version) matching a name, a phone or its last 4 digits;
    each member once, as in the newest version that has them; with `unit`, only that unit's."""
    text = text.strip()
    if not text:
        return []
    rosters = Rosters(store)
    found: dict[str, Candidate] = {}
    for version, wechat in store.find_roster_members(text, is_phone_query(text)):
        if wechat in found:
            continue
        org = rosters.org(version)
        member = org.member(wechat) if org is not None else None
        if member is None or (unit is not None and member.unit != unit):
            continue
        found[wechat] = Candidate(
            wechat=wechat,
            name=member.name,
            role=member.role.value,
            unit=member.unit,
            groups=_group_names(org, member),  # type: ignore[arg-type]
            phone=member.phone,
            version=version,
            current=version == rosters.current,
        )
    return rank_candidates(list(found.values()), text)


def _latest(rosters: Rosters, store: Store, wechat: str) -> tuple[Org, Member] | None:
    for v in [rosters.current, *(r.version for r in store.roster_history())]:
        org = rosters.org(v)
        member = org.member(wechat) if org is not None else None
        if org is not None and member is not None:
            return org, member
    return None


def trace_member(store: Store, wechat: str, until: datetime | None = None) -> TraceReport | None:
    """The 倒查 record of one roster member (None when no kept roster version has them), of
    the pushes created before `until` (e.g. the day the fraud happened) or all of them."""
    rosters = Rosters(store)
    latest = _latest(rosters, store, wechat)
    if latest is None:
        return None
    org, member = latest
    pushes = store.pushes(until=until)
    groups_at: dict[int, tuple[Group, ...]] = {}
    for push in pushes:
        then = rosters.org(push.roster_version)
        was = then.member(wechat) if then is not None else None
        if then is not None and was is not None:
            groups_at[push.id] = tuple(g for gid in was.groups if (g := then.group(gid)))
    group_ids = sorted({g.id for groups in groups_at.values() for g in groups})
    deliveries = store.deliveries_to(group_ids)
    push_ids = sorted({d.push_id for d in deliveries if d.delivered_at is not None})
    facts = TraceFacts(
        member=member,
        group_names=_group_names(org, member),
        current=org is rosters.org(rosters.current),
        pushes=pushes,
        groups_at=groups_at,
        deliveries=deliveries,
        receipts=store.member_receipts(wechat, push_ids),
        evidence=store.evidence_of(push_ids),
        taps=store.read_taps_in(push_ids, group_ids),
    )
    return assemble_trace(facts)
