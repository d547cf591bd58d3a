"""The 倒查 PDF: one A4 page however long the history, the CJK font embedded (text can be
extracted), and a clear Chinese error when the machine has no Chinese font."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from bot.domain.model import Delivery, Group, Level, Member, Mode, Push, Role
from bot.domain.trace import TracedReceipt, TraceFacts, TraceReport, assemble_trace
from bot.formats import tracepdf
from bot.formats.tracepdf import PdfFontMissing, trace_pdf

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=TZ)


def _long_history(n: int) -> TraceReport:
    group = Group("g", "王家村村民群", Level.VILLAGE, "cmd", "王家村")
    pushes = [
        Push(i, f"第{i}条反诈提醒：警惕冒充公检法", "正文", T0 + timedelta(days=i), "office", ())
        for i in range(1, n + 1)
    ]
    deliveries = [
        Delivery(p.id, "g", "王家村", Mode.RELAY, "cmd", p.created_at if p.id % 3 else None)
        for p in pushes
    ]
    return assemble_trace(
        TraceFacts(
            member=Member("王五", Role.HOUSEHOLD, "王家村", "w5", ("g",), "13512345678"),
            group_names=("王家村村民群",),
            current=True,
            pushes=pushes,
            groups_at={p.id: (group,) for p in pushes},
            deliveries=deliveries,
            receipts=[TracedReceipt(1, "g", T0 + timedelta(days=1, minutes=5), "收到")],
            evidence=[],
            taps={},
        )
    )


def test_a_long_history_stays_on_one_page() -> None:
    report = _long_history(120)
    data = trace_pdf(report, False, "赵警官（派出所）", T0 + timedelta(days=200), TZ)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "责任倒查记录：王五" in text and "135****5678" in text and "13512345678" not in text
    assert "第1条反诈提醒" in text and "赵警官（派出所）" in text
    assert "篇幅所限，另有" in text and "详见 Excel 导出" in text


def test_short_history_lists_everything() -> None:
    report = _long_history(4)
    text = PdfReader(io.BytesIO(trace_pdf(report, True, "张主任", T0, TZ))).pages[0].extract_text()
    assert "13512345678" in text and "篇幅所限" not in text
    assert "二、所在群未收到的推送（1 期）" in text and "计划送达，但未送达" in text


def test_no_chinese_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tracepdf, "find_cjk_family", lambda: None)
    with pytest.raises(PdfFontMissing, match=r"没有可以显示中文的字体.*fonts-wqy-microhei"):
        trace_pdf(_long_history(2), False, "张主任", T0, TZ)
