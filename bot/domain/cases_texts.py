"""What the 月度排名 says about 发案 (cases, losses, 万人发案数, 约谈, 同比, 无诈村组). Pure."""

from __future__ import annotations

from bot.domain.bulletin import ChartSpec
from bot.domain.cases import (
    TARGET_DROP,
    MonthRanking,
    UnitCases,
    YearOnYear,
    change_text,
    month_label,
    yuan_text,
)

SECTION_TITLE = "发案情况"
CHART_SERIES = "万人发案数"
INTERVIEW_FLAG = "约谈"
INTERVIEW_RULE = "三项指标（发案数、经济损失、万人发案数）连续两个月处于最高位"
TARGET_RULE = f"无诈村组：1月至本月发案数同比下降{TARGET_DROP:.0%}以上为达标"


def rate_text(row: UnitCases) -> str:
    """万人发案数 as written ("1.20"; "—" without a population)."""
    value = row.per_10k
    return "—" if value is None else f"{value:.2f}"


def yoy_text(yoy: YearOnYear) -> str:
    """同比 of one figure: "同比+50%", "同比持平", "去年同期0起", "去年同期无数据"."""
    if yoy.before is None:
        return "去年同期无数据"
    if yoy.before == 0:
        return "去年同期0起"
    return f"同比{change_text(yoy.change)}"


def assessment_text(yoy: YearOnYear) -> str:
    """The 无诈村组 verdict: 达标 / 未达标 / 不评定."""
    met = yoy.target_met
    if met is None:
        return "不评定（去年同期无数据）"
    if yoy.before == 0:
        return "达标（保持零发案）" if met else "未达标（去年同期零发案，今年有发案）"
    return (
        "达标" if met else "未达标"
    ) + f"（{yoy.before}→{yoy.now}起，{change_text(yoy.change)}）"


def ranking_lines(ranking: MonthRanking) -> list[str]:
    """The section of the 月度排名 (titled `SECTION_TITLE`): one line per unit, then 约谈
    and the 无诈村组 assessment. No household is named."""
    label = month_label(ranking.month)
    if not ranking.entered:
        return [f"{label}发案数据尚未填报（请镇反诈办或派出所在网页“发案”页录入），本月不排名。"]
    total = sum(r.cases for r in ranking.rows)
    loss = sum(r.loss_fen for r in ranking.rows)
    lines = [
        f"{label}全镇发案 {total} 起，经济损失 {yuan_text(loss)}。"
        "按发案数、经济损失、万人发案数排名（第1名为最高）："
    ]
    hit = [r for r in ranking.rows if r.cases or r.loss_fen]
    for i, r in enumerate(hit, 1):
        lines.append(
            f"{i}. {r.unit}：发案 {r.cases} 起（第{r.rank_cases}），损失 {yuan_text(r.loss_fen)}"
            f"（第{r.rank_loss}），万人发案 {rate_text(r)}（第{r.rank_rate}）；"
            f"{yoy_text(r.month_yoy)}"
        )
    clean = [
        r.unit + (f"（{yoy_text(r.month_yoy)}）" if r.month_yoy.before else "")
        for r in ranking.rows
        if not (r.cases or r.loss_fen)
    ]
    if clean:
        lines.append(f"其余 {len(clean)} 个村/单位本月零发案：{'、'.join(clean)}")
    interviews = ranking.interviews
    if interviews:
        lines.append(
            f"{INTERVIEW_RULE}：{'、'.join(interviews)}。"
            "按要求由纪委约谈其主要领导（单位负责人）。"
        )
    else:
        tops = [r.unit for r in ranking.rows if r.top]
        now = f"（本月三项均最高：{'、'.join(tops)}，请重点关注）" if tops else ""
        lines.append(f"没有{INTERVIEW_RULE}的村/单位，本月无需约谈{now}。")
    lines += assessment_lines(ranking)
    return lines


def assessment_lines(ranking: MonthRanking) -> list[str]:
    """无诈村组: who meets the year-to-date target, who does not, who cannot be assessed."""
    met = [r.unit for r in ranking.rows if r.ytd_yoy.target_met is True]
    missed = [
        f"{r.unit}（{assessment_text(r.ytd_yoy).removeprefix('未达标（').rstrip('）')}）"
        for r in ranking.rows
        if r.ytd_yoy.target_met is False
    ]
    unknown = [r.unit for r in ranking.rows if r.ytd_yoy.target_met is None]
    lines = [f"{TARGET_RULE}："]
    lines.append(f"达标 {len(met)} 个：{'、'.join(met) or '无'}")
    lines.append(f"未达标 {len(missed)} 个：{'、'.join(missed) or '无'}")
    if unknown:
        lines.append(f"去年同期无数据、不评定：{'、'.join(unknown)}")
    return lines


def ranking_chart(ranking: MonthRanking, town: str) -> ChartSpec | None:
    """The 月度排名's 发案 chart: 万人发案数 per unit, worst first, 约谈 units flagged (none
    for a month without figures)."""
    if not ranking.entered:
        return None
    return ChartSpec(
        title=f"{town}{month_label(ranking.month)}{CHART_SERIES}",
        labels=tuple(r.unit for r in ranking.rows),
        series=((CHART_SERIES, tuple(r.per_10k for r in ranking.rows)),),
        flagged=ranking.interviews,
        flag_note=INTERVIEW_FLAG,
        percent=False,
        decimals=2,
    )
