"""Is this forwarded image, article, card or file one of a push's media?

- Images by perceptual hash (pHash, 64 bits): WeChat resizes and recompresses what it
  forwards, so bytes never match. Measured on 20 synthetic posters sharing one template
  (tests/posters.py, tests/test_media_forward.py): a poster against its resized and
  JPEG-recompressed copies (widths 240–1080, quality 40–85) differs by at most 2 bits;
  two different posters by at least 12 (10 over 60 posters). `IMAGE_MAX_DISTANCE` = 6
  sits between them.
- Articles by canonical identity: for 公众号 links (mp.weixin.qq.com) the `__biz`, `mid`,
  `idx` and `sn` parameters (or the short /s/<id> path); other links keep their host, path
  and non-tracking parameters. When identities differ or are missing: by title.
- 视频号 and mini-program cards (no stable URL): by title.
- Files by content hash (sha256): WeChat passes files on unchanged.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit

__all__ = [
    "IMAGE_MAX_DISTANCE",
    "canonical_link",
    "file_digest",
    "image_hash",
    "same_image",
    "same_title",
]

IMAGE_MAX_DISTANCE = 6
MP_HOST = "mp.weixin.qq.com"
MP_IDENTITY = ("__biz", "mid", "idx", "sn")
TRACKING = re.compile(
    r"^(utm_\w+|spm|scene|subscene|chksm|from|isappinstalled|clicktime|enterid|sessionid|"
    r"share\w*|sharer_\w+|ascene|devicetype|version|nettype|lang|pass_ticket|wx_header|"
    r"exportkey|abtest_cookie|key|uin|mpshare|srcid|sharer_sharetime|sharer_shareid|"
    r"from_msgid|poc_token|fontgear|realreporttime)$",
    re.I,
)


def canonical_link(url: str) -> str:
    """An article's identity: the same page shared twice (with tracking) gives the same."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    query = parse_qsl(parts.query, keep_blank_values=False)
    if host == MP_HOST:
        found = dict(query)
        if all(found.get(k) for k in MP_IDENTITY):
            return "mp:" + "&".join(f"{k}={found[k]}" for k in MP_IDENTITY)
        if parts.path.startswith("/s/") and len(parts.path) > 3:
            return "mp:" + parts.path.rstrip("/")
    kept = sorted((k, v) for k, v in query if not TRACKING.match(k))
    path = parts.path.rstrip("/") or "/"
    return f"{host}{path}" + (f"?{urlencode(kept)}" if kept else "")


def _title_key(title: str) -> str:
    text = unicodedata.normalize("NFKC", title).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def same_title(a: str, b: str) -> bool:
    """Titles equal but for width, case, spaces and punctuation (a card's shown title)."""
    ka, kb = _title_key(a), _title_key(b)
    return bool(ka) and ka == kb


def image_hash(data: bytes) -> int | None:
    """The image's 64-bit perceptual hash, or None if the bytes are not an image."""
    import imagehash
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            return int(str(imagehash.phash(img)), 16)
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def same_image(a: int, b: int) -> bool:
    """Two perceptual hashes of one picture (after resizing and recompression)."""
    return (a ^ b).bit_count() <= IMAGE_MAX_DISTANCE


def file_digest(data: bytes) -> str:
    """A file's identity: the sha256 of its bytes."""
    return hashlib.sha256(data).hexdigest()
