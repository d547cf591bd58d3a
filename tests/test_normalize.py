"""Tests for the shared text normaliser."""

from __future__ import annotations

import pytest

from bot.nlp.normalize import edge_mentions, normalize, to_simplified

CASES = [
    ("現在進度怎麼樣了", "现在进度怎么样了"),
    ("發一下週報", "发一下周报"),
    ("ＨＥＬＰ　＃３", "HELP #3"),
    ("第３期进度", "第3期进度"),
    ("@反诈助手\u2005进度", "进度"),
    ("＠反诈助手\u3000进度", "进度"),
    ("@反诈助手\u2005@机器人\u2005进度", "进度"),
    ("现在完成多少了 @反诈助手", "现在完成多少了"),
    ("哪些村还没转发@机器人", "哪些村还没转发"),
    ("谁 还没 签收", "谁还没签收"),
    ("OK 好的", "OK 好的"),
    ("写信到 a@example.com", "写信到 a@example.com"),
    ("第一行\n第二 行", "第一行\n第二行"),
    ("", ""),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_spaces_between_words_can_be_kept() -> None:
    assert normalize("@机器人\u2005查　刷單", join_cjk=False) == "查 刷单"


def test_edge_mentions_names_who_is_addressed() -> None:
    assert edge_mentions("@张三\u2005催一下 @李四") == (["张三", "李四"], "催一下")
    assert edge_mentions("催一下") == ([], "催一下")


def test_to_simplified_leaves_simplified_text_alone() -> None:
    assert to_simplified("签收 第3期") == "签收 第3期"
    assert to_simplified("簽收") == "签收"
