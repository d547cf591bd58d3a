"""The 责任倒查 page: look a household up, pick one of several, read its record, export it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.domain.trace import TraceReport
from bot.formats.tracefile import evidence_text, phone_shown, stamp
from bot.web.context import Viewer, WebContext, ctx_of, json_reply, viewer_of
from bot.web.files import download_response
from bot.web.trace import CandidateView, can_trace, export, open_record, parse_until, search
from bot.web.views.render import page


def _record(ctx: WebContext, viewer: Viewer, report: TraceReport) -> dict[str, Any]:
    tz = ctx.config.tz
    return {
        "name": report.name,
        "role": report.role,
        "unit": report.unit or "无",
        "phone": phone_shown(report, viewer.sees_phones),
        "groups": "、".join(report.groups) or "无",
        "current": report.current,
        "summary": report.summary(),
        "received": [
            {
                "push": line.push_name,
                "push_id": line.push_id,
                "group": line.group,
                "via": line.via or line.mode,
                "delivered": stamp(line.delivered_at, tz),
                "ack_at": stamp(line.ack_at, tz),
                "ack_text": line.ack_text,
                "taps": line.taps,
                "evidence": evidence_text(line, tz),
                "shots": [e.index for e in line.evidence],
            }
            for line in report.received
        ],
        "missed": [
            {
                "push": m.push_name,
                "push_id": m.push_id,
                "created": stamp(m.created_at, tz),
                "group": m.group or "—",
                "reason": m.reason,
            }
            for m in report.missed
        ],
    }


async def trace_page(request: web.Request) -> web.StreamResponse:
    """GET /trace?q=&who=&until=: the search form, the candidates, or one record."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    viewer.require(can_trace(viewer), "使用责任倒查")
    q = request.query.get("q", "").strip()
    who = request.query.get("who", "").strip()
    until_text = request.query.get("until", "").strip()
    until = parse_until(until_text, ctx.config.tz)
    candidates: list[CandidateView] = []
    if q and not who:
        candidates = search(ctx, viewer, q)
        if len(candidates) == 1:
            who = candidates[0].wechat
    record = None
    links: dict[str, str] = {}
    if who:
        record = _record(ctx, viewer, open_record(ctx, viewer, who, until))
        params = urlencode({"who": who, "until": until_text})
        links = {"xlsx": f"/trace/export.xlsx?{params}", "pdf": f"/trace/export.pdf?{params}"}
    return page(
        ctx,
        viewer,
        "trace.html",
        "责任倒查",
        "/trace",
        q=q,
        until=until_text,
        searched=bool(q),
        candidates=candidates,
        pick=lambda c: "/trace?" + urlencode({"q": q, "who": c.wechat, "until": until_text}),
        record=record,
        links=links,
    )


async def trace_export(request: web.Request) -> web.StreamResponse:
    """GET /trace/export.xlsx|pdf?who=&until=: the record for the file."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    until = parse_until(request.query.get("until", ""), ctx.config.tz)
    kind = request.match_info["kind"]
    who = request.query.get("who", "").strip()
    return download_response(export(ctx, viewer, who, until, kind))


async def api_trace(request: web.Request) -> web.StreamResponse:
    """GET /api/trace?q=&who=&until=: the candidates of a lookup, or one record (as the page)."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    until = parse_until(request.query.get("until", ""), ctx.config.tz)
    q, who = request.query.get("q", "").strip(), request.query.get("who", "").strip()
    if who:
        return json_reply({"record": _record(ctx, viewer, open_record(ctx, viewer, who, until))})
    return json_reply({"candidates": [vars(c) for c in search(ctx, viewer, q)]})
