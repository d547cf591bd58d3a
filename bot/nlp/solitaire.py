"""接龙 messages: WeChat's sign-up lists, as a household posts them back to the group.

A 接龙 starts with `#接龙`, then a title (反诈宣传已读请接龙), sometimes an example line
(例：张三 已读), then a numbered list. Whoever joins posts the whole list again with their
own line appended, so the list says what everyone said, and only one line is the sender's:
the line with the sender's name, else the last one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADER_RE = re.compile(r"^\s*#\s*接龙\s*")
# 1. 李四 / 1、李四 / 1 李四 / (1)李四 / 1李四 (from ①李四 after NFKC), but not 11月25日.
_ENTRY_RE = re.compile(
    r"^\s*\(?\d{1,3}\)?(?:\s*[.、:)]\s*|\s+|(?![\d月日号点时年组户]))(?P<entry>\S.*?)\s*$"
)
_EXAMPLE_RE = re.compile(r"^\s*(?:例|示例|举例|格式|例如)")
# A title asking to confirm reading: joining such a list with one's name is the receipt.
_READ_TITLE_RE = re.compile(r"收到|已读|已阅|阅读|签收|知晓|知悉|学习|回执|看过|看完|转发")
_MIN_NAME_CHARS = 2


@dataclass(frozen=True)
class Solitaire:
    """A parsed 接龙: its title lines and its numbered entries (numbers removed)."""

    title: str
    entries: tuple[str, ...]

    @property
    def asks_for_reading(self) -> bool:
        """True when the title asks people to confirm they read something (已读请接龙)."""
        return bool(_READ_TITLE_RE.search(self.title))

    def own_entry(self, sender: str | None) -> str | None:
        """What the sender wrote: their line without their name, else the last line whole.

        None when the list has no entries.
        """
        name = "".join((sender or "").split())
        if len(name) >= _MIN_NAME_CHARS:
            for entry in reversed(self.entries):
                if name in entry:
                    return entry.replace(name, " ", 1).strip()
        return self.entries[-1] if self.entries else None


def parse_solitaire(text: str) -> Solitaire | None:
    """Read a 接龙 message (already folded: NFKC and simplified); None for any other text."""
    header = _HEADER_RE.match(text)
    if not header:
        return None
    title: list[str] = []
    entries: list[str] = []
    for line in text[header.end() :].split("\n"):
        if not line.strip() or _EXAMPLE_RE.match(line):
            continue
        entry = _ENTRY_RE.match(line)
        if entry:
            entries.append(entry["entry"])
        elif not entries:
            title.append(line.strip())
    return Solitaire(" ".join(title), tuple(entries))
