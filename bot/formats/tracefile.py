"""The 倒查 record of one household as an Excel workbook (and the rows the PDF shares).

Times are written as text in the configured zone ("2026-11-23 09:15"), so the file reads the
same in Excel, WPS and a case file; phones are masked unless the exporter may see them.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from openpyxl import Workbook
from openpyxl.styles import Font

from bot.domain.privacy import mask_phone
from bot.domain.trace import ReceivedLine, TraceReport
from bot.formats.xlsx import _header, _widths, save_workbook

RECEIVED_HEADER = (
    "期数",
    "标题",
    "所在群",
    "送达方式",
    "送达时间",
    "回执时间",
    "回执内容",
    "已阅点击",
    "佐证截图",
)
MISSED_HEADER = ("期数", "标题", "发起时间", "所在群", "未收到原因")


def stamp(dt: datetime | None, tz: tzinfo) -> str:
    """ "2026-11-23 09:15" in the zone (empty for none)."""
    return "" if dt is None else f"{dt.astimezone(tz):%Y-%m-%d %H:%M}"


def phone_shown(report: TraceReport, full: bool) -> str:
    """The phone as this reader may see it."""
    if not report.phone:
        return "无"
    return report.phone if full else mask_phone(report.phone)


def facts_lines(
    report: TraceReport, full_phone: bool, who: str, now: datetime, tz: tzinfo
) -> list[str]:
    """The header lines of the record: who, where, the summary, who exported it and when."""
    roster = "当前名册" if report.current else "已不在当前名册（按历史名册倒查）"
    return [
        f"住户：{report.name}（{report.role}）　村/单位：{report.unit or '无'}　"
        f"手机：{phone_shown(report, full_phone)}",
        f"所在群：{'、'.join(report.groups) or '无'}　名册：{roster}",
        f"结论：{report.summary()}",
        f"导出：{who}　{stamp(now, tz)}　（每期按推送时的名册版本判断本户所在的群）",
    ]


def evidence_text(line: ReceivedLine, tz: tzinfo) -> str:
    """ "2 张（11-23 09:20 起）" or empty."""
    if not line.evidence:
        return ""
    return f"{len(line.evidence)} 张（{line.evidence[0].at.astimezone(tz):%m-%d %H:%M} 起）"


def received_row(line: ReceivedLine, tz: tzinfo) -> list[str | int]:
    """One delivered push as a table row."""
    return [
        f"第{line.push_id}期",
        line.title,
        line.group,
        line.via or line.mode,
        stamp(line.delivered_at, tz),
        stamp(line.ack_at, tz) or "未回执",
        line.ack_text,
        line.taps,
        evidence_text(line, tz),
    ]


def trace_workbook(
    report: TraceReport, full_phone: bool, who: str, now: datetime, tz: tzinfo
) -> bytes:
    """The record as .xlsx bytes: sheet 收到的推送 (with the header facts) and 未收到的推送."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "收到的推送"
    sheet["A1"] = f"责任倒查：{report.name}"
    sheet["A1"].font = Font(bold=True, size=14)
    facts = facts_lines(report, full_phone, who, now, tz)
    for i, text in enumerate(facts, 2):
        sheet.cell(row=i, column=1, value=text)
    first = len(facts) + 3
    _header(sheet, first, RECEIVED_HEADER)
    for line in report.received:
        sheet.append(received_row(line, tz))
    _widths(sheet, (8, 28, 18, 12, 17, 17, 24, 9, 20))
    missed = book.create_sheet("未收到的推送")
    _header(missed, 1, MISSED_HEADER)
    for m in report.missed:
        missed.append([f"第{m.push_id}期", m.title, stamp(m.created_at, tz), m.group, m.reason])
    _widths(missed, (8, 28, 17, 24, 30))
    return save_workbook(book)
