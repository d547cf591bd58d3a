"""发案: the month's 发案 ranking, the entry form, the Excel upload (preview, then confirm),
population figures, the template and the export."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from bot.web import cases
from bot.web.context import (
    WebError,
    ctx_of,
    json_reply,
    read_form,
    read_json,
    uploaded_file,
    viewer_of,
)
from bot.web.files import download_response
from bot.web.views.render import page

PREVIEW_ROWS = 500


def _cases_page(
    request: web.Request, month: str, message: str = "", status: int = 200
) -> web.Response:
    ctx, viewer = ctx_of(request), viewer_of(request)
    data = cases.page_data(ctx, viewer, month)
    done = request.query.get("done", "")
    notice = f"已保存：{done} 条发生变化。" if done.isdigit() and not message else ""
    return page(
        ctx,
        viewer,
        "cases.html",
        f"发案统计 {data['label']}",
        "/cases",
        status,
        data=data,
        message=message,
        notice=notice,
    )


async def cases_page(request: web.Request) -> web.StreamResponse:
    """发案 of a month (?month=2026-11; default last month)."""
    ctx = ctx_of(request)
    return _cases_page(request, cases.chosen_month(request.query.get("month"), ctx.now()))


async def cases_enter(request: web.Request) -> web.StreamResponse:
    """The month form (office and 派出所); a bad value re-shows the page with the reason."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    form = await read_form(request)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    month = cases.chosen_month(fields.get("month", ""), ctx.now())
    try:
        entered = cases.enter_month(ctx, viewer, month, fields)
    except WebError as exc:
        if exc.status != 400:
            raise
        return _cases_page(request, month, exc.message, 400)
    query = urlencode({"month": month, "done": len(entered.changed)})
    raise web.HTTPSeeOther(f"/cases?{query}")


async def cases_preview(request: web.Request) -> web.StreamResponse:
    """Check an uploaded sheet row by row; show every problem, or the rows and a confirm."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    filename, data = await uploaded_file(request)
    result = await cases.preview_upload(ctx, viewer, filename, data)
    return page(
        ctx,
        viewer,
        "cases_preview.html",
        f"发案数据预览：{result.filename}",
        "/cases",
        200 if result.ok else 400,
        result=result,
        rows=result.rows[:PREVIEW_ROWS],
        payload=cases.payload_of(result) if result.ok else "",
    )


async def cases_import(request: web.Request) -> web.StreamResponse:
    """Write a previewed upload (the confirm button)."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    form = await read_form(request)
    entered, figures = cases.confirm_upload(
        ctx, viewer, str(form.get("filename", "")), str(form.get("payload", ""))
    )
    month = max(f.month for f in figures)
    raise web.HTTPSeeOther(f"/cases?{urlencode({'month': month, 'done': len(entered.changed)})}")


async def cases_population(request: web.Request) -> web.StreamResponse:
    """The office's population figure for one unit (blank clears it)."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    form = await read_form(request)
    month = cases.chosen_month(str(form.get("month", "")), ctx.now())
    try:
        cases.set_population(ctx, viewer, str(form.get("unit", "")), str(form.get("people", "")))
    except WebError as exc:
        if exc.status != 400:
            raise
        return _cases_page(request, month, exc.message, 400)
    raise web.HTTPSeeOther(f"/cases?{urlencode({'month': month})}#population")


async def cases_export(request: web.Request) -> web.StreamResponse:
    """GET /cases/export.xlsx?month=: the month's ranking."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    month = cases.chosen_month(request.query.get("month"), ctx.now())
    return download_response(cases.export(ctx, viewer, month))


async def cases_template(request: web.Request) -> web.StreamResponse:
    """GET /cases/template.xlsx?month=: the upload template."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    month = cases.chosen_month(request.query.get("month"), ctx.now())
    return download_response(cases.template(ctx, viewer, month))


async def api_cases(request: web.Request) -> web.StreamResponse:
    """GET /api/cases?month=2026-11: the month's ranking as the viewer may see it."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    month = cases.chosen_month(request.query.get("month"), ctx.now())
    data = cases.page_data(ctx, viewer, month)
    keys = ("month", "label", "entered_any", "rows", "interviews", "populations")
    return json_reply({k: data[k] for k in keys})


async def api_enter(request: web.Request) -> web.StreamResponse:
    """POST /api/cases {"month": "2026-11", "figures": [{"unit", "cases", "loss"}]}."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    body = await read_json(request)
    items = body.get("figures")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise WebError(400, "figures 应为数组，每项含 unit、cases、loss")
    month = cases.chosen_month(str(body.get("month", "")), ctx.now())
    form = {"month": month}
    for index, item in enumerate(items):
        form |= {
            f"unit_{index}": str(item.get("unit", "")),
            f"cases_{index}": str(item.get("cases", "")),
            f"loss_{index}": str(item.get("loss", "")),
        }
    entered = cases.enter_month(ctx, viewer, month, form)
    return json_reply({"changed": list(entered.changed), "unchanged": entered.unchanged})
