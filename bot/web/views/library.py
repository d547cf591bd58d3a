"""素材库: browse and search the content library, and start a push of an item."""

from __future__ import annotations

from aiohttp import web

from bot.web import actions
from bot.web.context import Viewer, WebContext, WebError, ctx_of, path_id, read_form, viewer_of
from bot.web.dashboard import content_item as find_item
from bot.web.dashboard import find_content
from bot.web.views.render import page


async def content_list(request: web.Request) -> web.StreamResponse:
    """素材库: browse and search."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    query = request.query.get("q", "").strip()
    items = find_content(ctx.rt.app.library, query)
    return page(ctx, viewer, "content_list.html", "素材库", "/content", query=query, items=items)


def _item_page(
    ctx: WebContext, viewer: Viewer, content_id: int, message: str = "", status: int = 200
) -> web.Response:
    """One library item, with the push form for office and leaders (and its error)."""
    item = find_item(ctx.rt.app.library, content_id)
    return page(
        ctx,
        viewer,
        "content_item.html",
        f"素材{item.id} {item.title}",
        "/content",
        status,
        item=item,
        units=ctx.org.units,
        message=message,
    )


async def content_item(request: web.Request) -> web.StreamResponse:
    """One library item, with the push form for office and leaders."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    return _item_page(ctx, viewer, path_id(request, "content_id", "素材"))


async def content_push(request: web.Request) -> web.StreamResponse:
    """Start a push from a library item, then show its progress page."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    content_id = path_id(request, "content_id", "素材")
    form = await read_form(request)
    try:
        push = actions.start_push(
            ctx,
            viewer,
            content_id=content_id,
            scope=[str(s) for s in form.getall("scope", [])],
            deadline=str(form.get("deadline", "")),
        )
    except WebError as exc:
        if exc.status != 400:
            raise
        return _item_page(ctx, viewer, content_id, exc.message, 400)
    raise web.HTTPSeeOther(f"/pushes/{push.id}")
