"""The household-reply dev set: acknowledgements as WeChat really delivers them.

tests/data/household_replies.tsv holds replies written for this project (text, label,
category, sender): quote replies, @mentions, bracket and legacy emoji codes, traditional
characters, full-width letters and stray spaces, 接龙 lists, and plain replies, negatives
and questions. In the text column `\\n` is a line break and `\\u2005` the space WeChat puts
after a mention. The test reports our accuracy beside the naive "contains 收到" rule
(`python3 -m tests.test_household_replies` prints both, per category).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest

from bot.nlp import is_acknowledgement

DATA = Path(__file__).parent / "data" / "household_replies.tsv"
OUR_BAR = 0.97


class Reply(NamedTuple):
    text: str
    ack: bool
    category: str
    sender: str | None


def _unescape(text: str) -> str:
    return text.replace("\\n", "\n").replace("\\u2005", "\u2005")


def load() -> list[Reply]:
    """The dev set, in file order."""
    with DATA.open(encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [
            Reply(_unescape(r["text"]), r["label"] == "1", r["category"], r["sender"] or None)
            for r in rows
        ]


REPLIES = load()


def ours(reply: Reply) -> bool:
    return is_acknowledgement(reply.text, sender=reply.sender)


def naive(reply: Reply) -> bool:
    return "收到" in reply.text


def accuracy(rule: Callable[[Reply], bool]) -> tuple[float, dict[str, tuple[int, int]]]:
    """Share of REPLIES a rule gets right, overall and per category (right, total)."""
    per: dict[str, tuple[int, int]] = {}
    for reply in REPLIES:
        right, total = per.get(reply.category, (0, 0))
        per[reply.category] = (right + (rule(reply) is reply.ack), total + 1)
    return sum(r for r, _ in per.values()) / len(REPLIES), per


def test_the_set_is_big_varied_and_unique() -> None:
    assert len(REPLIES) >= 300
    assert len({(r.text, r.sender) for r in REPLIES}) == len(REPLIES)
    categories = {r.category for r in REPLIES}
    assert {"quote", "mention", "emoji", "legacy", "traditional", "width", "solitaire"} <= (
        categories
    )
    assert {"plain", "negative", "question"} <= categories
    for category in categories:
        labels = {r.ack for r in REPLIES if r.category == category}
        assert labels == {True, False} or category in ("plain", "negative", "question"), category


def test_ours_beats_the_naive_rule_and_clears_the_bar() -> None:
    our_score, _ = accuracy(ours)
    naive_score, _ = accuracy(naive)
    print(
        f"\n{len(REPLIES)} replies: ours {our_score:.1%}, naive 'contains 收到' {naive_score:.1%}"
    )
    assert our_score >= OUR_BAR
    assert our_score > naive_score + 0.3


@pytest.mark.parametrize(
    "reply", REPLIES, ids=[f"{r.category}-{i}" for i, r in enumerate(REPLIES)]
)
def test_reply(reply: Reply) -> None:
    assert ours(reply) is reply.ack, f"{reply.category}: {reply.text!r} ({reply.sender})"


if __name__ == "__main__":
    for label, rule in (("ours", ours), ("naive", naive)):
        overall, by_category = accuracy(rule)
        print(f"{label}: {len(REPLIES)} 条，准确率 {overall:.1%}")
        for name, (ok, total) in sorted(by_category.items()):
            print(f"  {name}: {ok}/{total}")
