"""专项行动 pages: the list with the office's form to start one, a drive's units against their
targets (a bar with the target line per unit), and its Excel export."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Any

from aiohttp import web

from bot.chat.drives import drive_progress
from bot.domain.drive_input import drive_from_form
from bot.domain.drive_texts import day_label, targets_label
from bot.domain.drives import Drive, DriveError, UnitProgress
from bot.formats.drivesheet import drive_workbook
from bot.web.actions import Download
from bot.web.context import Viewer, WebContext, WebError, ctx_of, path_id, read_form, viewer_of
from bot.web.files import download_response
from bot.web.views.render import page

BAR_WIDTH = 200
EXAMPLE = {
    "title": "推广国家反诈中心APP",
    "phrases": "已安装、已注册、装好了",
    "screenshot": "1",
    "targets": "15日50%，月底80%",
    "overrides": "",
}


@dataclass(frozen=True)
class UnitRow:
    """One table row: the unit's progress and its bar geometry (SVG, no inline style)."""

    p: UnitProgress
    bar: int
    target_x: int | None


def _rows(progress: list[UnitProgress]) -> list[UnitRow]:
    return [
        UnitRow(
            p,
            round(min(p.rate, 1) * BAR_WIDTH),
            round(p.target.rate * BAR_WIDTH) if p.target else None,
        )
        for p in progress
    ]


def _today(ctx: WebContext) -> date:
    return ctx.now().astimezone(ctx.config.tz).date()


def _progress(ctx: WebContext, viewer: Viewer, drive: Drive, day: date) -> list[UnitProgress]:
    context = ctx.rt.app.context(ctx.now())
    return [p for p in drive_progress(context, drive, day) if viewer.sees_unit(p.unit)]


def _can_create(viewer: Viewer) -> bool:
    return viewer.role == "office"


def _list_page(
    ctx: WebContext, viewer: Viewer, form: dict[str, str], message: str = "", status: int = 200
) -> web.Response:
    today = _today(ctx)
    drives = [
        {
            "id": d.id,
            "title": d.title,
            "dates": f"{d.starts.isoformat()} 至 {d.ends.isoformat()}",
            "targets": targets_label(d.targets),
            "state": "进行中" if d.is_open(today) else ("已结束" if d.ends < today else "未开始"),
        }
        for d in ctx.rt.app.store.drives()
    ]
    return page(
        ctx,
        viewer,
        "drives.html",
        "专项行动",
        "/drives",
        status,
        drives=drives,
        can_create=_can_create(viewer),
        form=form,
        message=message,
    )


def _default_form(ctx: WebContext) -> dict[str, str]:
    today = _today(ctx)
    last = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    # "15日" late in the month would be next month's 15th, after the default end.
    targets = EXAMPLE["targets"] if today.day < 15 else "月底80%"
    return EXAMPLE | {"starts": today.isoformat(), "ends": last.isoformat(), "targets": targets}


async def drive_list(request: web.Request) -> web.StreamResponse:
    """Every drive; for the office, the form to start one."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    return _list_page(ctx, viewer, _default_form(ctx))


async def drive_create(request: web.Request) -> web.StreamResponse:
    """Start a drive (office only; audited; announced in the command group)."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    viewer.require(_can_create(viewer), "发起专项行动")
    posted = await read_form(request)
    form = {k: str(posted.get(k, "")) for k in ("title", "phrases", "starts", "ends", "targets")}
    form |= {k: str(posted.get(k, "")) for k in ("overrides", "screenshot")}
    try:
        drive = drive_from_form(form, ctx.org.units, ctx.now(), viewer.label)
    except DriveError as exc:
        return _list_page(ctx, viewer, form, str(exc), 400)
    app = ctx.rt.app
    stored = app.chat.drives.create(app.context(ctx.now(), member=viewer.as_member()), drive)
    raise web.HTTPSeeOther(f"/drives/{stored.id}")


def _find(ctx: WebContext, request: web.Request) -> Drive:
    drive = ctx.rt.app.store.get_drive(path_id(request, "drive_id", "专项行动"))
    if drive is None:
        raise WebError(404, "没有这个专项行动")
    return drive


async def drive_detail(request: web.Request) -> web.StreamResponse:
    """A drive's units against their targets (a supervisor sees their own unit)."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    drive = _find(ctx, request)
    day = min(_today(ctx), drive.ends)
    progress = _progress(ctx, viewer, drive, day)
    counted = sum(p.counted for p in progress)
    total = sum(p.households for p in progress)
    values: dict[str, Any] = {
        "drive": drive,
        "day": day_label(day),
        "targets": targets_label(drive.targets),
        "overrides": [(u, targets_label(ms)) for u, ms in drive.overrides],
        "rows": _rows(progress),
        "width": BAR_WIDTH,
        "counted": counted,
        "total": total,
        "rate": counted / total if total else None,
    }
    return page(ctx, viewer, "drive.html", f"专项行动：{drive.title}", "/drives", **values)


async def drive_xlsx(request: web.Request) -> web.StreamResponse:
    """The drive's units as Excel (a supervisor: their own unit); the export is audited."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    drive = _find(ctx, request)
    day = min(_today(ctx), drive.ends)
    data = drive_workbook(drive, _progress(ctx, viewer, drive, day), day)
    ctx.rt.app.store.audit(ctx.now(), viewer.name, "导出", f"专项行动第{drive.id}项 Excel")
    name = f"专项行动-{drive.title}-{day:%Y%m%d}.xlsx"
    return download_response(Download(data, name, f"drive-{drive.id}.xlsx"))
