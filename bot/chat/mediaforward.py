"""Forwards of a push's media: does a forwarded image, card or file belong to this push?

The push's media are its library item's (`mediapush.item_of`). Library files are hashed
once and remembered by path, size and modification time.
"""

from __future__ import annotations

from pathlib import Path

from bot.chat.mediapush import item_of
from bot.context import Context
from bot.domain.intent import ForwardIntent
from bot.domain.model import Content, MessageKind, Push
from bot.formats.content import content_folder
from bot.nlp.mediamatch import canonical_link, file_digest, image_hash, same_image, same_title

_Key = tuple[str, int, int]
_image_hashes: dict[_Key, int | None] = {}
_digests: dict[_Key, str] = {}


def _key(path: Path) -> _Key | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (str(path), st.st_size, st.st_mtime_ns)


def library_image_hash(path: Path) -> int | None:
    """A library image's perceptual hash (None if missing or not an image)."""
    key = _key(path)
    if key is None:
        return None
    if key not in _image_hashes:
        _image_hashes[key] = image_hash(path.read_bytes())
    return _image_hashes[key]


def library_digest(path: Path) -> str | None:
    """A library file's sha256 (None if missing)."""
    key = _key(path)
    if key is None:
        return None
    if key not in _digests:
        _digests[key] = file_digest(path.read_bytes())
    return _digests[key]


def is_media_forward(ctx: Context, push: Push, intent: ForwardIntent) -> bool:
    """Whether the forwarded image/card/file is one of `push`'s media."""
    item = item_of(ctx, push)
    if item is None:
        return False
    folder = Path(content_folder(ctx.app.config))
    if intent.kind is MessageKind.IMAGE and intent.data:
        return _image_matches(folder, item, intent.data)
    if intent.kind is MessageKind.LINK and intent.link is not None:
        return _link_matches(item, intent.link.url, intent.link.title)
    if intent.kind is MessageKind.FILE and intent.data:
        digest = file_digest(intent.data)
        names = (*item.files, *([item.video] if item.video else []))
        return any(library_digest(folder / name) == digest for name in names)
    return False


def _image_matches(folder: Path, item: Content, data: bytes) -> bool:
    seen = image_hash(data)
    if seen is None:
        return False
    names = (*item.media, *([item.link.thumb] if item.link and item.link.thumb else []))
    return any(
        (h := library_image_hash(folder / name)) is not None and same_image(h, seen)
        for name in names
    )


def _link_matches(item: Content, url: str, title: str) -> bool:
    """An article by its canonical identity, else (and for 视频号/mini-program cards,
    which have no stable URL) by its title."""
    if item.link is None:
        return False
    if url and canonical_link(url) == canonical_link(item.link.url):
        return True
    return same_title(title, item.link.title)
