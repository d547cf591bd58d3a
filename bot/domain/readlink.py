"""Read-confirm links: a signed token naming one push in one group.

Where the bot cannot listen (evidence-mode parent groups, WeCom customer groups) a household
cannot be heard replying "收到"; a short link `{public_url}/r/<token>` opens the content with
one button, and a tap counts as that group's receipt. The token is the push and the group
in URL-safe base64 plus an HMAC-SHA256 tag (truncated to 96 bits) under a secret key, so a
link can be neither guessed nor edited to count for another group or push.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

TAG_BYTES = 12
KEY_LABEL = b"fanzha-readlink-v1"
# A token longer than this is not one of ours (and is not worth decoding).
MAX_TOKEN = 200


@dataclass(frozen=True)
class LinkTarget:
    """What a read-confirm token names."""

    push_id: int
    group_id: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def derive_key(secret: bytes) -> bytes:
    """The link key from a longer-lived secret (web.secret), apart from its other uses."""
    return hmac.new(secret, KEY_LABEL, hashlib.sha256).digest()


def _tag(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()[:TAG_BYTES]


def sign(key: bytes, push_id: int, group_id: str) -> str:
    """The token of one push in one group."""
    payload = f"{push_id}:{group_id}".encode()
    return f"{_b64(payload)}.{_b64(_tag(key, payload))}"


def verify(key: bytes, token: str) -> LinkTarget | None:
    """What a token names, or None when it is malformed, forged or edited."""
    if not token or len(token) > MAX_TOKEN or token.count(".") != 1:
        return None
    body, tag = token.split(".")
    try:
        payload, given = _unb64(body), _unb64(tag)
    except (ValueError, binascii.Error):
        return None
    if not hmac.compare_digest(_tag(key, payload), given):
        return None
    push_text, sep, group_id = payload.decode("utf-8", "replace").partition(":")
    if not sep or not (push_text.isascii() and push_text.isdigit()) or not group_id:
        return None
    return LinkTarget(int(push_text), group_id)


def link_url(public_url: str, token: str) -> str:
    """The short URL households open."""
    return f"{public_url.rstrip('/')}/r/{token}"
