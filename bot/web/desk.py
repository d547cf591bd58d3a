"""The 线索 (tips) desk of the dashboard: data for the pages and API, and status changes.

Office and leaders see every tip, a supervisor only their own unit's; office and
supervisors change a tip's status and add notes, each change audited. Only the office sees
a household's phone number.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.domain.desk import NOTE_MAX_CHARS, STATUSES, Tip, status_error, tip_place
from bot.web.context import (
    Viewer,
    WebContext,
    WebError,
    ctx_of,
    json_reply,
    path_id,
    read_json,
    viewer_of,
)
from bot.web.dashboard import local_text


def can_handle(viewer: Viewer) -> bool:
    """Office and supervisors follow tips up; leaders read them."""
    return viewer.role in ("office", "supervisor")


def tip_json(ctx: WebContext, viewer: Viewer, tip: Tip) -> dict[str, Any]:
    """One tip as this viewer may see it (notes included when loaded)."""
    org, tz = ctx.org, ctx.config.tz
    member = org.member(tip.member)
    group = org.group(tip.group_id) if tip.group_id else None
    return {
        "id": tip.id,
        "at": local_text(tip.at, tz),
        "name": member.name if member else tip.member,
        # No phone number at all unless office (not even a masked one).
        "phone": (member.phone or "") if member and viewer.sees_phones else "",
        "unit": tip.unit or "",
        "place": tip_place(org, group, tip.unit),
        "text": tip.text,
        "category": tip.category,
        "urgent": tip.urgent,
        "status": tip.status,
        "notes": [
            {"at": local_text(n.at, tz), "who": n.who, "text": n.text, "status": n.status}
            for n in tip.notes
        ],
    }


def visible_tips(ctx: WebContext, viewer: Viewer, status: str | None) -> list[dict[str, Any]]:
    """The tips this viewer may see, newest first."""
    status = status if status in STATUSES else None
    if viewer.role == "supervisor" and viewer.unit is None:
        return []
    tips = ctx.rt.app.store.tips(unit=viewer.unit, status=status)
    return [tip_json(ctx, viewer, t) for t in tips]


def find_tip(ctx: WebContext, viewer: Viewer, tip_id: int) -> Tip:
    """A tip this viewer may see (404 otherwise: another unit's tip does not exist for them)."""
    tip = ctx.rt.app.store.get_tip(tip_id)
    unitless = viewer.role == "supervisor" and not viewer.unit
    if tip is None or unitless or not viewer.sees_unit(tip.unit):
        raise WebError(404, f"找不到第{tip_id}条线索")
    return tip


def change_tip(ctx: WebContext, viewer: Viewer, tip_id: int, status: str, note: str) -> Tip:
    """Change a tip's status and/or add a note; audited. 400 in Chinese when nothing fits."""
    viewer.require(can_handle(viewer), "处理线索")
    tip = find_tip(ctx, viewer, tip_id)
    note = note.strip()
    wanted = status.strip() or tip.status
    reason = status_error(tip.status, wanted)
    if reason:
        raise WebError(400, reason)
    if len(note) > NOTE_MAX_CHARS:
        raise WebError(400, f"备注最多 {NOTE_MAX_CHARS} 个字")
    changed = wanted != tip.status
    if not changed and not note:
        raise WebError(400, "请改变状态或填写备注")
    store, now = ctx.rt.app.store, ctx.now()
    with store.transaction():
        store.update_tip(tip.id, now, viewer.label, note, wanted if changed else None)
        what = f"第{tip.id}条：{tip.status}→{wanted}" if changed else f"第{tip.id}条：备注"
        store.audit(now, viewer.name, "线索处理", what + (f"（{note[:60]}）" if note else ""))
    updated = store.get_tip(tip.id)
    assert updated is not None
    return updated


async def api_tips(request: web.Request) -> web.StreamResponse:
    """GET /api/tips[?status=新]: the tips the viewer may see, newest first."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    return json_reply({"tips": visible_tips(ctx, viewer, request.query.get("status"))})


async def api_tip(request: web.Request) -> web.StreamResponse:
    """GET /api/tips/{id}: one tip with its notes."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    tip = find_tip(ctx, viewer, path_id(request, "tip_id", "线索"))
    return json_reply(tip_json(ctx, viewer, tip))


async def api_change(request: web.Request) -> web.StreamResponse:
    """POST /api/tips/{id} {"status": "已联系", "note": "…"}: change it (CSRF header)."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    body = await read_json(request)
    status, note = body.get("status", ""), body.get("note", "")
    if not isinstance(status, str) or not isinstance(note, str):
        raise WebError(400, "status 和 note 应为文字")
    tip = change_tip(ctx, viewer, path_id(request, "tip_id", "线索"), status, note)
    return json_reply(tip_json(ctx, viewer, tip))
