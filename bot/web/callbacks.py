"""回访抽查 on the dashboard: what each role sees of a round, and the office's actions.

The office (the 督导组's login) draws rounds, exports the call list with full phone numbers,
records outcomes and closes rounds. Leaders and the 派出所 read every round with phones
masked; a supervisor reads only their own village's rows. Every action is audited (in
`bot.callbacks`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from multidict import MultiDictProxy

from bot.callbacks import CallbackError, draw_round, record_outcomes
from bot.domain.callbacks import (
    MAX_SEED,
    OUTCOMES,
    Awareness,
    Call,
    CallbackRound,
    OutcomeEntry,
    SampleRule,
    awareness,
    rate_text,
)
from bot.domain.privacy import mask_phone
from bot.formats.callbackfile import CallbackUpload, read_call_list
from bot.web.context import Viewer, WebContext, WebError
from bot.web.dashboard import local_text

FormData = MultiDictProxy[Any]


def can_run(viewer: Viewer) -> bool:
    """Only the office (督导组) draws rounds, sees phones and records outcomes."""
    return viewer.role == "office"


def find_round(ctx: WebContext, viewer: Viewer, round_id: int) -> CallbackRound:
    """A round this viewer may see (404 otherwise)."""
    round_ = ctx.rt.app.store.callback_round(round_id)
    unitless = viewer.role == "supervisor" and not viewer.unit
    if round_ is None or unitless or (viewer.unit and viewer.unit not in round_.units):
        raise WebError(404, f"找不到第{round_id}轮回访")
    return round_


def visible_calls(ctx: WebContext, viewer: Viewer, round_id: int) -> list[Call]:
    """The round's call list as far as this viewer may see it."""
    return ctx.rt.app.store.callback_calls(round_id, unit=viewer.unit)


def round_json(
    ctx: WebContext, viewer: Viewer, round_: CallbackRound, calls: list[Call]
) -> dict[str, Any]:
    """A round for the pages: its rule, skips, 知晓率 per village and (optionally) the rows."""
    tz = ctx.config.tz
    units = [u for u in round_.units if viewer.sees_unit(u)]
    rates = awareness(calls, units)
    return {
        "id": round_.id,
        "created": local_text(round_.created_at, tz),
        "created_by": round_.created_by,
        "seed": round_.seed,
        "rule": round_.rule.describe(),
        "completed": local_text(round_.completed_at, tz) if round_.completed_at else "",
        "sampled": len(calls),
        "pending": sum(1 for c in calls if not c.outcome),
        "rates": [_rate_json(a, round_) for a in rates],
        "overall": rate_text(_total(rates)),
        "calls": [_call_json(c, viewer, tz) for c in calls],
    }


def _total(rates: list[Awareness]) -> Awareness:
    return Awareness(
        "合计",
        sum(a.sampled for a in rates),
        sum(a.known for a in rates),
        sum(a.unknown for a in rates),
        sum(a.unreachable for a in rates),
    )


def _rate_json(a: Awareness, round_: CallbackRound) -> dict[str, Any]:
    skips = round_.skips.get(a.unit)
    return {
        "unit": a.unit,
        "households": skips.households if skips else 0,
        "no_phone": skips.no_phone if skips else 0,
        "recent": skips.recent if skips else 0,
        "sampled": a.sampled,
        "known": a.known,
        "unknown": a.unknown,
        "unreachable": a.unreachable,
        "pending": a.pending,
        "rate": "—" if a.rate is None else f"{round(a.rate * 100)}%",
    }


def _call_json(call: Call, viewer: Viewer, tz: Any) -> dict[str, Any]:
    return {
        "wechat": call.wechat,
        "unit": call.unit,
        "name": call.name,
        "phone": call.phone if viewer.sees_phones else mask_phone(call.phone),
        "groups": call.groups,
        "outcome": call.outcome,
        "note": call.note,
        "recorded": local_text(call.recorded_at, tz) if call.recorded_at else "",
        "recorded_by": call.recorded_by,
    }


def round_list(ctx: WebContext, viewer: Viewer) -> list[dict[str, Any]]:
    """Every round this viewer may see, newest first, with its overall 知晓率."""
    rows = []
    for round_ in ctx.rt.app.store.callback_rounds():
        if viewer.unit and viewer.unit not in round_.units:
            continue
        if viewer.role == "supervisor" and not viewer.unit:
            continue
        calls = visible_calls(ctx, viewer, round_.id)
        rows.append(round_json(ctx, viewer, round_, calls) | {"calls": []})
    return rows


