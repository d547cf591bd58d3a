"""Cross-account fingerprints: one household message seen by two bot accounts in the same
group arrives twice, with two transport ids; it must count once.

A fingerprint is group + sender + normalized content + a time bucket. Two buckets of
`window` seconds, the second grid shifted by half a window, are both fingerprinted: two
copies less than window/2 apart always share a bucket in at least one grid (a copy that
straddles one grid's boundary sits inside the other's bucket).
"""

from __future__ import annotations

import hashlib
import math
import unicodedata

from bot.domain.model import IncomingMessage, MessageKind
from bot.nlp.normalize import normalize

# Copies of one message closer than half of this (seconds) always count once. Both copies
# carry the platform's own send time, so they are seconds apart at most; a pusher's 收到 to
# two pushes a minute apart must stay two messages.
WINDOW_SECONDS = 10.0


def content_of(msg: IncomingMessage) -> str:
    """What the message says or carries, in one canonical form."""
    if msg.kind is MessageKind.TEXT:
        text = normalize(msg.text)
        return "t:" + "".join(c for c in text if not (c.isspace() or _punctuation(c)))
    parts = [msg.kind.value, msg.filename or "", msg.text]
    if msg.data is not None:
        parts.append(hashlib.sha256(msg.data).hexdigest())
    if msg.link is not None:
        parts.append(msg.link.url)
    return "|".join(parts)


def _punctuation(ch: str) -> bool:
    return unicodedata.category(ch).startswith("P")


def fingerprints(msg: IncomingMessage, window: float = WINDOW_SECONDS) -> tuple[str, str]:
    """The message's two fingerprints (one per bucket grid)."""
    stamp = msg.at.timestamp() / window
    base = f"{msg.group or ''}\x1f{msg.sender}\x1f{content_of(msg)}"
    keys = []
    for grid, bucket in (("a", math.floor(stamp)), ("b", math.floor(stamp + 0.5))):
        keys.append(hashlib.sha256(f"{base}\x1f{grid}{bucket}".encode()).hexdigest()[:32])
    return keys[0], keys[1]
