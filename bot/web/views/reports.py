"""排名, 通报 and 审计日志."""

from __future__ import annotations

from aiohttp import web

from bot.domain.texts import PERIOD_LABELS
from bot.web import listings
from bot.web.context import ctx_of, viewer_of
from bot.web.views.render import page


async def ranking(request: web.Request) -> web.StreamResponse:
    """排名 for a day, a week or a month."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    period = listings.period_of(request.query.get("period"))
    data = listings.ranking_json(ctx.rt.app, viewer, period, ctx.now())
    return page(ctx, viewer, "ranking.html", "排名", "/ranking", data=data, periods=PERIOD_LABELS)


async def bulletins(request: web.Request) -> web.StreamResponse:
    """通报 history (日报, 周报, 月度排名) as the scheduler published them."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    items = listings.bulletins_json(ctx.rt.app, ctx.config.tz)
    return page(ctx, viewer, "bulletins.html", "通报", "/bulletins", items=items)


async def audit(request: web.Request) -> web.StreamResponse:
    """审计日志: who pushed, imported, exported, logged in."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    viewer.require(viewer.can_audit, "查看审计日志")
    entries = listings.audit_json(ctx.rt.app, ctx.config.tz)
    return page(ctx, viewer, "audit.html", "审计日志", "/audit", entries=entries)
