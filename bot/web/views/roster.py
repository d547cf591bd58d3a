"""The 名册 pages: the roster, an upload's preview (removals first), import and restore.

An import that removes more than a tenth of the roster, or any leader, office or pusher,
is only written after the office types the number of people removed; the previous
version can be restored with one button (both audited).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.store import ROSTER_HISTORY
from bot.web import actions, listings
from bot.web.context import WebContext, ctx_of, read_form, uploaded_file, viewer_of
from bot.web.views.render import page

ROSTER_PAGE_ROWS = 500
PREVIEW_ROWS = 200
NOTICES = {
    "imported": "名册已导入，新名册已生效（已发起的推送仍按发起时的名册统计）。",
    "unchanged": "上传的名册与当前名册相同，没有变化。",
    "restored": "已恢复上一版名册，恢复后的名册已生效。",
    "restore-unchanged": "上一版名册与当前名册相同，没有变化。",
}


def _history(ctx: WebContext) -> dict[str, Any]:
    """The stored versions and the previous one (the one-click restore brings it back)."""
    versions = ctx.rt.app.store.roster_history()
    current = versions[0].version if versions else 0
    return {
        "versions": [
            {
                "version": v.version,
                "current": v.version == current,
                "created": f"{v.created_at.astimezone(ctx.config.tz):%Y-%m-%d %H:%M}",
                "members": v.members,
                "source": v.source,
            }
            for v in versions
        ],
        "previous": next((v for v in versions if v.version < current), None),
        "history_size": ROSTER_HISTORY,
    }


async def roster(request: web.Request) -> web.StreamResponse:
    """名册: members (phones masked except for the office), import, export and history."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    query = request.query.get("q", "").strip()
    unit = request.query.get("unit", "").strip()
    data = listings.roster_json(ctx.org, viewer, query, unit)
    history = _history(ctx) if viewer.can_manage_roster else {}
    return page(
        ctx,
        viewer,
        "roster.html",
        "名册",
        "/roster",
        data=data,
        query=query,
        unit=unit,
        notice=NOTICES.get(request.query.get("done", ""), ""),
        counts="，".join(f"{label} {n} 人" for label, n in data["counts"].items()),
        page_rows=ROSTER_PAGE_ROWS,
        **history,
    )


async def roster_preview(request: web.Request) -> web.StreamResponse:
    """Check an uploaded roster and show every problem, or what it removes, before writing."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    filename, data = await uploaded_file(request)
    preview = await actions.preview_roster(ctx, viewer, filename, data)
    return page(
        ctx,
        viewer,
        "roster_preview.html",
        f"名册预览：{preview.result.filename}",
        "/roster",
        400 if preview.token is None else 200,
        preview=preview,
        result=preview.result,
        changes=preview.changes,
        removal=preview.removal,
        rows=preview.result.rows[:PREVIEW_ROWS],
    )


async def roster_import(request: web.Request) -> web.StreamResponse:
    """Confirm a previewed import (with the typed number when the preview asked for it)."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    form = await read_form(request)
    changes = actions.confirm_roster(
        ctx, viewer, str(form.get("token", "")), str(form.get("confirm", ""))
    )
    done = "imported" if changes["imported"] else "unchanged"
    raise web.HTTPSeeOther(f"/roster?{urlencode({'done': done})}")


async def roster_restore(request: web.Request) -> web.StreamResponse:
    """Restore the previous roster version (the button on the 名册 page)."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    restored = actions.restore_previous_roster(ctx, viewer)
    done = "restored" if restored.changed else "restore-unchanged"
    raise web.HTTPSeeOther(f"/roster?{urlencode({'done': done})}#roster-history")
