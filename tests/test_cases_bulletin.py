"""The 月度排名's 发案 section: ranking lines, 约谈 after two months at the top, 同比 and
无诈村组; none in 日报/周报 or for a town that never entered a figure; and the month-long
demo's entries (office, then 派出所) reaching the 12-01 bulletin."""

from __future__ import annotations

import random
from datetime import timedelta

from bot import cases
from bot.cli import demo_cases
from bot.cli.demo import DEMO_START, DemoScript
from bot.cli.sample import generate_town
from bot.clock import SimClock
from bot.config import Config
from bot.context import Context
from bot.domain.cases import CaseFigure
from bot.domain.model import MessageKind
from bot.runtime import Runtime, build
from bot.schedule.bulletins import compose
from tests.chat import say


def _enter(rt: Runtime, who: str, figures: list[CaseFigure]) -> None:
    cases.enter_figures(rt.store, rt.app.clock.now(), who, figures)


async def test_monthly_section_ranks_flags_and_compares(rt: Runtime) -> None:
    ctx = Context(rt.app, rt.app.clock.now(), options={})
    assert "发案" not in compose(ctx, "月度排名", previous=True).text  # nothing ever entered
    _enter(
        rt,
        "张主任",
        [
            CaseFigure("李家村", "2025-10", 2, 0),
            CaseFigure("王家村", "2025-10", 4, 0),
            CaseFigure("李家村", "2026-09", 3, 50_000_00),
            CaseFigure("王家村", "2026-09", 1, 2_000_00),
        ],
    )
    _enter(
        rt,
        "派出所",
        [CaseFigure("李家村", "2026-10", 4, 1_500_000), CaseFigure("王家村", "2026-10", 1, 0)],
    )
    text = compose(ctx, "月度排名", previous=True).text.splitlines()
    at = text.index("发案情况：")
    assert text[at + 1 :] == [
        "2026年10月全镇发案 5 起，经济损失 1.5万元。"
        "按发案数、经济损失、万人发案数排名（第1名为最高）：",
        "1. 李家村：发案 4 起（第1），损失 1.5万元（第1），万人发案 5000.00（第1）；同比+100%",
        "2. 王家村：发案 1 起（第2），损失 0元（第2），万人发案 2500.00（第2）；同比-75%",
        "其余 2 个村/单位本月零发案：农商银行、中心小学",
        "三项指标（发案数、经济损失、万人发案数）连续两个月处于最高位：李家村。"
        "按要求由纪委约谈其主要领导（单位负责人）。",
        "无诈村组：1月至本月发案数同比下降10%以上为达标：",
        "达标 3 个：王家村、农商银行、中心小学",
        "未达标 1 个：李家村（2→7起，+250%）",
    ]
    (daily,) = [m for m in await say(rt, "leader", "日报") if m.kind is MessageKind.TEXT]
    assert "发案" not in daily.text
    # November has no figure yet: its ranking says so.
    month_ctx = Context(rt.app, rt.app.clock.now() + timedelta(days=8), options={})
    text = compose(month_ctx, "月度排名", previous=True).text
    assert "2026年11月发案数据尚未填报" in text


async def test_demo_month_enters_figures_and_the_ranking_flags_the_hotspot(
    config: Config,
) -> None:
    clock = SimClock(DEMO_START)
    rt = build(config, clock, org=generate_town(1))
    try:
        script = DemoScript(rt, clock, random.Random(1))
        demo_cases.plan(script, 31)
        await script.run(DEMO_START + timedelta(days=9))
        assert clock.now() == DEMO_START.replace(day=30, hour=17, minute=0)  # 派出所's entry
        first = DEMO_START.replace(month=12, day=1, hour=9, minute=0)
        draft = compose(Context(rt.app, first, options={}), "月度排名", previous=True)
        lines = draft.text.splitlines()
        assert lines[0] == "【反诈工作月度排名】演礼镇 2026年11月"
        assert (
            "1. 王家坝村：发案 4 起（第1），损失 8.6万元（第1），万人发案 42.11（第1）；同比+100%"
            in lines
        )
        assert any(line.startswith("三项指标") and "：王家坝村。" in line for line in lines)
        assert "未达标 2 个：王家坝村（15→17起，+13%）、李家村（17→23起，+35%）" in lines
        summary = demo_cases.summary(rt)
        assert summary.splitlines() == [
            "11-24 10:00 高新林 录入 168 条（发案页同一录入函数，审计日志逐条记录）",
            "11-24 10:30 高新林 录入 4 条（发案页同一录入函数，审计日志逐条记录）",
            "11-30 17:00 派出所 录入 4 条（发案页同一录入函数，审计日志逐条记录）",
            "2026年11月：全镇发案 7 起；约谈 王家坝村；无诈村组达标 10 个，未达标 王家坝村、李家村"
            "（详见 12-01 的月度排名）",
        ]
    finally:
        rt.store.close()
