"""The 倒查 record of one household as a one-page PDF for the case file (fpdf2).

Chinese needs a CJK font: the one the bulletin charts use (`bot.schedule.chart`) is looked
up and embedded. Without one, `PdfFontMissing` says in Chinese which package to install (the
Excel export still works). Everything fits one A4 page: rows that do not fit are counted in a
closing line that points to the Excel export.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path

from fpdf import FPDF

from bot.domain.trace import TraceReport
from bot.formats.tracefile import facts_lines, received_row, stamp
from bot.schedule.chart import find_cjk_family

FONT = "cjk"
MARGIN = 12.0
LINE = 5.2
COLUMNS = (  # (header, width mm, index in the row: received_row + the 佐证/已阅 cell)
    ("期数", 13.0, 0),
    ("标题", 42.0, 1),
    ("所在群", 28.0, 2),
    ("送达方式", 18.0, 3),
    ("送达时间", 24.0, 4),
    ("回执", 24.0, 5),
    ("回执内容", 17.0, 6),
    ("佐证/已阅", 20.0, 9),
)
RESERVED = 16.0  # room kept at the foot of the page for the overflow line


class PdfFontMissing(RuntimeError):
    """No font that can draw Chinese is installed; the message says what to install."""


def find_cjk_font_file() -> Path | None:
    """The file of the CJK font the charts use, or None."""
    family = find_cjk_family()
    if family is None:
        return None
    from matplotlib import font_manager

    try:
        path = font_manager.findfont(
            font_manager.FontProperties(family=family), fallback_to_default=False
        )
    except ValueError:
        return None
    return Path(path)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """Text cut (with "…") to fit a cell of this width."""
    measure = pdf.get_string_width
    if measure(text) <= width - 1.5:
        return text
    while text and measure(text + "…") > width - 1.5:
        text = text[:-1]
    return text + "…"


def trace_pdf(
    report: TraceReport,
    full_phone: bool,
    who: str,
    now: datetime,
    tz: tzinfo,
    font: Path | None = None,
) -> bytes:
    """The record on one A4 page, as PDF bytes."""
    font = font or find_cjk_font_file()
    if font is None or not font.exists():
        raise PdfFontMissing(
            "服务器上没有可以显示中文的字体，无法生成 PDF；请安装 fonts-wqy-microhei 或 "
            "fonts-noto-cjk 后重试（Excel 导出不受影响）"
        )
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_font(FONT, "", str(font))
    pdf.add_page()
    pdf.set_title(f"责任倒查：{report.name}")
    pdf.set_font(FONT, size=15)
    pdf.cell(0, 9, f"责任倒查记录：{report.name}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    for text in facts_lines(report, full_phone, who, now, tz):
        pdf.multi_cell(0, LINE, text, new_x="LMARGIN", new_y="NEXT")
    _received_table(pdf, report, tz)
    _missed_list(pdf, report, tz)
    return bytes(pdf.output())


def _room(pdf: FPDF) -> bool:
    return pdf.get_y() + LINE < pdf.h - MARGIN - RESERVED


def _overflow(pdf: FPDF, left: int) -> None:
    pdf.set_y(pdf.h - MARGIN - RESERVED + 4)
    pdf.cell(0, LINE, f"（篇幅所限，另有 {left} 条未列出，详见 Excel 导出）")


def _received_table(pdf: FPDF, report: TraceReport, tz: tzinfo) -> None:
    p = pdf
    p.ln(2)
    p.set_font(FONT, size=11)
    p.cell(
        0, 7, f"一、所在群收到的推送（{report.pushes_received} 期）", new_x="LMARGIN", new_y="NEXT"
    )
    p.set_font(FONT, size=8)
    if not report.received:
        p.cell(0, LINE, "无", new_x="LMARGIN", new_y="NEXT")
        return
    for title, width, _ in COLUMNS:
        p.cell(width, LINE, title, border=1, align="C")
    p.ln(LINE)
    for n, line in enumerate(report.received):
        if not _room(p):
            _overflow(p, len(report.received) - n + len(report.missed))
            return
        row = received_row(line, tz)
        proof = [
            f"截图{len(line.evidence)}张" if line.evidence else "",
            f"点击{line.taps}" if line.taps else "",
        ]
        row.append(" ".join(x for x in proof if x) or "—")
        for _, width, index in COLUMNS:
            p.cell(width, LINE, _fit(p, str(row[index]), width), border=1)
        p.ln(LINE)


def _missed_list(pdf: FPDF, report: TraceReport, tz: tzinfo) -> None:
    p = pdf
    if not _room(p):
        return
    p.ln(2)
    p.set_font(FONT, size=11)
    p.cell(
        0, 7, f"二、所在群未收到的推送（{len(report.missed)} 期）", new_x="LMARGIN", new_y="NEXT"
    )
    p.set_font(FONT, size=8)
    if not report.missed:
        p.cell(0, LINE, "无", new_x="LMARGIN", new_y="NEXT")
    for n, m in enumerate(report.missed):
        if not _room(p):
            _overflow(p, len(report.missed) - n)
            return
        text = f"第{m.push_id}期《{m.title}》 {stamp(m.created_at, tz)} {m.group}：{m.reason}"
        p.cell(0, LINE, _fit(p, text, p.w - 2 * MARGIN), new_x="LMARGIN", new_y="NEXT")
