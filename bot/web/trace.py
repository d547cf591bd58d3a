"""责任倒查 on the dashboard: finding a household, its record, and the xlsx/PDF exports.

Office, 派出所 and leaders look up any household; a supervisor only those of their own unit
(another unit's household is a 403). Leaders may look up: they chair the 责任倒查 and the
约谈 that follows (seed 001 §(三)). Only the office sees full phone numbers. Every lookup,
every record opened and every export is written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from bot.domain.privacy import mask_phone
from bot.domain.trace import Candidate, TraceReport, is_phone_query
from bot.formats.tracefile import trace_workbook
from bot.formats.tracepdf import PdfFontMissing, trace_pdf
from bot.trace import find_members, trace_member
from bot.web.actions import Download
from bot.web.context import Viewer, WebContext, WebError

PDF = "application/pdf"
QUERY_MAX = 30


def can_trace(viewer: Viewer) -> bool:
    """Every dashboard role may trace (a supervisor within their own unit)."""
    return viewer.role in ("office", "police", "leader", "supervisor")


@dataclass(frozen=True)
class CandidateView:
    """A candidate as this viewer may see it."""

    wechat: str
    name: str
    unit: str
    groups: str
    phone: str
    note: str


def _query_for_audit(q: str) -> str:
    return mask_phone(q) if is_phone_query(q) and len(q) >= 7 else q


def parse_until(text: str, tz: tzinfo) -> datetime | None:
    """The 案发日期 field: pushes up to the end of that day; 400 in Chinese if unreadable."""
    text = text.strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise WebError(400, f"案发日期“{text[:20]}”无法识别，请写成 2026-11-30") from None
    return datetime.combine(day + timedelta(days=1), time(), tz)


def search(ctx: WebContext, viewer: Viewer, q: str) -> list[CandidateView]:
    """Roster members matching a name or phone (a supervisor: own unit only); audited."""
    viewer.require(can_trace(viewer), "使用责任倒查")
    q = q.strip()
    if len(q) > QUERY_MAX:
        raise WebError(400, f"查询内容过长（最多 {QUERY_MAX} 个字）")
    found = find_members(ctx.rt.app.store, q, viewer.unit)
    ctx.rt.app.store.audit(
        ctx.now(), viewer.name, "倒查检索", f"检索“{_query_for_audit(q)}”：{len(found)} 人符合"
    )
    return [_candidate_view(viewer, c) for c in found]


def _candidate_view(viewer: Viewer, c: Candidate) -> CandidateView:
    phone = c.phone or ""
    return CandidateView(
        wechat=c.wechat,
        name=c.name,
        unit=c.unit or "无",
        groups="、".join(c.groups) or "无",
        phone=phone if viewer.sees_phones else mask_phone(phone),
        note="" if c.current else f"已不在当前名册（见于第 {c.version} 版）",
    )


def open_record(
    ctx: WebContext,
    viewer: Viewer,
    wechat: str,
    until: datetime | None,
    action: str = "倒查查看",
    what: str = "",
) -> TraceReport:
    """One member's record; 404 if unknown, 403 for a supervisor outside their unit; audited."""
    viewer.require(can_trace(viewer), "使用责任倒查")
    report = trace_member(ctx.rt.app.store, wechat, until)
    if report is None:
        raise WebError(404, "名册中（含历史版本）找不到这位住户")
    if not viewer.sees_unit(report.unit):
        ctx.rt.app.store.audit(
            ctx.now(),
            viewer.name,
            "倒查拒绝",
            f"{report.name}（{report.unit or '无单位'}，{wechat}）",
        )
        raise WebError(
            403,
            f"您的账号（{viewer.label}）只能倒查本村/单位的住户，"
            f"无权查看{report.unit or '其他单位'}的住户",
        )
    ctx.rt.app.store.audit(
        ctx.now(),
        viewer.name,
        action,
        f"{report.name}（{report.unit or '无单位'}，{wechat}）{what}",
    )
    return report


def export(
    ctx: WebContext, viewer: Viewer, wechat: str, until: datetime | None, kind: str
) -> Download:
    """The record as xlsx or a one-page PDF (a PDF without a CJK font is a 503 in Chinese)."""
    report = open_record(
        ctx, viewer, wechat, until, "倒查导出", " PDF" if kind == "pdf" else " Excel"
    )
    now, tz, who = ctx.now(), ctx.config.tz, viewer.label
    stem = f"责任倒查-{report.name}-{now:%Y%m%d}"
    if kind == "pdf":
        try:
            data = trace_pdf(report, viewer.sees_phones, who, now, tz)
        except PdfFontMissing as exc:
            raise WebError(503, str(exc)) from None
        return Download(data, f"{stem}.pdf", "trace.pdf", PDF)
    data = trace_workbook(report, viewer.sees_phones, who, now, tz)
    return Download(data, f"{stem}.xlsx", "trace.xlsx")
