"""预警: the list of 预警劝阻单 with the issue form, one warning's chain, its photo."""

from __future__ import annotations

from aiohttp import web

from bot.domain.warnings import GRADES, RISKS, assignees
from bot.web import warnings as data
from bot.web.context import Viewer, WebContext, WebError, ctx_of, path_id, read_form, viewer_of
from bot.web.files import file_response
from bot.web.views.render import page


def _list_page(
    ctx: WebContext,
    viewer: Viewer,
    message: str = "",
    status: int = 200,
    form: dict[str, str] | None = None,
) -> web.Response:
    rows = [data.warning_json(ctx, viewer, w) for w in data.visible(ctx, viewer)]
    people = [
        {"wechat": m.wechat, "label": f"{m.name}（{m.unit or '镇'}）"} for m in assignees(ctx.org)
    ]
    return page(
        ctx,
        viewer,
        "warnings.html",
        "预警劝阻",
        "/warnings",
        status,
        warnings=rows,
        can_issue=data.can_issue(viewer),
        risks=RISKS,
        people=people,
        sign_minutes=ctx.config.warning.sign_minutes,
        visit_hours=ctx.config.warning.visit_hours,
        message=message,
        form={k: "" for k in data.ISSUE_FIELDS} | (form or {}),
    )


async def warning_list(request: web.Request) -> web.StreamResponse:
    """Every warning the viewer may see, newest first; the issue form for office/派出所."""
    return _list_page(ctx_of(request), viewer_of(request))


async def warning_issue(request: web.Request) -> web.StreamResponse:
    """Issue a warning from the form (CSRF-checked), then show its chain."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    posted = await read_form(request)
    form = {k: str(posted.get(k, "")) for k in data.ISSUE_FIELDS}
    try:
        w = data.issue(ctx, viewer, form)
    except WebError as exc:
        if exc.status != 400:
            raise
        return _list_page(ctx, viewer, exc.message, 400, form)
    raise web.HTTPSeeOther(f"/warnings/{w.id}")


def _detail_page(
    ctx: WebContext, viewer: Viewer, warning_id: int, message: str = "", status: int = 200
) -> web.Response:
    w = data.warning_json(ctx, viewer, data.find(ctx, viewer, warning_id))
    title = f"预警{warning_id}"
    return page(
        ctx,
        viewer,
        "warning.html",
        title,
        "/warnings",
        status,
        w=w,
        grades=GRADES,
        message=message,
    )


async def warning_detail(request: web.Request) -> web.StreamResponse:
    """One warning: the chain 下发 → 签收 → 劝阻 → 反馈 → 评价 with times and deadlines."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    return _detail_page(ctx, viewer, path_id(request, "warning_id", "预警"))


async def warning_evaluate(request: web.Request) -> web.StreamResponse:
    """The issuer's evaluation form."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    warning_id = path_id(request, "warning_id", "预警")
    form = await read_form(request)
    try:
        data.evaluate(
            ctx, viewer, warning_id, str(form.get("grade", "")), str(form.get("note", ""))
        )
    except WebError as exc:
        if exc.status != 400:
            raise
        return _detail_page(ctx, viewer, warning_id, exc.message, 400)
    raise web.HTTPSeeOther(f"/warnings/{warning_id}")


async def warning_photo(request: web.Request) -> web.StreamResponse:
    """The on-site photo (issuer and assignee only)."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    warning_id = path_id(request, "warning_id", "预警")
    return file_response(data.photo_file(ctx, viewer, warning_id), f"warning-{warning_id}.bin")
