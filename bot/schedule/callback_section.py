"""The 回访抽查 section of the 月度排名: 知晓率 per village over the rounds completed that month.

Like every bulletin it names villages, never households or phone numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.callbacks import month_awareness
from bot.context import Context
from bot.domain.bulletin import Section
from bot.domain.callbacks import Awareness, rate_text
from bot.domain.periods import MONTHLY, Period

TITLE = "回访抽查（入户走访、电话回访）"


def callback_sections(ctx: Context, kind: str, period: Period) -> Sequence[Section]:
    """One section for a 月度排名 whose month completed a 回访 round; none otherwise."""
    if kind != MONTHLY:
        return []
    store = ctx.app.store
    rounds = store.callback_rounds(completed_since=period.start, completed_until=period.end)
    if not rounds:
        return []
    rates = month_awareness(store, period.start, period.end)
    total = Awareness(
        "全镇",
        sum(a.sampled for a in rates),
        sum(a.known for a in rates),
        sum(a.unknown for a in rates),
        sum(a.unreachable for a in rates),
    )
    numbers = "、".join(f"第{r.id}轮" for r in reversed(rounds))
    ranked = sorted(rates, key=lambda a: -1.0 if a.rate is None else a.rate, reverse=True)
    lines = [
        f"本月完成回访 {len(rounds)} 轮（{numbers}），抽查 {total.sampled} 户，"
        f"全镇知晓率 {rate_text(total)}",
        "知晓率 = 知晓 ÷（知晓 + 不知晓），无法联系的不计入",
    ]
    lines += [f"{a.unit}：{rate_text(a)}" for a in ranked]
    return [Section(TITLE, tuple(lines))]
