"""Quote replies as WeChat delivers them through Wechaty.

A quote reply arrives as one text: the quoted message in corner brackets with its author,
a line of dashes, then the reply — `「张三：原文」\n- - - - - - -\n收到`. Some clients put
the quote after the reply instead. The reply is what the sender said; the quote only tells
which earlier message they answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_QUOTE = r"「(?P<who>[^「」:：\n]{1,40})[:：](?P<quoted>.*?)」"
_RULE = r"(?:[-－—─]\s*){3,}"
_QUOTE_FIRST_RE = re.compile(rf"^\s*{_QUOTE}\s*(?:\n\s*{_RULE})?\s*\n(?P<reply>.*)$", re.S)
_QUOTE_LAST_RE = re.compile(rf"^(?P<reply>.*?)\n\s*(?:{_RULE}\s*\n\s*)?{_QUOTE}\s*$", re.S)


@dataclass(frozen=True)
class QuoteReply:
    """A reply split from the message it quotes (`quoted` is None for a plain message)."""

    reply: str
    quoted: str | None = None
    author: str | None = None


@lru_cache(maxsize=16384)
def split_quote(text: str) -> QuoteReply:
    """Split a Wechaty-rendered quote reply into the reply and the quoted text (cached:
    households repeat the same few replies)."""
    for pattern in (_QUOTE_FIRST_RE, _QUOTE_LAST_RE):
        match = pattern.match(text)
        if match and match["reply"].strip():
            return QuoteReply(
                match["reply"].strip(), match["quoted"].strip(), match["who"].strip()
            )
    return QuoteReply(text)
