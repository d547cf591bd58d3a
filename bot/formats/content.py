"""The content library: one Markdown file per item, TOML front matter between `+++` lines.

    +++
    id = 1
    title = "刷单返利都是骗局"
    fraud_types = ["刷单返利"]
    audiences = ["全体村民", "青年"]
    media = ["posters/shuadan.png"]   # optional; also video, files, link (bot.formats.media)
    +++
    正文……

Every problem in every file is collected and reported at once, in Chinese, naming the
file and the key, like the org file (`bot.orgfile`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from bot.domain.model import Content
from bot.formats.checks import InputError, Report, Table, parse_toml, read_text
from bot.formats.media import MEDIA_KEYS, media_problems, parse_link, parse_media_paths
from bot.settings import Config

__all__ = [
    "ContentError",
    "content_folder",
    "load_library",
    "missing_media",
    "parse_item",
    "search",
]

FENCE = "+++"
REQUIRED_KEYS = ("id", "title", "fraud_types", "audiences")
OPTIONAL_KEYS = MEDIA_KEYS
LIST_KEYS = ("fraud_types", "audiences", "media")


class ContentError(InputError):
    """The content library is invalid; `errors` holds every problem, one sentence each."""


SHIPPED = Path(__file__).resolve().parents[2] / "content"


def content_folder(config: Config) -> Path:
    """The configured content library folder, else the one shipped with the bot."""
    folder = config.path(config.bot.content_dir)
    return folder if folder.exists() else SHIPPED


def load_library(directory: str | Path) -> list[Content]:
    """Load every `*.md` item (README.md excepted) in `directory`, sorted by id.

    Raises `ContentError` listing every problem in every file, including duplicate ids.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ContentError([f"找不到素材目录 {directory}"])
    errors: list[str] = []
    items: list[tuple[Content, Path]] = []
    for path in sorted(directory.glob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        try:
            text = read_text(path, "素材文件", ContentError)
            items.append((parse_item(text, str(path)), path))
        except ContentError as exc:
            errors.extend(exc.errors)

    first_by_id: dict[int, Path] = {}
    for item, path in items:
        first = first_by_id.setdefault(item.id, path)
        if first != path:
            errors.append(f"素材编号 id = {item.id} 重复：{first} 与 {path}")
    if errors:
        raise ContentError(errors)
    return sorted((item for item, _ in items), key=lambda item: item.id)


def missing_media(directory: str | Path, library: Iterable[Content]) -> list[str]:
    """A sentence for each media file (image, video, file, link thumb) that is missing,
    outside `directory` or too big to send."""
    return media_problems(directory, library)


def parse_item(text: str, source: str = "素材") -> Content:
    """Parse one item's text (front matter + Markdown body); `source` names it in errors."""
    where = f"素材文件 {source}"
    lines = text.splitlines()
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start == len(lines) or lines[start].strip() != FENCE:
        raise ContentError([f"{where}：缺少头部信息：文件应以一行 {FENCE} 开头，写 TOML 字段"])
    end = next((i for i in range(start + 1, len(lines)) if lines[i].strip() == FENCE), None)
    if end is None:
        raise ContentError([f"{where}：头部信息没有结束：缺少第二行 {FENCE}"])
    header = "\n".join(lines[start + 1 : end])
    data = parse_toml(header, f"{where}：头部", ContentError, line_offset=start + 1)
    report = Report(where)
    table = Table(report, "头部", data)
    table.check_keys(REQUIRED_KEYS + OPTIONAL_KEYS)
    item_id = table.positive_int("id", required=True)
    title = table.text("title", required=True, trim=True)
    lists = {
        key: tuple(s.strip() for s in table.text_list(key, required=key in REQUIRED_KEYS) or ())
        for key in LIST_KEYS
    }
    video, files = parse_media_paths(table)
    link = parse_link(table, data)
    errors = report.errors
    body = "\n".join(lines[end + 1 :]).strip()
    if not body:
        errors.append(f"{where}：正文为空（{FENCE} 之后应有素材正文）")
    if errors:
        raise ContentError(errors)
    assert item_id is not None and title is not None
    return Content(
        id=item_id,
        title=title.strip(),
        body=body,
        fraud_types=lists["fraud_types"],
        audiences=lists["audiences"],
        media=lists["media"],
        video=video,
        files=files,
        link=link,
    )


def search(items: Sequence[Content], keyword: str) -> list[Content]:
    """Items whose title, body, fraud types or audiences contain the keyword.

    Whitespace separates several keywords, all of which must match ("刷单 学生").
    Latin letters match case-insensitively ("app" finds "APP"). A blank keyword
    matches everything. Order is kept.
    """
    terms = [term.casefold() for term in keyword.split()]
    found: list[Content] = []
    for item in items:
        haystack = "\n".join(
            (item.title, item.body, *item.fraud_types, *item.audiences)
        ).casefold()
        if all(term in haystack for term in terms):
            found.append(item)
    return found
