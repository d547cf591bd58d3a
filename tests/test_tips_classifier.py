"""The tip classifier (bot.nlp.tips) on its labelled set, beside a keyword baseline."""

from __future__ import annotations

import re

from bot.nlp.tips import borrowed_from, classify_tip
from tests.tip_cases import CASES, NEGATIVE, POSITIVE

# The naive rule: any message with a fraud word is a report, urgent if it names a transfer.
_BASELINE = re.compile(r"骗|诈|冒充|转账|汇款")


def _label(text: str) -> tuple[bool, bool]:
    signal = classify_tip(text)
    return (signal is not None, bool(signal and signal.urgent))


def test_the_set_is_big_enough_and_has_negatives() -> None:
    assert len(CASES) >= 100
    assert len(NEGATIVE) >= 50 and len(POSITIVE) >= 50


def test_category_accuracy_and_baseline() -> None:
    right = 0
    wrong = []
    for text, category, urgent in CASES:
        signal = classify_tip(text)
        got = (signal.category, signal.urgent) if signal else (None, False)
        if got == (category, urgent):
            right += 1
        else:
            wrong.append((text, got))
    accuracy = right / len(CASES)
    baseline = sum(
        (bool(_BASELINE.search(t)), bool(re.search(r"转账|汇款", t))) == (c is not None, u)
        for t, c, u in CASES
    ) / len(CASES)
    print(f"线索分类 {right}/{len(CASES)} = {accuracy:.1%}；关键词基线 {baseline:.1%}")
    assert accuracy >= 0.95, wrong
    assert accuracy > baseline


def test_no_false_alarm_on_negatives_and_every_loss_is_urgent() -> None:
    assert [t for t, _, _ in NEGATIVE if classify_tip(t) is not None] == []
    assert all(_label(t) == (True, True) for t, c, _ in POSITIVE if c == "已被骗")


def test_near_miss_is_a_tip_but_not_urgent() -> None:
    assert _label("差点被骗，还好没转账") == (True, False)
    assert _label("没被骗，放心") == (False, False)


def test_pasted_notice_is_recognised() -> None:
    notice = (
        "对方自称公安局的工作人员，能准确说出你的姓名、身份证号，说你的银行卡涉嫌洗钱，"
        "要你下载会议软件、开屏幕共享，把钱转到安全账户核查。"
    )
    assert borrowed_from("对方自称公安局的工作人员，说你的银行卡涉嫌洗钱", [notice])
    assert not borrowed_from("接到一个冒充公安的电话，说我涉嫌洗钱", [notice])
    assert not borrowed_from("收到", [notice])
