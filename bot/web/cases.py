"""发案统计 on the dashboard: what the 发案 page shows, and the office's and 派出所's entries
(the month form, the Excel upload with its preview, population figures).

Office and 派出所 enter figures; leaders read every unit, a supervisor only their own.
Everything written goes through `bot.cases.enter_figures` (audited, all or nothing).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from datetime import datetime
from pathlib import PurePath
from typing import Any
from urllib.parse import unquote

from bot import cases
from bot.domain.cases import (
    CaseFigure,
    FigureError,
    month_label,
    month_of,
    parse_cases,
    parse_loss,
    parse_month,
    shift_month,
    yuan_plain,
    yuan_text,
)
from bot.domain.cases_texts import (
    INTERVIEW_RULE,
    TARGET_RULE,
    assessment_text,
    rate_text,
    yoy_text,
)
from bot.formats.casefile import CaseImport, ranking_workbook, read_case_file, template_workbook
from bot.web.actions import Download
from bot.web.context import Viewer, WebContext, WebError

log = logging.getLogger("bot.web.cases")


def can_enter(viewer: Viewer) -> bool:
    """The office and the 派出所 enter 发案 figures."""
    return viewer.role in ("office", "police")


def can_set_population(viewer: Viewer) -> bool:
    """Only the office sets a unit's population figure."""
    return viewer.role == "office"


def _sees(viewer: Viewer, unit: str) -> bool:
    """A supervisor sees their own unit only (one with no unit on record: none)."""
    if viewer.role == "supervisor" and viewer.unit is None:
        return False
    return viewer.sees_unit(unit)


def chosen_month(text: str | None, now: datetime) -> str:
    """The month asked for (default: last month, the one usually being entered)."""
    if not text:
        return shift_month(month_of(now), -1)
    try:
        return parse_month(text)
    except FigureError as exc:
        raise WebError(400, str(exc)) from None


def page_data(ctx: WebContext, viewer: Viewer, month: str) -> dict[str, Any]:
    """Everything the 发案 page shows for a month, cut to the viewer's unit."""
    store, org = ctx.rt.app.store, ctx.org
    ranking = cases.month_ranking(store, org, month)
    entered = {f.unit: f for f in store.case_figures(month, month)}
    pops = cases.population_table(store, org)
    rows = [
        {
            "place": i,
            "unit": r.unit,
            "cases": r.cases,
            "rank_cases": r.rank_cases,
            "loss": yuan_text(r.loss_fen),
            "rank_loss": r.rank_loss,
            "people": r.population.people,
            "source": r.population.source,
            "rate": rate_text(r),
            "rank_rate": r.rank_rate,
            "yoy": yoy_text(r.month_yoy),
            "assessment": assessment_text(r.ytd_yoy),
            "entered": r.unit in entered,
            "flag": "约谈" if r.interview else ("三项均最高" if r.top else ""),
        }
        for i, r in enumerate(ranking.rows, 1)
        if _sees(viewer, r.unit)
    ]
    units = [u for u in org.units if _sees(viewer, u)]
    return {
        "month": month,
        "label": month_label(month),
        "previous": shift_month(month, -1),
        "following": shift_month(month, 1),
        "entered_any": ranking.entered,
        "rows": rows,
        "interviews": [u for u in ranking.interviews if _sees(viewer, u)],
        "interview_rule": INTERVIEW_RULE,
        "target_rule": TARGET_RULE,
        "form": [
            {
                "index": i,
                "unit": u,
                "cases": entered[u].cases if u in entered else "",
                "loss": yuan_plain(entered[u].loss_fen) if u in entered else "",
            }
            for i, u in enumerate(units)
        ],
        "populations": [
            {"unit": u, "people": pops[u].people, "source": pops[u].source} for u in units
        ],
        "can_enter": can_enter(viewer),
        "can_set_population": can_set_population(viewer),
    }


def enter_month(
    ctx: WebContext, viewer: Viewer, month: str, form: Mapping[str, str]
) -> cases.Entered:
    """The month form: `unit_<i>`, `cases_<i>`, `loss_<i>`; a row left blank is skipped.

    Any bad value is a 400 naming the unit and field, and nothing is written."""
    viewer.require(can_enter(viewer), "录入发案数据（仅办公室和派出所）")
    units = set(ctx.org.units)
    figures, errors = [], []
    index = 0
    while f"unit_{index}" in form:
        unit = form[f"unit_{index}"].strip()
        typed_cases, typed_loss = form.get(f"cases_{index}", ""), form.get(f"loss_{index}", "")
        index += 1
        if not typed_cases.strip() and not typed_loss.strip():
            continue
        if unit not in units:
            errors.append(f"{unit or '（空）'} 不是名册中的村/单位")
            continue
        try:
            figures.append(
                CaseFigure(unit, month, parse_cases(typed_cases), parse_loss(typed_loss))
            )
        except FigureError as exc:
            errors.append(f"{unit}：{exc}")
    if errors:
        raise WebError(400, "；".join(errors) + "。没有保存任何数据，请改正后重新提交")
    if not figures:
        raise WebError(400, "没有填写任何村/单位的发案数或经济损失")
    return cases.enter_figures(ctx.rt.app.store, ctx.now(), viewer.name, figures)


