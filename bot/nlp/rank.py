"""A small ranked search (BM25 over jieba words) for "这是不是诈骗" questions.

The documents are plain strings (the caller joins an item's title, tags and body and may
repeat the title and tags to weigh them); the query is what a household wrote or the title
of a link they forwarded. Words of one character and common chat words carry no meaning
here and are dropped.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from bot.nlp.segment import cut

K1 = 1.5
B = 0.75
_STOP_TEXT = (
    "这是 不是 这个 那个 是不是 是否 一个 请问 你好 您好 我们 你们 他们 什么 怎么 怎么办 "
    "可以 就是 还是 没有 已经 现在 今天 刚才 刚刚 机器人 问问 帮忙 看看 一下 真的 对方 有人 "
    "说是 自己 如果 或者 因为 所以 但是 而且 还有 知道 时候"
)
_STOP = frozenset(_STOP_TEXT.split(" "))
_WORD = re.compile(r"[\w]", re.U)
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
# Bigrams inside stop words ("是不", "不是") mean as little as the words.
_STOP_BIGRAMS = frozenset(w[i : i + 2] for w in _STOP for i in range(len(w) - 1))


def words(text: str) -> list[str]:
    """The meaningful words of a text (two characters or more, or Latin), no stop words,
    then its Chinese character bigrams (marked with "#")."""
    out = []
    for word in cut(text.casefold()):
        word = word.strip()
        if not word or not _WORD.search(word) or word in _STOP:
            continue
        if len(word) < 2 and not word.isascii():
            continue
        out.append(word)
    # jieba's dictionary lacks much of the fraud vocabulary (刷单 falls apart as 刷/单点):
    # character bigrams catch what the words miss.
    for run in _HAN_RUN.findall(text):
        out.extend(
            f"#{run[i : i + 2]}"
            for i in range(len(run) - 1)
            if run[i : i + 2] not in _STOP_BIGRAMS
        )
    return out


def rank(query: str, documents: Sequence[str], limit: int = 3) -> list[tuple[int, float]]:
    """The indexes of the documents closest to `query` with their BM25 scores, best first.

    Documents that share no word with the query are left out; ties keep document order.
    """
    terms = set(words(query))
    if not terms or not documents:
        return []
    bags = [Counter(words(d)) for d in documents]
    avg = sum(sum(b.values()) for b in bags) / len(bags) or 1.0
    df = Counter(t for b in bags for t in terms if t in b)
    n = len(bags)
    scored = []
    for i, bag in enumerate(bags):
        length = sum(bag.values())
        score = 0.0
        for t in terms:
            tf = bag.get(t, 0)
            if not tf:
                continue
            idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
            score += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / avg))
        if score > 0:
            scored.append((i, score))
    scored.sort(key=lambda pair: -pair[1])
    return scored[:limit]
