"""The fast path for replies labelled with the sender's own name ("3组李四收到")."""

from __future__ import annotations

import pytest

from bot.nlp.ack import is_acknowledgement


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("3组李四收到", "李四", True),
        ("李四 已阅", "李四", True),
        ("李四：好的", "李四", True),
        ("李四家已转发", "李四", True),
        # A name jieba does not know as one still labels its owner's reply.
        ("杨峰强收到", "杨峰强", True),
        ("3组杨峰强收到", "杨峰强", True),
        # Glued to a weak word, a question, a negation or an object: as without the name.
        ("李四好的", "李四", False),
        ("李四收到吗", "李四", False),
        ("李四没收到", "李四", False),
        ("杨峰强收到一个诈骗电话", "杨峰强", False),
        ("杨峰强，这是真的吗？", "杨峰强", False),
    ],
)
def test_own_name_label(text: str, name: str, expected: bool) -> None:
    assert is_acknowledgement(text, sender=name) is expected
