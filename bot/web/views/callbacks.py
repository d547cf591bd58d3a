"""回访抽查 pages: the rounds and the draw form, one round (知晓率, call list with a select per
row), the call list's Excel export, and an upload's checked preview and confirmation."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.callbacks import CallbackError, close_round
from bot.domain.callbacks import DEFAULT_EXCLUDE_DAYS, OUTCOMES
from bot.formats.callbackfile import call_list_workbook
from bot.web.actions import Download
from bot.web.callbacks import (
    can_run,
    check_upload,
    confirm_upload,
    draw_from_form,
    find_round,
    outcomes_from_form,
    round_json,
    round_list,
    visible_calls,
)
from bot.web.context import (
    Viewer,
    WebContext,
    WebError,
    ctx_of,
    path_id,
    read_form,
    uploaded_file,
    viewer_of,
)
from bot.web.files import download_response
from bot.web.views.render import page

NOTICES = {
    "drawn": "已抽取本轮回访名单。",
    "saved": "回访结果已保存。",
    "imported": "上传的回访结果已登记。",
    "unchanged": "上传的名单与已登记的结果相同，没有变化。",
    "closed": "本轮回访已结束。",
}


def _list_page(
    ctx: WebContext, viewer: Viewer, message: str = "", status: int = 200
) -> web.Response:
    return page(
        ctx,
        viewer,
        "callbacks.html",
        "回访抽查",
        "/callbacks",
        status,
        rounds=round_list(ctx, viewer),
        units=ctx.org.units,
        can_run=can_run(viewer),
        exclude_days=DEFAULT_EXCLUDE_DAYS,
        message=message,
    )


async def callback_list(request: web.Request) -> web.StreamResponse:
    """The rounds, newest first, and (for the office) the form that draws a new one."""
    return _list_page(ctx_of(request), viewer_of(request))


async def callback_draw(request: web.Request) -> web.StreamResponse:
    """Draw a round from the form (office only)."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    form = await read_form(request)
    try:
        round_id = draw_from_form(ctx, viewer, form)
    except WebError as exc:
        if exc.status != 400:
            raise
        return _list_page(ctx, viewer, exc.message, 400)
    raise web.HTTPSeeOther(f"/callbacks/{round_id}?{urlencode({'done': 'drawn'})}")


def _round_page(
    ctx: WebContext,
    viewer: Viewer,
    round_id: int,
    message: str = "",
    status: int = 200,
    notice: str = "",
) -> web.Response:
    round_ = find_round(ctx, viewer, round_id)
    data = round_json(ctx, viewer, round_, visible_calls(ctx, viewer, round_id))
    return page(
        ctx,
        viewer,
        "callback.html",
        f"第{round_id}轮回访",
        "/callbacks",
        status,
        r=data,
        outcomes=OUTCOMES,
        can_run=can_run(viewer),
        message=message,
        notice=notice,
    )


async def callback_detail(request: web.Request) -> web.StreamResponse:
    """One round: 知晓率 per village, the call list (a select per row for the office)."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    notice = NOTICES.get(request.query.get("done", ""), "")
    return _round_page(ctx, viewer, path_id(request, "round_id", "回访"), notice=notice)


async def callback_save(request: web.Request) -> web.StreamResponse:
    """Save the outcomes chosen on the round page."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    round_id = path_id(request, "round_id", "回访")
    form = await read_form(request)
    try:
        outcomes_from_form(ctx, viewer, round_id, form)
    except WebError as exc:
        if exc.status != 400:
            raise
        return _round_page(ctx, viewer, round_id, exc.message, 400)
    raise web.HTTPSeeOther(f"/callbacks/{round_id}?{urlencode({'done': 'saved'})}")


async def callback_close(request: web.Request) -> web.StreamResponse:
    """End a round by hand (households not reached stay open)."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    round_id = path_id(request, "round_id", "回访")
    viewer.require(can_run(viewer), "结束回访")
    find_round(ctx, viewer, round_id)
    try:
        close_round(ctx.rt.app.store, round_id, ctx.now(), viewer.label)
    except CallbackError as exc:
        return _round_page(ctx, viewer, round_id, str(exc), 400)
    raise web.HTTPSeeOther(f"/callbacks/{round_id}?{urlencode({'done': 'closed'})}")


async def callback_xlsx(request: web.Request) -> web.StreamResponse:
    """The call list as Excel, phones in full: the office only (403 in Chinese otherwise)."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    round_id = path_id(request, "round_id", "回访")
    viewer.require(viewer.sees_phones and can_run(viewer), "导出回访名单（含完整电话号码）")
    find_round(ctx, viewer, round_id)
    data = call_list_workbook(round_id, visible_calls(ctx, viewer, round_id))
    ctx.rt.app.store.audit(ctx.now(), viewer.name, "回访导出", f"第{round_id}轮回访名单")
    return download_response(
        Download(data, f"第{round_id}轮回访名单.xlsx", f"callbacks-{round_id}.xlsx")
    )


async def callback_preview(request: web.Request) -> web.StreamResponse:
    """Check an uploaded, filled-in call list row by row; nothing is recorded yet."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    round_id = path_id(request, "round_id", "回访")
    viewer.require(can_run(viewer), "上传回访结果")
    filename, data = await uploaded_file(request)
    upload, token = check_upload(ctx, viewer, round_id, filename, data)
    values: dict[str, Any] = {"upload": upload, "token": token, "round_id": round_id}
    values["changes"] = len(upload.entries)
    return page(
        ctx,
        viewer,
        "callback_preview.html",
        f"回访结果预览：{upload.filename}",
        "/callbacks",
        400 if token is None else 200,
        **values,
    )


async def callback_import(request: web.Request) -> web.StreamResponse:
    """Record a previewed upload (all its rows or none)."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    round_id = path_id(request, "round_id", "回访")
    form = await read_form(request)
    count = confirm_upload(ctx, viewer, round_id, str(form.get("token", "")))
    done = "imported" if count else "unchanged"
    raise web.HTTPSeeOther(f"/callbacks/{round_id}?{urlencode({'done': done})}")
