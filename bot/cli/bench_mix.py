"""A realistic mix of household replies for the benchmarks (not a handful of cached texts).

Replies are drawn, with weights close to a real county's chat, from plain acknowledgements,
name-labelled ones ("3组李四收到", "李四 已阅": the household's own name and group number, so
no two households send the same text), emoji, traditional characters, full-width and
mention forms, questions, chat and refusals.
"""

from __future__ import annotations

import itertools
import random

from bot.domain.model import Member

PLAIN = (
    "收到", "收到了", "好的", "已阅", "收到，谢谢", "明白", "知道了", "好的，谢谢提醒",
    "已转发", "嗯嗯", "1", "扣1", "收到，马上转给家里人", "我家收到了", "谢谢提醒，会注意的",
    "收到，已经告诉老人了", "好嘞", "已读", "晓得了", "收到！", "收到收到", "已学习",
    "全家都看了", "已转发家族群", "OK收到",
)  # fmt: skip
EMOJI = ("👍", "🙏", "收到👍", "[强]", "[OK]", "👌👌", "收到[抱拳]", "好的🌹", "/:strong")
TRADITIONAL = ("收到了，謝謝", "已閱", "知道了，謝謝提醒", "好的，會注意", "已轉發給家人")
WIDTH = ("ｏｋ", "收 到", "收到！！", "ＯＫ收到", "已　阅")
MENTION = ("@王网格员\u2005收到", "收到@王网格员\u2005谢谢", "@所有人 收到", "@李书记 已阅")
QUESTION = (
    "收到？", "收到吗", "这个是真的吗", "怎么回复", "要转发吗", "好的，这是真的吗？",
    "收到验证码要告诉他吗", "谁能告诉我怎么装反诈APP", "什么时候开会",
)  # fmt: skip
CHAT = (
    "今天下午有人打电话说是公安局的", "我家老人上次差点被骗", "村口那个广告是骗人的吧",
    "晚上开会吗", "明天赶集", "这个视频我看过了，讲得很好", "我妈不会用微信",
    "刚才收到一个诈骗电话", "哈哈哈", "早上好",
)  # fmt: skip
NEGATIVE = ("没收到", "看不懂", "别发了", "天天发烦死了", "还没看", "收到收到，别再发了")
LABELLED = ("{g}{n}收到", "{n}收到", "{n} 已阅", "{n}：收到", "{g}{n}已收到", "{n}家已转发")

# (weight, kind): kinds are the tuples above, or "labelled" for name-labelled replies.
MIX: tuple[tuple[float, str], ...] = (
    (0.40, "plain"),
    (0.18, "labelled"),
    (0.10, "emoji"),
    (0.06, "traditional"),
    (0.04, "width"),
    (0.04, "mention"),
    (0.07, "question"),
    (0.08, "chat"),
    (0.03, "negative"),
)
_KINDS = [k for _, k in MIX]
_CUM_WEIGHTS = list(itertools.accumulate(w for w, _ in MIX))  # what choices(weights=) sums
_POOLS = {
    "plain": PLAIN,
    "emoji": EMOJI,
    "traditional": TRADITIONAL,
    "width": WIDTH,
    "mention": MENTION,
    "question": QUESTION,
    "chat": CHAT,
    "negative": NEGATIVE,
}


def reply_for(member: Member, rng: random.Random) -> str:
    """One household's reply, drawn from the mix (labelled ones carry its own name)."""
    kind = rng.choices(_KINDS, cum_weights=_CUM_WEIGHTS)[0]
    if kind == "labelled":
        group = f"{rng.randint(1, 12)}组"
        return rng.choice(LABELLED).format(g=group, n=member.name)
    return rng.choice(_POOLS[kind])


def replies(members: list[Member], seed: int = 7) -> list[str]:
    """A reply for each member, reproducibly."""
    rng = random.Random(seed)
    return [reply_for(m, rng) for m in members]
