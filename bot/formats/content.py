"""The content library: one Markdown file per item, TOML front matter between `+++` lines.

    +++
    id = 1
    title = "刷单返利都是骗局"
    fraud_types = ["刷单返利"]
    audiences = ["全体村民", "青年"]
    media = ["posters/shuadan.png"]   # optional
    +++
    正文……

Every problem in every file is collected and reported at once, in Chinese, naming the
file and the key, like the org file (`bot.orgfile`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from bot.domain.model import Content
from bot.formats.orgfile import describe_toml_error, describe_value

__all__ = ["ContentError", "load_library", "missing_media", "parse_item", "search"]

FENCE = "+++"
REQUIRED_KEYS = ("id", "title", "fraud_types", "audiences")
OPTIONAL_KEYS = ("media",)
LIST_KEYS = ("fraud_types", "audiences", "media")


class ContentError(ValueError):
    """The content library is invalid; `errors` holds every problem, one sentence each."""

    def __init__(self, errors: Iterable[str]) -> None:
        self.errors: list[str] = list(errors)
        super().__init__("\n".join(self.errors))

    def __str__(self) -> str:
        return "\n".join(self.errors)


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
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            errors.append(f"素材文件 {path}：不是 UTF-8 编码，请另存为 UTF-8 格式")
            continue
        try:
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
    """A sentence for each `media` image that is not a file under `directory`."""
    directory = Path(directory)
    return [
        f"素材 #{item.id}《{item.title}》：字段 media 中的图片 {name} 不存在"
        f"（路径相对素材目录 {directory}）"
        for item in library
        for name in item.media
        if not (directory / name).is_file()
    ]


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
    try:
        data = tomllib.loads("\n".join(lines[start + 1 : end]))
    except tomllib.TOMLDecodeError as exc:
        raise ContentError([f"{where}：头部 {describe_toml_error(exc, start + 1)}"]) from None

    errors: list[str] = []
    allowed = REQUIRED_KEYS + OPTIONAL_KEYS
    for key in data:
        if key not in allowed:
            errors.append(f"{where}：头部有未知字段 {key}（允许的字段为 {'、'.join(allowed)}）")
    for key in REQUIRED_KEYS:
        if key not in data:
            errors.append(f"{where}：头部缺少必填字段 {key}")

    item_id = data.get("id")
    if "id" in data and (not isinstance(item_id, int) or isinstance(item_id, bool)):
        errors.append(f"{where}：字段 id 的类型应为整数，实际为{describe_value(item_id)}")
    elif isinstance(item_id, int) and item_id <= 0:
        errors.append(f"{where}：字段 id 应为正整数，实际为 {item_id}")
    title = data.get("title")
    if "title" in data and (not isinstance(title, str) or not title.strip()):
        shown = "空字符串" if isinstance(title, str) else describe_value(title)
        errors.append(f"{where}：字段 title 应为非空字符串，实际为{shown}")
    lists = {key: _string_list(data, key, where, errors) for key in LIST_KEYS}

    body = "\n".join(lines[end + 1 :]).strip()
    if not body:
        errors.append(f"{where}：正文为空（{FENCE} 之后应有素材正文）")
    if errors:
        raise ContentError(errors)
    assert isinstance(item_id, int) and isinstance(title, str)
    return Content(
        id=item_id,
        title=title.strip(),
        body=body,
        fraud_types=lists["fraud_types"],
        audiences=lists["audiences"],
        media=lists["media"],
    )


def _string_list(data: dict[str, Any], key: str, where: str, errors: list[str]) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list):
        errors.append(
            f'{where}：字段 {key} 的类型应为字符串数组（如 ["a", "b"]），'
            f"实际为{describe_value(value)}"
        )
        return ()
    result: list[str] = []
    for index, item in enumerate(value, start=1):
        if not isinstance(item, str) or not item.strip():
            shown = "空字符串" if isinstance(item, str) else describe_value(item)
            errors.append(f"{where}：字段 {key} 的第 {index} 项应为非空字符串，实际为{shown}")
        else:
            result.append(item.strip())
    return tuple(result)


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
