"""Rendering coverage for a terminal: aligned tables that account for wide CJK glyphs."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence

from bot.domain.coverage import PushCoverage, percent
from bot.domain.texts import push_name


def width(text: str) -> int:
    """Display width: CJK and full-width characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain aligned table; numeric-looking cells are right-aligned."""
    cols = [header, *rows]
    widths = [max(width(r[i]) for r in cols) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - width(cell))
            numeric = cell[:1].isdigit() or cell in ("—", "-")
            cells.append(pad + cell if numeric and i else cell + pad)
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def coverage_text(report: Sequence[PushCoverage]) -> str:
    """The coverage report as text tables, one per push."""
    if not report:
        return "还没有任何推送。"
    parts = []
    for cov in report:
        p = cov.push
        parts.append(
            f"{push_name(p)} 发起于 {p.created_at:%Y-%m-%d %H:%M}\n"
            f"签收率 {percent(cov.sign_rate)}  送达率 {percent(cov.delivery_rate)}  "
            f"覆盖率 {percent(cov.reach)}  回执率 {percent(cov.ack_rate)}  "
            f"签收中位用时 {_minutes(cov.median_sign_minutes)}  "
            f"送达中位用时 {_minutes(cov.median_deliver_minutes)}"
        )
        rows = [
            [
                u.unit,
                f"{u.signed}/{u.pushers}",
                f"{u.delivered}/{u.groups}",
                f"{u.reached}/{u.households}",
                "—" if cov.acks_unknown(u) else str(u.acks + u.read_acks),
                percent(cov.unit_ack_rate(u)),
            ]
            for u in cov.units
        ]
        rows.append(
            [
                "合计",
                f"{cov.signed}/{cov.pushers}",
                f"{cov.delivered}/{cov.groups}",
                f"{cov.reached}/{cov.households}",
                str(cov.acks),
                percent(cov.ack_rate),
            ]
        )
        parts.append(table(["村/单位", "签收", "送达群", "覆盖户", "回执", "回执率"], rows))
    return "\n\n".join(parts)


def _minutes(value: float | None) -> str:
    return "—" if value is None else f"{value:g} 分钟"


def coverage_json(report: Sequence[PushCoverage]) -> str:
    """The coverage report as JSON (`{"pushes": [...]}`)."""
    return json.dumps({"pushes": [c.as_json() for c in report]}, ensure_ascii=False, indent=2)
