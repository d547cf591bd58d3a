"""What the dashboard changes or hands out: pushes, roster imports, exports — each audited.

Pages (HTML forms) and the JSON API call the same functions, so both check the same
permissions and leave the same audit trail.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath
from urllib.parse import unquote

from bot.domain.intent import DeadlineError, parse_deadline
from bot.domain.model import Push
from bot.domain.relay import ScopeError
from bot.domain.texts import PERIOD_LABELS, derive_title
from bot.formats.rosterfile import (
    Removal,
    RosterImport,
    read_roster,
    roster_changes,
    roster_removal,
    roster_workbook,
)
from bot.formats.xlsx import coverage_workbook, ranking_workbook
from bot.roster import Restored, RestoreError, restore_roster
from bot.web import dashboard, listings
from bot.web.context import Viewer, WebContext, WebError

log = logging.getLogger("bot.web")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_BODY_CHARS = 5000
MAX_DEADLINE_AHEAD = timedelta(days=366)


@dataclass(frozen=True)
class Download:
    """A generated file: bytes, the Chinese file name and an ASCII fallback name."""

    data: bytes
    filename: str
    ascii_name: str
    content_type: str = XLSX


def _deadline(ctx: WebContext, text: str, now: datetime) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            return parse_deadline(text, now, ctx.config.tz)
        except DeadlineError as exc:
            raise WebError(400, str(exc)) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ctx.config.tz)
    if parsed <= now:
        raise WebError(400, f"截止时间“{text}”已经过去了")
    if parsed - now > MAX_DEADLINE_AHEAD:
        raise WebError(400, f"截止时间“{text}”太远了，请设在一年以内")
    return parsed


def start_push(
    ctx: WebContext,
    viewer: Viewer,
    *,
    content_id: int | None,
    title: str = "",
    body: str = "",
    scope: Sequence[str] = (),
    deadline: str = "",
) -> Push:
    """Start a push from a library item (or a typed text) for the chosen units."""
    viewer.require(viewer.can_push, "发起推送（仅办公室和领导）")
    now = ctx.now()
    if content_id is not None:
        item = dashboard.content_item(ctx.rt.app.library, content_id)
        title, body = item.title, item.body
    else:
        body = body.strip()
        if not body:
            raise WebError(400, "请填写要推送的正文，或从素材库选择一条素材")
        if len(body) > MAX_BODY_CHARS:
            raise WebError(400, f"正文太长（{len(body)} 字），请控制在 {MAX_BODY_CHARS} 字以内")
        title = title.strip() or derive_title(body)
    # Every unit ticked is the whole town: store it as such, like "推送" without 范围.
    chosen = [s.strip() for s in scope if s.strip()]
    if set(chosen) >= set(ctx.org.units):
        chosen = []
    when = _deadline(ctx, deadline, now)
    try:
        return ctx.rt.app.create_push(
            title, body, viewer.as_member(), now, chosen, when, content_id
        )
    except ScopeError as exc:
        raise WebError(400, str(exc)) from None


@dataclass(frozen=True)
class RosterPreview:
    """A checked upload: the rows and errors, and when valid its token, changes and removal."""

    result: RosterImport
    token: str | None = None
    changes: dict[str, int] | None = None
    removal: Removal | None = None


async def preview_roster(
    ctx: WebContext, viewer: Viewer, filename: str, data: bytes
) -> RosterPreview:
    """Check an uploaded roster off the event loop; a valid one is staged for confirmation."""
    viewer.require(viewer.can_manage_roster, "导入名册（仅办公室）")
    current = ctx.org
    # Some clients percent-encode non-ASCII upload names ("%E5%90%8D…"); browsers do not.
    # Parsing a big sheet takes seconds: a worker thread keeps the bot answering meanwhile.
    name = unquote(filename)
    try:
        result = await asyncio.to_thread(read_roster, name, data, current)
    except Exception:
        # An uploaded file is untrusted input: a parser bug on a strange file is the
        # user's 400 (with the traceback in the log), never a 500.
        log.exception("名册文件无法读取：%s", name)
        raise WebError(
            400,
            f"名册文件 {PurePath(name).name or '名册'} 无法读取：格式不正确"
            "（例如换行符或编码异常），请在 Excel 中另存为 .xlsx 或“CSV UTF-8”后重新上传",
        ) from None
    if not result.ok or result.org is None:
        return RosterPreview(result)
    return RosterPreview(
        result,
        ctx.stage_import(viewer.name, result),
        roster_changes(current, result.org),
        roster_removal(current, result.org),
    )


def confirm_roster(
    ctx: WebContext, viewer: Viewer, token: str, confirm: str = ""
) -> dict[str, int]:
    """Import a previewed roster; returns the changes (all zero if it was unchanged).

    A big or key-role removal (see `Removal.needs_typed_confirm`) is refused with 400
    unless `confirm` is the number of people removed, as the preview asked.
    """
    viewer.require(viewer.can_manage_roster, "导入名册（仅办公室）")
    pending = ctx.pending_imports.get(token)
    if pending is None or pending.owner != viewer.name or pending.result.org is None:
        raise WebError(400, "导入预览已失效，请重新上传名册文件")
    org = pending.result.org
    if org.groups != ctx.org.groups or org.town != ctx.org.town:
        # The sheet was checked against groups that have changed since: check it again.
        del ctx.pending_imports[token]
        raise WebError(409, "预览之后名册的群已经变化，请重新上传名册文件")
    removal = roster_removal(ctx.org, org)
    if not removal.confirmed_by(confirm):
        raise WebError(
            400,
            f"这次导入将删除 {removal.count} 人（现有 {removal.before} 人），"
            f"请在确认框中输入删除人数 {removal.confirm_text} 后再导入",
        )
    now = ctx.now()
    changes = roster_changes(ctx.org, org)
    source = f"网页导入 {pending.result.filename}"
    app = ctx.rt.app
    imported = app.import_roster(app.store, org, now, source)
    del ctx.pending_imports[token]
    if not imported:
        return {**changes, "imported": 0}
    _roster_changed(ctx)
    app.store.audit(
        now,
        viewer.name,
        "网页导入名册",
        f"{pending.result.filename}：{changes['total']} 人（新增 {changes['added']}，"
        f"删除 {changes['removed']}，修改 {changes['changed']}）",
    )
    return {**changes, "imported": 1}


def restore_previous_roster(ctx: WebContext, viewer: Viewer) -> Restored:
    """Bring the previous roster version back (office only); audited by `restore_roster`."""
    viewer.require(viewer.can_manage_roster, "恢复名册（仅办公室）")
    app = ctx.rt.app
    try:
        restored = restore_roster(app.store, None, ctx.now(), viewer.name)
    except RestoreError as exc:
        raise WebError(400, str(exc)) from None
    if restored.changed:
        _roster_changed(ctx)
    return restored


def _roster_changed(ctx: WebContext) -> None:
    """The running bot and the simulated WeChat follow a new roster."""
    app = ctx.rt.app
    app.reload_roster()
    if ctx.rt.simulator is not None:
        ctx.rt.simulator.follow_roster(app.org)


def export_coverage(ctx: WebContext, viewer: Viewer, push_id: int) -> Download:
    """A push's coverage workbook (a supervisor's: their unit only)."""
    app = ctx.rt.app
    push = dashboard.get_push(app, viewer, push_id)
    cov = dashboard.viewer_coverage(app, viewer, push)
    unsigned, undelivered = dashboard.laggard_lists(app, viewer, push)
    now = ctx.now()
    data = coverage_workbook(cov, unsigned, undelivered, ctx.config.tz, now)
    app.store.audit(now, viewer.name, "导出", f"第{push.id}期覆盖情况 Excel")
    return Download(data, f"推送{push.id}覆盖情况-{now:%Y%m%d}.xlsx", f"push-{push.id}.xlsx")


def export_ranking(ctx: WebContext, viewer: Viewer, period: str) -> Download:
    """The ranking workbook of a period."""
    app = ctx.rt.app
    now = ctx.now()
    view = listings.ranking(app, viewer, period, now)
    data = ranking_workbook(view.rows, period, view.pushes, ctx.config.tz, now)
    label = PERIOD_LABELS[period]
    app.store.audit(now, viewer.name, "导出", f"{label}排名 Excel")
    return Download(data, f"{label}排名-{now:%Y%m%d}.xlsx", f"ranking-{period}.xlsx")


def export_roster(ctx: WebContext, viewer: Viewer) -> Download:
    """The roster workbook in the import format (phones masked except for the office)."""
    now = ctx.now()
    data = roster_workbook(ctx.org, viewer.unit, mask=not viewer.sees_phones)
    scope = viewer.unit or ctx.org.town
    ctx.rt.app.store.audit(now, viewer.name, "导出", f"{scope}名册 Excel")
    return Download(data, f"{scope}名册-{now:%Y%m%d}.xlsx", "roster.xlsx")
