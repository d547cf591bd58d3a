"""线索: households' fraud reports for the office and the supervisors (own unit only)."""

from __future__ import annotations

from aiohttp import web

from bot.domain.desk import STATUSES
from bot.web.context import Viewer, WebContext, WebError, ctx_of, path_id, read_form, viewer_of
from bot.web.desk import can_handle, change_tip, find_tip, tip_json, visible_tips
from bot.web.views.render import page


async def tip_list(request: web.Request) -> web.StreamResponse:
    """线索 list, newest first, optionally of one status."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    status = request.query.get("status", "")
    tips = visible_tips(ctx, viewer, status)
    return page(
        ctx, viewer, "tips.html", "线索", "/tips", tips=tips, statuses=STATUSES, chosen=status
    )


def _tip_page(
    ctx: WebContext, viewer: Viewer, tip_id: int, message: str = "", status: int = 200
) -> web.Response:
    tip = tip_json(ctx, viewer, find_tip(ctx, viewer, tip_id))
    return page(
        ctx,
        viewer,
        "tip.html",
        f"线索第{tip_id}条",
        "/tips",
        status,
        tip=tip,
        statuses=STATUSES,
        can_handle=can_handle(viewer),
        message=message,
    )


async def tip_detail(request: web.Request) -> web.StreamResponse:
    """One tip with its notes and, for office and supervisors, the status form."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    return _tip_page(ctx, viewer, path_id(request, "tip_id", "线索"))


async def tip_change(request: web.Request) -> web.StreamResponse:
    """Change a tip's status or add a note (the form carries the CSRF token)."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    tip_id = path_id(request, "tip_id", "线索")
    form = await read_form(request)
    try:
        change_tip(ctx, viewer, tip_id, str(form.get("status", "")), str(form.get("note", "")))
    except WebError as exc:
        if exc.status != 400:
            raise
        return _tip_page(ctx, viewer, tip_id, exc.message, 400)
    raise web.HTTPSeeOther(f"/tips/{tip_id}")
