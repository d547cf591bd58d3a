"""预警劝阻单 on the dashboard: data for the pages and API, issuing and evaluating.

Who sees what:
- office, leaders and 派出所 logins see every warning, a supervisor only their unit's;
- the victim's name, phone and ID number are masked (张*, 138****1234, 110101********1234)
  for everyone except the login that issued the warning and the assignee (a login whose
  name is the assignee's roster name) — the office included: it neither issued nor acts;
- office and 派出所 issue; only the issuer evaluates (a warning a 片警 issued in chat is
  evaluated by a 派出所 or office login); the on-site photo is shown to the unmasked only.
Every issue and evaluation is audited.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from bot.chat.warnings import WarningDraft
from bot.domain.warnings import (
    FED_BACK,
    WarningError,
    WarningNotice,
    masked,
    on_time,
)
from bot.formats.warningsheet import warnings_workbook
from bot.web.actions import Download
from bot.web.context import (
    Viewer,
    WebContext,
    WebError,
    ctx_of,
    json_reply,
    path_id,
    read_json,
    viewer_of,
)
from bot.web.dashboard import local_text
from bot.web.files import download_response

WEB_ISSUER = "web:"


def can_issue(viewer: Viewer) -> bool:
    """The office and the 派出所 issue warnings."""
    return viewer.role in ("office", "police")


def is_issuer(viewer: Viewer, w: WarningNotice) -> bool:
    """The login that issued it (or, for one a 片警 issued in chat, any 派出所/office login)."""
    if w.issuer.startswith(WEB_ISSUER):
        return w.issuer == WEB_ISSUER + viewer.name
    return viewer.role in ("office", "police")


def sees_person(ctx: WebContext, viewer: Viewer, w: WarningNotice) -> bool:
    """Whether the victim's personal data is shown unmasked to this viewer."""
    if w.issuer == WEB_ISSUER + viewer.name:
        return True
    assignee = ctx.org.member(w.assignee)
    return assignee is not None and assignee.name == viewer.name


def visible(ctx: WebContext, viewer: Viewer) -> list[WarningNotice]:
    """The warnings this viewer may see, newest first."""
    if viewer.role == "supervisor" and viewer.unit is None:
        return []
    return ctx.rt.app.store.warnings(unit=viewer.unit)


def find(ctx: WebContext, viewer: Viewer, warning_id: int) -> WarningNotice:
    """A warning this viewer may see (404 otherwise)."""
    w = ctx.rt.app.store.get_warning(warning_id)
    unitless = viewer.role == "supervisor" and not viewer.unit
    if w is None or unitless or not viewer.sees_unit(w.unit):
        raise WebError(404, f"找不到预警{warning_id}")
    return w


def warning_json(ctx: WebContext, viewer: Viewer, w: WarningNotice) -> dict[str, Any]:
    """One warning as this viewer may see it, with each step's time and deadline status."""
    tz, now = ctx.config.tz, ctx.now()
    full = sees_person(ctx, viewer, w)
    shown = w if full else masked(w)
    assignee = ctx.org.member(w.assignee)
    return {
        "id": w.id,
        "state": w.state,
        "issued_at": local_text(w.issued_at, tz),
        "issuer": w.issuer_label,
        "victim": {
            "name": shown.victim_name,
            "phone": shown.victim_phone,
            "id_number": shown.victim_id_number,
            "masked": not full,
        },
        "detected": w.detected,
        "risk": w.risk,
        "unit": w.unit or "",
        "assignee": assignee.name if assignee else w.assignee,
        "sign": {
            "at": local_text(w.signed_at, tz),
            "due": local_text(w.sign_by, tz),
            "status": on_time(w.signed_at, w.sign_by, now),
        },
        "visit": {
            "at": local_text(w.visited_at, tz),
            "due": local_text(w.visit_by, tz),
            "status": on_time(w.visited_at, w.visit_by, now),
            "method": w.method,
            "result": w.result,
        },
        "feedback": {"at": local_text(w.fed_back_at, tz), "text": w.feedback},
        "evaluation": {
            "at": local_text(w.evaluated_at, tz),
            "grade": w.grade,
            "note": w.grade_note,
            "by": w.evaluated_by,
        },
        "photo": f"/warnings/{w.id}/photo" if w.photo and full else "",
        "has_photo": bool(w.photo),
        "events": [
            {"at": local_text(e.at, tz), "who": e.who, "kind": e.kind, "text": e.text}
            for e in w.events
        ],
        "can_evaluate": w.state == FED_BACK and is_issuer(viewer, w),
    }


