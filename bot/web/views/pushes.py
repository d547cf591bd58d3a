"""总览 (a page of pushes with live progress bars) and one push's page."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from bot.domain.texts import push_name
from bot.web import dashboard
from bot.web.context import ctx_of, path_id, viewer_of
from bot.web.views.render import page


async def overview(request: web.Request) -> web.StreamResponse:
    """总览: a page of visible pushes (newest 20) with live progress bars (polls /api/pushes)."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    app = ctx.rt.app
    limit, before = dashboard.paging(request.query)
    page_pushes, next_before = dashboard.push_page(app, viewer, limit, before)
    pushes = [dashboard.push_summary(app, viewer, p, ctx.config.tz) for p in page_pushes]
    source = "/api/pushes?" + urlencode({"limit": limit, **({"before": before} if before else {})})
    older = f"/?{urlencode({'before': next_before})}" if next_before else ""
    return page(
        ctx,
        viewer,
        "overview.html",
        "总览",
        "/",
        pushes=pushes,
        limit=limit,
        source=source,
        newest=bool(before),
        older=older,
    )


async def push_detail(request: web.Request) -> web.StreamResponse:
    """One push: per-unit table, laggards, evidence, reminders, export."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    app = ctx.rt.app
    push = dashboard.get_push(app, viewer, path_id(request, "push_id", "推送"))
    detail = dashboard.push_detail(app, viewer, push, ctx.config.tz)
    return page(ctx, viewer, "push.html", push_name(push), "/", d=detail)
