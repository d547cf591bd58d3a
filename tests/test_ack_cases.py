"""Households' words that are not acknowledgements: refusals, complaints, "stop sending",
and requests to acknowledge written by someone else; and the WeChat "1" / "扣1" answer.

Each case is (text, is it a 回执, category). `accuracy()` is what the issue-8 note reports
before and after the change (`python3 -m tests.test_ack_cases`).

The decision on "1" and "扣1": in WeChat groups an organiser writes "收到的扣1" and people
answer "1" (or echo "扣1"). The classifier sees one message at a time, so a message that is
only "1"/"11"/"扣1"/"扣1了" (optionally with 收到) is an acknowledgement, while a message
that asks for it — naming who should answer (收到的/看到的/大家/请) — is a request.
"""

from __future__ import annotations

import pytest

from bot.nlp import is_acknowledgement

REFUSAL = "拒收"
COMPLAINT = "抱怨"
REQUEST = "要求别人回执"
ONE = "扣1"
ACK = "回执"

CASES: list[tuple[str, bool, str]] = [
    # refusals and "stop sending"
    ("不看", False, REFUSAL),
    ("不看了", False, REFUSAL),
    ("我不看", False, REFUSAL),
    ("别发了", False, REFUSAL),
    ("别再发了", False, REFUSAL),
    ("不要再发了", False, REFUSAL),
    ("不要发了", False, REFUSAL),
    ("以后不要发了", False, REFUSAL),
    ("别发给我", False, REFUSAL),
    ("退群", False, REFUSAL),
    ("我要退群", False, REFUSAL),
    ("已退群", False, REFUSAL),
    ("再发就退群", False, REFUSAL),
    ("烦死了天天发", False, REFUSAL),
    ("天天发，烦死了", False, REFUSAL),
    ("烦死了", False, REFUSAL),
    ("好烦", False, REFUSAL),
    ("别烦我", False, REFUSAL),
    ("别@我", False, REFUSAL),
    ("不要@我了", False, REFUSAL),
    ("已屏蔽", False, REFUSAL),
    ("屏蔽了", False, REFUSAL),
    ("不想看", False, REFUSAL),
    ("没兴趣", False, REFUSAL),
    ("行了行了别发了", False, REFUSAL),
    ("好了好了，别发了", False, REFUSAL),
    ("好的好的，不要再发了", False, REFUSAL),
    ("收到收到，别再发了", False, REFUSAL),
    ("知道了知道了，别天天发", False, REFUSAL),
    ("够了", False, REFUSAL),
    ("有完没完", False, REFUSAL),
    ("谢谢，不用了", False, REFUSAL),
    ("好的，我退群了", False, REFUSAL),
    ("收到，以后别发了", False, REFUSAL),
    ("嗯，已屏蔽", False, REFUSAL),
    ("行，别发了", False, REFUSAL),
    ("好的，烦死了", False, REFUSAL),
    ("ok，少发点", False, REFUSAL),
    ("懒得看", False, REFUSAL),
    ("请勿再发", False, REFUSAL),
    ("已收到，请勿再发", False, REFUSAL),
    ("别再推了", False, REFUSAL),
    ("不看，谢谢", False, REFUSAL),
    # complaints
    ("天天发这些有什么用", False, COMPLAINT),
    ("又是这个", False, COMPLAINT),
    ("发这么多谁看啊", False, COMPLAINT),
    ("每天都发，烦不烦", False, COMPLAINT),
    ("刷屏了", False, COMPLAINT),
    ("吵死了", False, COMPLAINT),
    ("消息太多了", False, COMPLAINT),
    ("垃圾信息", False, COMPLAINT),
    ("能不能少发点", False, COMPLAINT),
    ("都发了好几遍了", False, COMPLAINT),
    ("好好的群变成广告群了", False, COMPLAINT),
    ("收到了，能不能别天天发", False, COMPLAINT),
    # requests to acknowledge, written by someone else
    ("大家收到请回复", False, REQUEST),
    ("请回复收到", False, REQUEST),
    ("看到的回个收到", False, REQUEST),
    ("收到的扣1", False, REQUEST),
    ("收到请扣1", False, REQUEST),
    ("看到扣1", False, REQUEST),
    ("看到的扣个1", False, REQUEST),
    ("大家扣1", False, REQUEST),
    ("收到的回复1", False, REQUEST),
    ("看完的扣1", False, REQUEST),
    ("已阅的请扣1", False, REQUEST),
    ("请大家收到后回复", False, REQUEST),
    ("收到后请回复一下", False, REQUEST),
    ("麻烦大家回复收到", False, REQUEST),
    ("请家长们回复收到", False, REQUEST),
    ("收到的请接龙", False, REQUEST),
    ("看到请回复", False, REQUEST),
    ("各位收到请回个话", False, REQUEST),
    ("收到的回1", False, REQUEST),
    ("收到的打1", False, REQUEST),
    ("大家看到了说一声", False, REQUEST),
    ("收到，请大家扣1", False, REQUEST),
    ("看到了扣1", False, REQUEST),
    # "1" and "扣1" as the answer
    ("1", True, ONE),
    ("11", True, ONE),
    ("扣1", True, ONE),
    ("扣1了", True, ONE),
    ("已扣1", True, ONE),
    ("1，收到", True, ONE),
    ("收到，扣1", True, ONE),
    ("1 收到", True, ONE),
    ("扣1，已阅", True, ONE),
    ("１", True, ONE),
    ("好的扣1", True, ONE),
    ("1111", True, ONE),
    # acknowledgements that sound like the above, and must stay acknowledgements
    ("收到，不会转账", True, ACK),
    ("收到，绝不转账", True, ACK),
    ("好的，不点陌生链接", True, ACK),
    ("明白了，陌生电话不接", True, ACK),
    ("收到，不信不转不点", True, ACK),
    ("收到，我家老人不会上当的", True, ACK),
    ("收到，已转发，不会再上当了", True, ACK),
    ("已读，谢谢提醒", True, ACK),
    ("收到！辛苦网格员", True, ACK),
    ("收到了，转给老人看了", True, ACK),
    ("收到，感谢村里", True, ACK),
    ("好的，马上看", True, ACK),
    ("收到，回头转给我妈", True, ACK),
    ("知道了，谢谢", True, ACK),
    ("收到，不要担心", True, ACK),
    ("收到，不要发验证码给别人", True, ACK),
    ("收到，不看陌生链接", True, ACK),
    ("收到，麻烦了", True, ACK),
    ("不看不知道，一看吓一跳，收到", True, ACK),
    ("收到，不要转给陌生人", True, ACK),
    ("收到，不要点陌生链接", True, ACK),
    ("收到，勿回", True, ACK),
]


def accuracy() -> tuple[float, dict[str, tuple[int, int]]]:
    """Share of CASES classified right, overall and per category (right, total)."""
    per: dict[str, tuple[int, int]] = {}
    for text, expected, category in CASES:
        right, total = per.get(category, (0, 0))
        per[category] = (right + (is_acknowledgement(text) is expected), total + 1)
    right = sum(r for r, _ in per.values())
    return right / len(CASES), per


def test_the_set_is_big_and_balanced() -> None:
    assert len(CASES) >= 60
    assert len({text for text, _, _ in CASES}) == len(CASES)
    assert {expected for _, expected, _ in CASES} == {True, False}


@pytest.mark.parametrize(("text", "expected", "category"), CASES)
def test_case(text: str, expected: bool, category: str) -> None:
    assert is_acknowledgement(text) is expected, f"{category}：{text!r}"


if __name__ == "__main__":
    overall, by_category = accuracy()
    print(f"{len(CASES)} 条，准确率 {overall:.1%}")
    for name, (ok, total) in by_category.items():
        print(f"  {name}: {ok}/{total}")