def _number(form: FormData, key: str, label: str, *, fraction: bool = False) -> Any:
    text = str(form.get(key, "")).strip().rstrip("%％")
    if not text:
        return None
    try:
        return float(text) if fraction else int(text)
    except ValueError:
        raise WebError(
            400, f"“{label}”应为{'数字' if fraction else '整数'}：{text[:20]}"
        ) from None


def rule_from_form(form: FormData) -> SampleRule:
    """The sampling rule typed in the draw form (count or percent, min, max, window)."""
    how = str(form.get("size_by", "count"))
    count = _number(form, "per_village", "每村户数")
    percent = _number(form, "percent", "抽取比例", fraction=True)
    minimum = _number(form, "minimum", "最少户数")
    exclude = _number(form, "exclude_days", "排除天数")
    return SampleRule(
        per_village=count if how == "count" else None,
        percent=percent if how == "percent" else None,
        minimum=1 if minimum is None else minimum,
        maximum=_number(form, "maximum", "最多户数"),
        exclude_days=SampleRule().exclude_days if exclude is None else exclude,
    )


def draw_from_form(ctx: WebContext, viewer: Viewer, form: FormData) -> int:
    """Draw a round from the form; 400 in Chinese when the form does not fit."""
    viewer.require(can_run(viewer), "发起回访抽查")
    seed = _number(form, "seed", "随机种子")
    if seed is None:
        seed = secrets.randbelow(MAX_SEED) + 1
    if not 0 <= seed <= MAX_SEED:
        raise WebError(400, f"随机种子应在 0 到 {MAX_SEED} 之间")
    units = [str(u) for u in form.getall("unit", [])]
    try:
        drawn = draw_round(
            ctx.rt.app.store, ctx.org, ctx.now(), viewer.label, units, rule_from_form(form), seed
        )
    except CallbackError as exc:
        raise WebError(400, str(exc)) from None
    return drawn.round_id


def outcomes_from_form(ctx: WebContext, viewer: Viewer, round_id: int, form: FormData) -> int:
    """Record the selects of the round page (rows whose outcome or note changed)."""
    viewer.require(can_run(viewer), "登记回访结果")
    round_ = find_round(ctx, viewer, round_id)
    entries = []
    for call in visible_calls(ctx, viewer, round_.id):
        outcome = str(form.get(f"outcome:{call.wechat}", call.outcome)).strip()
        note = str(form.get(f"note:{call.wechat}", call.note)).strip()
        if (outcome, note) == (call.outcome, call.note):
            continue
        if outcome not in OUTCOMES:
            raise WebError(400, f"请为{call.name}选择回访结果（{'、'.join(OUTCOMES)}）")
        entries.append(OutcomeEntry(call.wechat, outcome, note))
    if not entries:
        raise WebError(400, "没有需要保存的变化")
    return _record(ctx, viewer, round_id, entries, "页面登记")


def _record(
    ctx: WebContext, viewer: Viewer, round_id: int, entries: list[OutcomeEntry], how: str
) -> int:
    try:
        return record_outcomes(ctx.rt.app.store, round_id, entries, ctx.now(), viewer.label, how)
    except CallbackError as exc:
        raise WebError(400, str(exc)) from None


@dataclass
class PendingUpload:
    """A checked call list waiting for the office to confirm it."""

    owner: str
    upload: CallbackUpload


_PENDING_KEY = "callbacks"


def check_upload(
    ctx: WebContext, viewer: Viewer, round_id: int, filename: str, data: bytes
) -> tuple[CallbackUpload, str | None]:
    """Check an uploaded call list; a clean one is kept until confirmed (its token)."""
    viewer.require(can_run(viewer), "上传回访结果")
    find_round(ctx, viewer, round_id)
    # Some clients percent-encode a Chinese file name in the multipart header.
    name = unquote(filename)
    upload = read_call_list(name, data, round_id, visible_calls(ctx, viewer, round_id))
    if upload.errors:
        return upload, None
    return upload, ctx.stage_upload(_PENDING_KEY, PendingUpload(viewer.name, upload))


def confirm_upload(ctx: WebContext, viewer: Viewer, round_id: int, token: str) -> int:
    """Record a previewed upload, all rows or none; returns how many households changed."""
    viewer.require(can_run(viewer), "上传回访结果")
    pending = ctx.pending_workflows.setdefault(_PENDING_KEY, {})
    held = pending.get(token)
    if held is None or held.owner != viewer.name or held.upload.round_id != round_id:
        raise WebError(400, "预览已过期或不存在，请重新上传回访名单")
    count = _record(ctx, viewer, round_id, held.upload.entries, f"上传 {held.upload.filename}")
    del pending[token]
    return count
