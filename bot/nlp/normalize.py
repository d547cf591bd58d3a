"""Fold chat text to one plain form before reading it: what WeChat users type varies.

WeChat text arrives with full-width letters and digits (ＯＫ, １), traditional characters
(已閱, 沒收到), @mentions ending in the U+2005 space WeChat inserts after a picked name, and
spaces typed inside words (收 到, 好 的 收 到). Two entry points share the steps:

- `normalize` (commands): NFKC, traditional → simplified, @mentions at the start and end
  dropped, stray spaces between Chinese characters dropped ("进 度" → "进度").
- `normalize_reply` (acknowledgements): `fold`, every @mention dropped, spaced-out words
  joined (`join_spaced`), whitespace collapsed. The steps are public so that a caller who
  needs line breaks (接龙 lists, quote replies) can fold first and split later.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

import opencc

__all__ = [
    "edge_mentions",
    "fold",
    "join_spaced",
    "normalize",
    "normalize_reply",
    "strip_mentions",
    "to_simplified",
]

_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
_LEADING_MENTION_RE = re.compile(r"^\s*@([^\s@]+)(?:\s+|$)")
# Not after a letter or digit: "name@example.com" is an address, not a mention.
_TRAILING_MENTION_RE = re.compile(r"\s*(?<![A-Za-z0-9._%+-])@([^\s@]+)\s*$")
_CJK_GAP_RE = re.compile(rf"(?<={_HAN})[ \t]+(?={_HAN})")
# A mention runs from @ to the next space (WeChat puts U+2005 there; NFKC makes it a space),
# the next @ or the end of the text.
_MENTION_RE = re.compile(r"@[^\s@]*")
_HSPACE = r"[^\S\n]+"
# One horizontal space run between two CJK characters (the lookarounds keep the characters).
_CJK_HGAP_RE = re.compile(rf"(?<={_HAN}){_HSPACE}(?={_HAN})")
# Letters spaced out one by one: O K, o k.
_SPACED_LETTERS_RE = re.compile(r"\b[A-Za-z](?:[^\S\n][A-Za-z]\b)+")
_TOKEN_RE = re.compile(rf"[^\s]+|{_HSPACE}")
_SPACE_RE = re.compile(r"\s+")
# From this many word gaps on one line, the writer spaces every word: join them all.
_WORD_SPACED_GAPS = 3


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


@lru_cache(maxsize=16384)
def fold(text: str) -> str:
    """NFKC (full-width letters, digits and punctuation; ① → 1) and traditional → simplified.

    Line breaks are kept. Cached: every message is folded a few times on its way, and
    households repeat the same few replies.
    """
    return to_simplified(unicodedata.normalize("NFKC", text))


# Characters seen to fold to themselves: CJK ideographs and ASCII letters and digits only
# (no combining marks or jamo, which NFKC composes with their neighbours).
_SAME_FOLDED: set[str] = set()
_FOLDABLE_ALONE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


def fold_name(name: str) -> str:
    """`fold(name).lower()` for a sender's name. Names are nearly all distinct, so the fold
    cache rarely has them: a name whose every character folds to itself (most names) is
    taken as it is, without the traditional→simplified converter."""
    same = _SAME_FOLDED
    for ch in name:
        if ch not in same:
            if not _FOLDABLE_ALONE.fullmatch(ch) or fold(ch) != ch:
                return fold(name).lower()
            same.add(ch)
    return name.lower()


def strip_mentions(text: str) -> str:
    """Replace each @mention (@李四, @所有人) with a space."""
    return _MENTION_RE.sub(" ", text)


def _is_cjk(ch: str) -> bool:
    return bool(re.match(_HAN, ch))


def _join_line(line: str) -> str:
    gaps = len(_CJK_HGAP_RE.findall(line))
    if gaps == 0:
        return line
    if gaps >= _WORD_SPACED_GAPS:
        return _CJK_HGAP_RE.sub("", line)
    tokens = _TOKEN_RE.findall(line)
    out: list[str] = []
    for index, token in enumerate(tokens):
        if token.isspace() and 0 < index < len(tokens) - 1:
            left, right = tokens[index - 1], tokens[index + 1]
            # A space next to a lone character is inside a word (收 到, 已 收到); a space
            # between two words is punctuation (收到 谢谢) and stays.
            if _is_cjk(left[-1]) and _is_cjk(right[0]) and (len(left) == 1 or len(right) == 1):
                continue
        out.append(token)
    return "".join(out)


def join_spaced(text: str) -> str:
    """Remove spaces typed inside words: 收 到 → 收到, O K → OK, 没 收 到 → 没收到.

    A space between two longer words (收到 谢谢) is kept, unless the line spaces every word
    (收到 一个 诈骗 电话). Line breaks are kept.
    """
    text = _SPACED_LETTERS_RE.sub(lambda m: m.group(0).replace(" ", ""), text)
    return "\n".join(_join_line(line) for line in text.split("\n"))


def normalize_reply(text: str) -> str:
    """Fold, drop @mentions, join spaced-out words and collapse whitespace to single spaces."""
    text = join_spaced(strip_mentions(fold(text)))
    return _SPACE_RE.sub(" ", text).strip()
