"""Media in the content library's front matter: posters, a video, files and a link card.

    media = ["posters/shuadan.png"]          # images, sent after the text in this order
    video = "videos/shuadan.mp4"             # one short video (sent as a file)
    files = ["letters/告家长书.pdf"]          # attachments
    link = { url = "https://mp.weixin.qq.com/s?__biz=...", title = "…", desc = "…",
             thumb = "posters/shuadan-thumb.jpg" }   # a link card, sent last

Paths are relative to the content folder. `media_problems` (run by `check-config`) says,
in Chinese and naming the item and key, which file is missing, outside the folder or too
big for WeChat.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bot.domain.media import LinkCard
from bot.domain.model import Content
from bot.formats.checks import Table, describe_value

__all__ = ["LIMITS", "MEDIA_KEYS", "media_problems", "parse_link", "parse_media_paths"]

MEDIA_KEYS = ("media", "video", "files", "link")
LINK_KEYS = ("url", "title", "desc", "thumb")
MB = 1024 * 1024
# What WeChat (and WeCom's media upload) accepts: images 10 MB, video 25 MB, files 20 MB.
LIMITS = {"image": 10 * MB, "video": 25 * MB, "file": 20 * MB}
WHAT = {"image": "图片", "video": "视频", "file": "文件"}


def parse_link(table: Table, data: dict[str, Any]) -> LinkCard | None:
    """The `link = {url, title, desc, thumb}` table, or None (absent or invalid)."""
    raw = data.get("link")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        table.report.add(
            f'{table.where}字段 link 应为表，如 link = {{ url = "https://…", title = "…" }}，'
            f"实际为{describe_value(raw)}"
        )
        return None
    inner = Table(table.report, f"{table.where}link 的", raw)
    inner.check_keys(LINK_KEYS)
    url = inner.text("url", required=True, trim=True)
    title = inner.text("title", required=True, trim=True)
    desc = inner.text("desc", required=False, trim=True) or ""
    thumb = inner.text("thumb", required=False, trim=True)
    if url is not None and not url.startswith(("https://", "http://")):
        table.report.add(f"{table.where}link 的字段 url 应以 https:// 或 http:// 开头：{url}")
        return None
    if url is None or title is None:
        return None
    return LinkCard(url=url, title=title, desc=desc, thumb=thumb)


def parse_media_paths(table: Table) -> tuple[str | None, tuple[str, ...]]:
    """`video` (one path) and `files` (a list of paths)."""
    video = table.text("video", required=False, trim=True)
    files = tuple(s.strip() for s in table.text_list("files", required=False) or ())
    return video, files


def item_files(item: Content) -> list[tuple[str, str, str]]:
    """(key, kind, path) of every file an item names, in sending order."""
    named = [("media", "image", p) for p in item.media]
    if item.video:
        named.append(("video", "video", item.video))
    named.extend(("files", "file", p) for p in item.files)
    if item.link is not None and item.link.thumb:
        named.append(("link.thumb", "image", item.link.thumb))
    return named


def media_problems(directory: str | Path, library: Iterable[Content]) -> list[str]:
    """A sentence for each media file that is missing, outside `directory` or too big."""
    folder = Path(directory).resolve()
    problems: list[str] = []
    for item in library:
        where = f"素材{item.id}《{item.title}》：字段 {{key}} 中的{{what}} {{name}}"
        for key, kind, name in item_files(item):
            said = where.format(key=key, what=WHAT[kind], name=name)
            path = (folder / name).resolve()
            if not path.is_relative_to(folder):
                problems.append(f"{said} 不在素材目录 {directory} 之内")
            elif not path.is_file():
                problems.append(f"{said} 不存在（路径相对素材目录 {directory}）")
            elif (size := path.stat().st_size) > LIMITS[kind]:
                problems.append(
                    f"{said} 太大（{size / MB:.1f} MB），微信最多 {LIMITS[kind] // MB} MB"
                )
    return problems