async def preview_upload(
    ctx: WebContext, viewer: Viewer, filename: str, data: bytes
) -> CaseImport:
    """Check an uploaded sheet row by row off the event loop (nothing is written yet)."""
    viewer.require(can_enter(viewer), "导入发案数据（仅办公室和派出所）")
    name = PurePath(unquote(filename)).name or "发案统计.xlsx"
    units = ctx.org.units
    try:
        return await asyncio.to_thread(read_case_file, name, data, units)
    except Exception:
        log.exception("发案文件无法读取：%s", name)
        return CaseImport(
            name, errors=[f"文件 {name} 无法读取：格式不正确，请另存为 .xlsx 后重试"]
        )


def payload_of(result: CaseImport) -> str:
    """The checked figures, carried by the preview's confirm form."""
    return json.dumps(
        [[f.unit, f.month, f.cases, f.loss_fen] for f in result.figures], ensure_ascii=False
    )


def confirm_upload(
    ctx: WebContext, viewer: Viewer, filename: str, payload: str
) -> tuple[cases.Entered, list[CaseFigure]]:
    """Write a previewed upload, checked again (the form could have been altered)."""
    viewer.require(can_enter(viewer), "导入发案数据（仅办公室和派出所）")
    try:
        items = json.loads(payload)
        figures = [
            CaseFigure(str(u), parse_month(str(m)), int(c), int(loss)) for u, m, c, loss in items
        ]
    except (ValueError, TypeError, FigureError):
        raise WebError(400, "导入预览的数据已损坏，请重新上传文件") from None
    bad = cases.unknown_units(ctx.org, figures)
    invalid = [f for f in figures if f.cases < 0 or f.loss_fen < 0]
    if bad or invalid or not figures:
        raise WebError(400, "导入预览的数据与名册不符，请重新上传文件")
    store, now = ctx.rt.app.store, ctx.now()
    with store.transaction():
        entered = cases.enter_figures(store, now, viewer.name, figures)
        store.audit(
            now,
            viewer.name,
            "发案导入",
            f"{filename[:80]}：{len(figures)} 行，变化 {len(entered.changed)} 行",
        )
    return entered, figures


def set_population(ctx: WebContext, viewer: Viewer, unit: str, typed: str) -> None:
    """The office's population figure for a unit (blank clears it); audited."""
    viewer.require(can_set_population(viewer), "设定人口数（仅办公室）")
    if unit not in ctx.org.units:
        raise WebError(400, f"{unit or '（空）'} 不是名册中的村/单位")
    typed = typed.strip()
    if typed and (not typed.isdigit() or int(typed) <= 0 or int(typed) > 10_000_000):
        raise WebError(400, f"{unit} 的人口数 {typed[:20]!r} 应为正整数")
    people = int(typed) if typed else None
    store, now = ctx.rt.app.store, ctx.now()
    before = store.set_populations().get(unit)
    with store.transaction():
        store.set_population(unit, people, now, viewer.name)
        store.audit(now, viewer.name, "人口设定", f"{unit}：{before or '未设'}→{people or '未设'}")


def export(ctx: WebContext, viewer: Viewer, month: str) -> Download:
    """The month's ranking as .xlsx (a supervisor's: their own unit's row only)."""
    ranking = cases.month_ranking(ctx.rt.app.store, ctx.org, month)
    data = ranking_workbook(ranking, ctx.org.town, ctx.config.tz, ctx.now(), viewer.unit)
    return Download(data, f"发案排名-{month}.xlsx", f"cases-{month}.xlsx")


def template(ctx: WebContext, viewer: Viewer, month: str) -> Download:
    """The upload template for a month (office and 派出所)."""
    viewer.require(can_enter(viewer), "下载发案录入模板（仅办公室和派出所）")
    data = template_workbook(ctx.org.units, month)
    return Download(data, f"发案录入模板-{month}.xlsx", f"cases-template-{month}.xlsx")
