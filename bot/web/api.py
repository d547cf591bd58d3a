"""The JSON API under /api/: everything the pages show, for scripts and the page JS.

Errors are `{"error": "<中文说明>"}` with the HTTP status (401 without a session, 403
without the role or without a CSRF token on a POST).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.web import actions, dashboard, listings
from bot.web.context import (
    WebError,
    ctx_of,
    json_reply,
    path_id,
    read_json,
    uploaded_file,
    viewer_of,
)
from bot.web.files import download_response


async def me(request: web.Request) -> web.StreamResponse:
    """GET /api/me: who is logged in and what they may do."""
    viewer = viewer_of(request)
    return json_reply(
        {
            "name": viewer.name,
            "role": viewer.role,
            "unit": viewer.unit,
            "label": viewer.label,
            "csrf": viewer.csrf,
            "can_push": viewer.can_push,
            "can_manage_roster": viewer.can_manage_roster,
            "can_audit": viewer.can_audit,
            "can_use_console": viewer.can_use_console,
        }
    )


async def pushes(request: web.Request) -> web.StreamResponse:
    """GET /api/pushes?limit=20&before=N: a page of visible pushes with their rates, newest
    first; `next_before` fetches the next (older) page, null on the last one."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    app = ctx.rt.app
    limit, before = dashboard.paging(request.query)
    page, next_before = dashboard.push_page(app, viewer, limit, before)
    items = [dashboard.push_summary(app, viewer, p, ctx.config.tz) for p in page]
    return json_reply(
        {
            "pushes": items,
            "limit": limit,
            "before": before,
            "next_before": next_before,
            "now": ctx.now().isoformat(),
        }
    )


async def push_detail(request: web.Request) -> web.StreamResponse:
    """GET /api/pushes/{id}: units, laggards, evidence, reminders."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    app = ctx.rt.app
    push = dashboard.get_push(app, viewer, path_id(request, "push_id", "推送"))
    return json_reply(dashboard.push_detail(app, viewer, push, ctx.config.tz))


async def create_push(request: web.Request) -> web.StreamResponse:
    """POST /api/pushes {content_id | title+body, scope: [...], deadline: "18:00"}."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    body = await read_json(request)
    content_id = body.get("content_id")
    if content_id is not None and (
        not isinstance(content_id, int) or isinstance(content_id, bool)
    ):
        raise WebError(400, "content_id 应为素材编号（整数）")
    scope = body.get("scope", [])
    if not isinstance(scope, list) or not all(isinstance(s, str) for s in scope):
        raise WebError(400, 'scope 应为村/单位名称的数组，如 ["李家村"]；空数组表示全镇')
    push = actions.start_push(
        ctx,
        viewer,
        content_id=content_id,
        title=str(body.get("title", "")),
        body=str(body.get("body", "")),
        scope=scope,
        deadline=str(body.get("deadline") or ""),
    )
    summary = dashboard.push_summary(ctx.rt.app, viewer, push, ctx.config.tz)
    return json_reply(summary, status=201)


async def coverage_xlsx(request: web.Request) -> web.StreamResponse:
    """GET /api/pushes/{id}/coverage.xlsx."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    download = actions.export_coverage(ctx, viewer, path_id(request, "push_id", "推送"))
    return download_response(download)


async def ranking(request: web.Request) -> web.StreamResponse:
    """GET /api/ranking?period=day|week|month."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    period = listings.period_of(request.query.get("period"))
    return json_reply(listings.ranking_json(ctx.rt.app, viewer, period, ctx.now()))


async def ranking_xlsx(request: web.Request) -> web.StreamResponse:
    """GET /api/ranking.xlsx?period=…."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    period = listings.period_of(request.query.get("period"))
    return download_response(actions.export_ranking(ctx, viewer, period))


async def roster(request: web.Request) -> web.StreamResponse:
    """GET /api/roster?q=&unit=: members (phones masked except for the office) and groups."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    q, unit = request.query.get("q", "").strip(), request.query.get("unit", "").strip()
    return json_reply(listings.roster_json(ctx.org, viewer, q, unit))


async def roster_xlsx(request: web.Request) -> web.StreamResponse:
    """GET /api/roster.xlsx: the roster in the import format."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    return download_response(actions.export_roster(ctx, viewer))


async def roster_preview(request: web.Request) -> web.StreamResponse:
    """POST /api/roster/preview (multipart `file`): row errors, or a token and the removal.

    When `removal.needs_typed_confirm`, the import needs `confirm` = `removal.confirm_text`.
    """
    ctx, viewer = ctx_of(request), viewer_of(request)
    filename, data = await uploaded_file(request)
    preview = await actions.preview_roster(ctx, viewer, filename, data)
    result = preview.result
    payload: dict[str, Any] = {
        "ok": preview.token is not None,
        "filename": result.filename,
        "errors": result.errors,
        "ignored_columns": result.ignored_columns,
        "rows": [{"row": r.number, **r.values} for r in result.rows[:200]],
        "token": preview.token,
        "changes": preview.changes,
        "removal": preview.removal.as_json() if preview.removal else None,
    }
    return json_reply(payload, status=200 if preview.token else 400)


async def roster_import(request: web.Request) -> web.StreamResponse:
    """POST /api/roster/import {"token": …, "confirm": "<删除人数>"}: write a previewed roster."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    body = await read_json(request)
    confirm = body.get("confirm", "")
    changes = actions.confirm_roster(
        ctx, viewer, str(body.get("token", "")), confirm if isinstance(confirm, str) else ""
    )
    return json_reply({"ok": True, **changes})


async def roster_history(request: web.Request) -> web.StreamResponse:
    """GET /api/roster/history: stored roster versions, newest first (office only)."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    viewer.require(viewer.can_manage_roster, "查看名册版本（仅办公室）")
    versions = [
        {
            "version": v.version,
            "created_at": v.created_at.isoformat(),
            "source": v.source,
            "members": v.members,
        }
        for v in ctx.rt.app.store.roster_history()
    ]
    return json_reply({"versions": versions})


async def roster_restore(request: web.Request) -> web.StreamResponse:
    """POST /api/roster/restore: bring the previous roster version back."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    restored = actions.restore_previous_roster(ctx, viewer)
    return json_reply(
        {
            "ok": True,
            "restored": restored.source,
            "version": restored.version,
            "members": restored.members,
            "message": restored.describe(),
        }
    )


async def content(request: web.Request) -> web.StreamResponse:
    """GET /api/content?q=: the library (searched)."""
    ctx = ctx_of(request)
    items = dashboard.find_content(ctx.rt.app.library, request.query.get("q", "").strip())
    return json_reply({"items": [dashboard.content_json(c) for c in items]})


async def content_item(request: web.Request) -> web.StreamResponse:
    """GET /api/content/{id}."""
    ctx = ctx_of(request)
    item = dashboard.content_item(ctx.rt.app.library, path_id(request, "content_id", "素材"))
    return json_reply(dashboard.content_json(item))


async def bulletins(request: web.Request) -> web.StreamResponse:
    """GET /api/bulletins: published 通报, newest first."""
    ctx = ctx_of(request)
    return json_reply({"bulletins": listings.bulletins_json(ctx.rt.app, ctx.config.tz)})


async def audit(request: web.Request) -> web.StreamResponse:
    """GET /api/audit: the newest audit entries (office and leaders)."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    viewer.require(viewer.can_audit, "查看审计日志")
    return json_reply({"entries": listings.audit_json(ctx.rt.app, ctx.config.tz)})
