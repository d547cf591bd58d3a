"""What the dashboard shows of pushes, as plain data: the pages and the JSON API both read it.

Every function takes the `Viewer`, so a supervisor's view is cut down to their own unit in
one place rather than in every page and API handler.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from bot.app import App
from bot.domain.coverage import (
    PushCoverage,
    percent,
    percent_of,
    unit_json,
)
from bot.domain.model import (
    ROLE_LABELS,
    Content,
    Delivery,
    Group,
    Member,
    Mode,
    Org,
    Push,
    UnitTally,
)
from bot.domain.privacy import mask_phone
from bot.domain.relay import group_pushers
from bot.domain.texts import scope_label
from bot.formats.content import search
from bot.web.context import MAX_ID, Viewer, WebError

MODE_LABELS = {
    Mode.RELAY: "机器人直发",
    Mode.FORWARD: "推送员转发",
    Mode.EVIDENCE: "截图佐证",
    Mode.TASK: "群发任务（成员确认发送）",
}
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
VIA_LABELS = {
    "relay": "机器人直发",
    "forward": "转发识别",
    "evidence": "截图佐证",
    "task": "群发任务",
}


def shown_phone(phone: str | None, viewer: Viewer) -> str:
    """The phone as this viewer may see it."""
    return (phone or "") if viewer.sees_phones else mask_phone(phone)


def local_text(dt: datetime | None, tz: tzinfo) -> str:
    """ "2026-11-23 09:00" in the configured zone ("—" for none)."""
    return "—" if dt is None else dt.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def creator_name(app: App, push: Push) -> str:
    """Who started a push, by name ("张主任（网页）" for dashboard users)."""
    if push.created_by.startswith("web:"):
        return f"{push.created_by[4:]}（网页）"
    member = app.org.member(push.created_by)
    return member.name if member else push.created_by


# -- pushes ---------------------------------------------------------------------------------


def push_page(
    app: App, viewer: Viewer, limit: int = PAGE_SIZE, before: int | None = None
) -> tuple[list[Push], int | None]:
    """One page of visible pushes, newest first, and the `before` of the next (older) page.

    The 总览 reads a page rather than every push ever made, so its cost stays flat as
    history grows.
    """
    pushes = app.store.push_page(limit + 1, before, viewer.unit)
    if len(pushes) > limit:
        return pushes[:limit], pushes[limit - 1].id
    return pushes, None


def paging(query: Mapping[str, str]) -> tuple[int, int | None]:
    """`limit` (1…MAX_PAGE_SIZE, default PAGE_SIZE) and `before` (a push number) of a query."""
    limit, before = PAGE_SIZE, None
    text = query.get("limit", "").strip()
    if text:
        if not text.isdecimal() or not 1 <= int(text) <= MAX_PAGE_SIZE:
            raise WebError(
                400, f"参数 limit 应为 1 到 {MAX_PAGE_SIZE} 之间的整数，实际为“{text[:20]}”"
            )
        limit = int(text)
    text = query.get("before", "").strip()
    if text:
        if not text.isdecimal() or int(text) < 1:
            raise WebError(400, f"参数 before 应为推送编号（正整数），实际为“{text[:20]}”")
        before = min(int(text), MAX_ID)
    return limit, before


def get_push(app: App, viewer: Viewer, push_id: int) -> Push:
    """One push, or 404/403."""
    push = app.store.get_push(push_id)
    if push is None:
        raise WebError(404, f"没有第{push_id}期推送")
    if viewer.unit is not None and viewer.unit not in push.scope:
        raise WebError(403, f"第{push_id}期推送不涉及{viewer.unit}，您的账号只能查看本单位")
    return push


def viewer_coverage(app: App, viewer: Viewer, push: Push) -> PushCoverage:
    """Coverage of a push; for a supervisor, of their unit only (medians included)."""
    return app.coverage(push, viewer.unit)


def _metric(done: int, total: int, value: float | None) -> dict[str, Any]:
    return {
        "done": done,
        "total": total,
        "rate": value,
        "percent": percent(value),
        "text": f"{done}/{total}（{percent(value)}）",
    }


def push_summary(app: App, viewer: Viewer, push: Push, tz: tzinfo) -> dict[str, Any]:
    """The 总览 card of a push: its four rates with counts."""
    cov = viewer_coverage(app, viewer, push)
    org = app.org_for(push)
    return {
        "id": push.id,
        "title": push.title,
        "created_at": push.created_at.isoformat(),
        "created_text": local_text(push.created_at, tz),
        "created_by": creator_name(app, push),
        "deadline": push.deadline.isoformat() if push.deadline else None,
        "deadline_text": local_text(push.deadline, tz),
        "scope": list(push.scope),
        "scope_label": scope_label(push.scope, org.units),
        "sign": _metric(cov.signed, cov.pushers, cov.sign_rate),
        "delivery": _metric(cov.delivered, cov.groups, cov.delivery_rate),
        "reach": _metric(cov.reached, cov.households, cov.reach),
        "ack": _metric(cov.acks, cov.households, cov.ack_rate),
        "reads": cov.reads,
        "median_sign_minutes": cov.median_sign_minutes,
        "median_deliver_minutes": cov.median_deliver_minutes,
        "units": [_unit_card(cov, u) for u in cov.units],
    }


def _unit_card(cov: PushCoverage, u: UnitTally) -> dict[str, Any]:
    # Filled in place (same keys, same order as `{**unit_json(u), …}`): a city card has
    # 8,000 units and the 总览 lists 20 cards.
    card = unit_json(u)
    unknown = cov.acks_unknown(u)
    card["sign_rate"] = percent_of(u.signed, u.pushers)
    card["delivery_rate"] = percent_of(u.delivered, u.groups)
    # As percent(cov.unit_ack_rate(u)).
    card["ack_rate"] = percent(None) if unknown else percent_of(u.acks + u.read_acks, u.households)
    card["acks_seen"] = not unknown
    card["reads"] = u.reads
    card["read_acks"] = u.read_acks
    return card


def person_json(member: Member, viewer: Viewer) -> dict[str, Any]:
    """A roster member as this viewer may see them."""
    return {
        "name": member.name,
        "wechat": member.wechat,
        "unit": member.unit or "",
        "role": ROLE_LABELS[member.role],
        "phone": shown_phone(member.phone, viewer),
    }


def laggard_lists(
    app: App, viewer: Viewer, push: Push
) -> tuple[list[Member], list[tuple[Delivery, Group, tuple[Member, ...]]]]:
    """Unsigned pushers and undelivered groups (with their pushers) visible to the viewer."""
    unsigned, undelivered = app.laggards(push)
    return (
        [m for m in unsigned if viewer.sees_unit(m.unit)],
        [item for item in undelivered if viewer.sees_unit(item[0].unit)],
    )


def _groups_json(
    org: Org, viewer: Viewer, deliveries: list[Delivery], tz: tzinfo
) -> list[dict[str, Any]]:
    groups = []
    for d in deliveries:
        group = org.group(d.group_id)
        if group is None or not viewer.sees_unit(d.unit):
            continue
        groups.append(
            {
                "id": group.id,
                "name": group.name,
                "unit": d.unit or "",
                "mode": MODE_LABELS[d.mode],
                "delivered_at": local_text(d.delivered_at, tz) if d.delivered_at else None,
                "via": VIA_LABELS.get(d.via or "", d.via or ""),
                "pushers": [p.name for p in group_pushers(org, group)],
            }
        )
    return groups


def _evidence_json(
    app: App, org: Org, viewer: Viewer, push: Push, deliveries: list[Delivery], tz: tzinfo
) -> list[dict[str, Any]]:
    evidence = []
    units_by_group = {d.group_id: d.unit for d in deliveries}
    for index, ev in enumerate(app.store.evidence(push.id)):
        if not viewer.sees_unit(units_by_group.get(ev.group_id)):
            continue
        group = org.group(ev.group_id)
        member = org.member(ev.member)
        evidence.append(
            {
                "index": index,
                "group": group.name if group else ev.group_id,
                "member": member.name if member else ev.member,
                "at": local_text(ev.at, tz),
                "url": f"/evidence/{push.id}/{index}",
            }
        )
    return evidence


def _reminders_json(
    app: App, org: Org, viewer: Viewer, push: Push, tz: tzinfo
) -> list[dict[str, Any]]:
    visible_wechats = {m.wechat for m in org.members if viewer.sees_unit(m.unit)}
    reminders = []
    for r in app.store.reminders(push.id):
        names = [
            (m.name if (m := org.member(w)) else w) for w in r.members if w in visible_wechats
        ]
        if viewer.unit is None or names:
            reminders.append({"at": local_text(r.at, tz), "kind": r.kind, "members": names})
    return reminders


def push_detail(app: App, viewer: Viewer, push: Push, tz: tzinfo) -> dict[str, Any]:
    """Everything the push page shows: units, laggards, evidence, reminders."""
    org = app.org_for(push)
    deliveries = app.store.deliveries(push.id)
    unsigned, undelivered = laggard_lists(app, viewer, push)
    return {
        **push_summary(app, viewer, push, tz),
        "body": push.body,
        "groups": _groups_json(org, viewer, deliveries, tz),
        "unsigned": [person_json(m, viewer) for m in unsigned],
        "undelivered": [
            {
                "group": g.name,
                "unit": d.unit or "",
                "mode": MODE_LABELS[d.mode],
                "pushers": [person_json(p, viewer) for p in pushers],
            }
            for d, g, pushers in undelivered
        ],
        "evidence": _evidence_json(app, org, viewer, push, deliveries, tz),
        "reminders": _reminders_json(app, org, viewer, push, tz),
    }


def evidence_file(app: App, viewer: Viewer, push: Push, index: int, data_dir: Path) -> Path:
    """The stored screenshot file of one evidence record, if this viewer may see it."""
    records = app.store.evidence(push.id)
    if not 0 <= index < len(records):
        raise WebError(404, "没有这张佐证截图")
    ev = records[index]
    unit = next((d.unit for d in app.store.deliveries(push.id) if d.group_id == ev.group_id), None)
    if not viewer.sees_unit(unit):
        raise WebError(403, "这张截图不属于您的单位")
    path = Path(ev.path).resolve()
    # The path comes from the DB; never serve anything outside the data folder.
    if not path.is_relative_to(data_dir.resolve()) or not path.is_file():
        raise WebError(404, "截图文件已不存在")
    return path


# -- content library -------------------------------------------------------------------------


def content_json(item: Content) -> dict[str, Any]:
    """One content item."""
    return {
        "id": item.id,
        "title": item.title,
        "body": item.body,
        "fraud_types": list(item.fraud_types),
        "audiences": list(item.audiences),
        "media": list(item.media),
    }


def find_content(library: Sequence[Content], query: str) -> list[Content]:
    """The library filtered by the search box (everything for a blank query)."""
    return search(library, query)


def content_item(library: Sequence[Content], content_id: int) -> Content:
    """One item by number, or 404."""
    item = next((c for c in library if c.id == content_id), None)
    if item is None:
        raise WebError(404, f"素材库中没有素材{content_id}")
    return item
