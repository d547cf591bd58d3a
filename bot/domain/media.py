"""Media a content item carries besides its text, and the order a push sends them in.

Pure: paths stay strings relative to the content folder; nothing here opens a file.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LinkCard", "MediaPart", "media_parts"]


@dataclass(frozen=True)
class LinkCard:
    """A link card: an article (公众号文章), a 视频号 or mini-program card, any web page.

    `thumb` is an image path relative to the content folder (optional).
    """

    url: str
    title: str
    desc: str = ""
    thumb: str | None = None

    def as_text(self) -> str:
        """How a card reads where the transport cannot send cards: title, then the URL."""
        return f"{self.title}\n{self.url}"


@dataclass(frozen=True)
class MediaPart:
    """One part after a push's text: an image, a video or file (by path), or a link card."""

    kind: str  # "image" | "video" | "file" | "link"
    path: str | None = None
    link: LinkCard | None = None


def media_parts(
    images: tuple[str, ...],
    video: str | None,
    files: tuple[str, ...],
    link: LinkCard | None,
) -> list[MediaPart]:
    """The parts that follow the text, in the order they are sent: images, the video,
    the files, then the link card (a card last reads as "more here")."""
    parts = [MediaPart("image", path=p) for p in images]
    if video:
        parts.append(MediaPart("video", path=video))
    parts.extend(MediaPart("file", path=p) for p in files)
    if link is not None:
        parts.append(MediaPart("link", link=link))
    return parts
