"""The 回访 section of the 月度排名: 知晓率 per village over the rounds completed that month,
counts shown, 无法联系 left out of the rate, no household named."""

from __future__ import annotations

from datetime import timedelta

from bot.callbacks import draw_round, record_outcomes
from bot.context import Context
from bot.domain.callbacks import KNOWN, UNKNOWN, UNREACHABLE, OutcomeEntry, SampleRule
from bot.runtime import Runtime
from bot.schedule import sections
from bot.schedule.bulletins import compose
from tests.test_callbacks_web import give_phones


def _finished_round(rt: Runtime, days: int, outcomes: dict[str, list[str]]) -> int:
    now = rt.app.clock.now() + timedelta(days=days)
    units = list(outcomes)
    rule = SampleRule(per_village=3, exclude_days=0)
    drawn = draw_round(rt.store, rt.app.org, now, "张主任（办公室）", units, rule, 8)
    entries = []
    for unit, results in outcomes.items():
        calls = [c for c in drawn.sample.calls if c.unit == unit]
        entries += [OutcomeEntry(c.wechat, o) for c, o in zip(calls, results, strict=True)]
    record_outcomes(rt.store, drawn.round_id, entries, now, "张主任（办公室）", "测试")
    return drawn.round_id


def test_monthly_bulletin_shows_rates_of_rounds_completed_that_month(rt: Runtime) -> None:
    assert sections.callback_sections in sections.CONTRIBUTORS
    give_phones(rt)
    # Completed on 2026-10-30 (the month before) and on 2026-11-24 and 11-25.
    _finished_round(rt, -24, {"李家村": [UNKNOWN] * 3})
    _finished_round(rt, 1, {"李家村": [KNOWN, KNOWN, UNKNOWN], "王家村": [UNREACHABLE] * 2})
    _finished_round(rt, 2, {"李家村": [KNOWN, UNREACHABLE, KNOWN]})
    ctx = Context(rt.app, rt.app.clock.now() + timedelta(days=3), options={})
    text = compose(ctx, "月度排名", previous=False).text
    block = text[text.index("回访抽查（入户走访、电话回访）：") :].splitlines()
    assert block[1:5] == [
        "本月完成回访 2 轮（第2轮、第3轮），抽查 8 户，"
        "全镇知晓率 80%（知晓 4、不知晓 1、无法联系 3）",
        "知晓率 = 知晓 ÷（知晓 + 不知晓），无法联系的不计入",
        "李家村：80%（知晓 4、不知晓 1、无法联系 1）",
        "王家村：无有效回访（知晓 0、不知晓 0、无法联系 2）",
    ]
    assert "李一户" not in text and "1380000" not in text
    october = compose(ctx, "月度排名", previous=True).text
    assert "本月完成回访 1 轮（第1轮），抽查 3 户，全镇知晓率 0%" in october
    for kind in ("日报", "周报"):
        assert "回访抽查" not in compose(ctx, kind, previous=False).text