def issue(ctx: WebContext, viewer: Viewer, fields: dict[str, str]) -> WarningNotice:
    """Issue a warning from the form or API fields; 400 in Chinese naming each bad field."""
    viewer.require(can_issue(viewer), "下发预警劝阻单（仅办公室和派出所）")
    app = ctx.rt.app
    draft = WarningDraft(
        victim_name=fields.get("name", ""),
        victim_phone=fields.get("phone", ""),
        detected=fields.get("detected", ""),
        risk=fields.get("risk", ""),
        assignee=fields.get("assignee", "").strip() or None,
        issuer=WEB_ISSUER + viewer.name,
        issuer_label=viewer.label,
        victim_id_number=fields.get("id_number", ""),
    )
    try:
        with app.store.transaction():
            warning = app.chat.warnings.issue(app.context(ctx.now()), draft)
    except WarningError as exc:
        raise WebError(400, str(exc)) from None
    app.sender.wake()
    return warning


def evaluate(
    ctx: WebContext, viewer: Viewer, warning_id: int, grade: str, note: str
) -> WarningNotice:
    """The issuer's 评价 (满意/基本满意/不满意 with a note); told to the assignee."""
    w = find(ctx, viewer, warning_id)
    viewer.require(is_issuer(viewer, w), "评价这张预警劝阻单（仅下发人）")
    app = ctx.rt.app
    try:
        with app.store.transaction():
            done = app.chat.warnings.evaluate(app.context(ctx.now()), w, grade, note, viewer.label)
    except WarningError as exc:
        raise WebError(400, str(exc)) from None
    app.sender.wake()
    return done


def photo_file(ctx: WebContext, viewer: Viewer, warning_id: int) -> Path:
    """The on-site photo, for the issuer and the assignee only."""
    w = find(ctx, viewer, warning_id)
    if not w.photo or not sees_person(ctx, viewer, w):
        raise WebError(404, f"预警{warning_id}没有可查看的现场照片")
    path = Path(w.photo)
    if not path.is_file():
        raise WebError(404, f"预警{warning_id}的现场照片文件不见了")
    return path


def _text_fields(body: dict[str, Any], keys: tuple[str, ...]) -> dict[str, str]:
    bad = [k for k in keys if not isinstance(body.get(k, ""), str)]
    if bad:
        raise WebError(400, f"字段 {'、'.join(bad)} 应为文字")
    return {k: str(body.get(k, "")) for k in keys}


ISSUE_FIELDS = ("name", "phone", "id_number", "detected", "risk", "assignee")


async def api_list(request: web.Request) -> web.StreamResponse:
    """GET /api/warnings: the warnings the viewer may see, newest first (masked as due)."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    return json_reply({"warnings": [warning_json(ctx, viewer, w) for w in visible(ctx, viewer)]})


async def api_detail(request: web.Request) -> web.StreamResponse:
    """GET /api/warnings/{id}: one warning with its chain."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    w = find(ctx, viewer, path_id(request, "warning_id", "预警"))
    return json_reply(warning_json(ctx, viewer, w))


def register_row(w: dict[str, Any]) -> list[str | int]:
    """One warning's row of the .xlsx register (from `warning_json`, so masked alike)."""
    v, sign, visit, ev = w["victim"], w["sign"], w["visit"], w["evaluation"]
    return [
        w["id"],
        w["issued_at"],
        w["issuer"],
        v["name"],
        v["phone"],
        v["id_number"],
        w["detected"],
        w["risk"],
        w["unit"],
        w["assignee"],
        w["state"],
        sign["at"],
        sign["due"],
        sign["status"],
        visit["at"],
        visit["due"],
        visit["status"],
        visit["method"],
        visit["result"],
        w["feedback"]["text"],
        ev["grade"],
        ev["note"],
    ]


async def api_register(request: web.Request) -> web.StreamResponse:
    """GET /api/warnings.xlsx: the register of the warnings the viewer may see (masked alike)."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    rows = [register_row(warning_json(ctx, viewer, w)) for w in visible(ctx, viewer)]
    day = ctx.now().astimezone(ctx.config.tz).strftime("%Y%m%d")
    download = Download(
        warnings_workbook(rows), f"预警劝阻单台账{day}.xlsx", f"warnings-{day}.xlsx"
    )
    ctx.rt.app.store.audit(ctx.now(), viewer.name, "预警导出", f"{len(rows)} 张")
    return download_response(download)


async def api_issue(request: web.Request) -> web.StreamResponse:
    """POST /api/warnings {"name", "phone", "detected", "risk", ["id_number", "assignee"]}."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    fields = _text_fields(await read_json(request), ISSUE_FIELDS)
    w = issue(ctx, viewer, fields)
    return json_reply(warning_json(ctx, viewer, w), 201)


async def api_evaluate(request: web.Request) -> web.StreamResponse:
    """POST /api/warnings/{id}/evaluation {"grade": "满意", "note": "…"} (issuer only)."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    fields = _text_fields(await read_json(request), ("grade", "note"))
    warning_id = path_id(request, "warning_id", "预警")
    done = evaluate(ctx, viewer, warning_id, fields["grade"], fields["note"])
    return json_reply(warning_json(ctx, viewer, done))
