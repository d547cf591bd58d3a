"""Fold chat text to one plain form before reading it: what WeChat users type varies.

`normalize` does, in order: NFKC (full-width letters, digits and punctuation to half width,
WeChat's U+2005 mention space and the ideographic space to plain spaces), traditional to
simplified characters (OpenCC `t2s`), dropping @mentions at the start and the end, and
dropping stray spaces between two Chinese characters ("进 度" → "进度"). Line breaks are kept.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import opencc

__all__ = ["edge_mentions", "normalize", "to_simplified"]

_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
_LEADING_MENTION_RE = re.compile(r"^\s*@([^\s@]+)(?:\s+|$)")
# Not after a letter or digit: "name@example.com" is an address, not a mention.
_TRAILING_MENTION_RE = re.compile(r"\s*(?<![A-Za-z0-9._%+-])@([^\s@]+)\s*$")
_CJK_GAP_RE = re.compile(rf"(?<={_HAN})[ \t]+(?={_HAN})")


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional characters to simplified (簽收 → 签收, 週報 → 周报); others unchanged."""
    return str(_converter().convert(text)) if text else text


def edge_mentions(text: str) -> tuple[list[str], str]:
    """The names @mentioned at the start and at the end of a message, and the rest.

    A mention at the start ends at a space (WeChat puts U+2005 after it); one at the end
    runs to the end of the text.
    """
    names = []
    while match := _LEADING_MENTION_RE.match(text):
        names.append(match.group(1))
        text = text[match.end() :]
    while match := _TRAILING_MENTION_RE.search(text):
        names.append(match.group(1))
        text = text[: match.start()]
    return names, text


def normalize(text: str, *, join_cjk: bool = True) -> str:
    """The text in one plain form: half width, simplified, without edge @mentions.

    With `join_cjk=False` the spaces between Chinese characters are kept, for callers to
    whom a space is a separator ("查 刷单").
    """
    text = unicodedata.normalize("NFKC", text)
    text = to_simplified(text)
    _, text = edge_mentions(text)
    if join_cjk:
        text = _CJK_GAP_RE.sub("", text)
    return text.strip()
