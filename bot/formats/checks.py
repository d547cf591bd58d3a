"""Reading files people write (TOML, text) and saying in Chinese exactly what is wrong.

Every input format raises a subclass of `InputError`, which carries every problem found as
one sentence each (file, line or row, key), so a caller prints them all at once and nothing
is half-imported.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

_TOML_ERROR_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_TOML_ERROR_AT_END = re.compile(r"\s*\(at end of document\)$")
_E = TypeVar("_E", bound=StrEnum)


class InputError(ValueError):
    """A file or value a person wrote is wrong; `errors` lists every problem found."""

    def __init__(self, errors: Iterable[str] | str) -> None:
        self.errors: list[str] = [errors] if isinstance(errors, str) else list(errors)
        super().__init__("\n".join(self.errors))

    def __str__(self) -> str:
        return "\n".join(self.errors)


def read_text(path: Path, what: str, error: type[InputError] = InputError) -> str:
    """The text of a UTF-8 file (a BOM is fine); `error` names the file and the problem."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(f"找不到{what} {path}") from None
    except OSError as exc:
        raise error(f"无法读取{what} {path}：{exc.strerror or exc}") from None
    try:
        # utf-8-sig: Windows Notepad saves UTF-8 with a BOM, which tomllib rejects.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise error(
            f"{what} {path}：第 {line} 行不是 UTF-8 编码（可能是 GBK），请用 UTF-8 另存后重试"
        ) from None


def read_toml(path: Path, what: str, error: type[InputError] = InputError) -> dict[str, Any]:
    """A TOML file as a table; syntax errors are located by line and column."""
    return parse_toml(read_text(path, what, error), f"{what} {path}", error)


def parse_toml(
    text: str, where: str, error: type[InputError] = InputError, line_offset: int = 0
) -> dict[str, Any]:
    """TOML text as a table; `where` starts the error sentence."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{where}：不是有效的 TOML，{describe_toml_error(exc, line_offset)}") from None


def describe_toml_error(exc: tomllib.TOMLDecodeError, line_offset: int = 0) -> str:
    """A Chinese sentence locating a TOML syntax error (tomllib's own text kept as detail)."""
    message = str(exc)
    match = _TOML_ERROR_POSITION.search(message)
    if match:
        detail = message[: match.start()]
        line = int(match.group(1)) + line_offset
        return f"第 {line} 行第 {match.group(2)} 列 TOML 语法错误（{detail}）"
    match = _TOML_ERROR_AT_END.search(message)
    if match:
        return f"文件末尾 TOML 语法错误（{message[: match.start()]}），可能是引号或括号没有闭合"
    return f"TOML 语法错误（{message}）"


_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f]')


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _ESCAPES.get(char) or f"\\u{ord(char):04x}"


def toml_string(value: str) -> str:
    """A TOML basic string literal (double quotes, escapes for quotes and control chars)."""
    return '"' + _NEEDS_ESCAPE.sub(_escape, value) + '"'


def describe_value(value: object) -> str:
    """Chinese type name plus the value, for "实际为…" in error messages."""
    if isinstance(value, bool):
        return f"布尔值 {'true' if value else 'false'}"
    if isinstance(value, int):
        return f"整数 {value}"
    if isinstance(value, float):
        return f"小数 {value}"
    if isinstance(value, str):
        return f"字符串 {toml_string(value)}"
    if isinstance(value, list):
        return "数组"
    if isinstance(value, dict):
        return "表"
    if isinstance(value, datetime | date | time):
        return f"日期时间 {value.isoformat()}"
    return type(value).__name__


class Report:
    """Collects error sentences, each prefixed with the source name."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[str] = []

    def add(self, message: str) -> None:
        self.errors.append(f"{self.source}：{message}")


MISSING: Any = object()


class Table:
    """Typed access to one TOML table, reporting problems as `<where>字段 <key> …`."""

    def __init__(self, report: Report, where: str, table: Mapping[str, Any]) -> None:
        self.report = report
        self.where = where
        self.table = table

    def check_keys(self, allowed: tuple[str, ...]) -> None:
        for key in self.table:
            if key not in allowed:
                self.report.add(f"{self.where}有未知字段 {key}{unknown_hint(key, allowed)}")

    def text(
        self, key: str, *, required: bool, reason: str = "", trim: bool = False
    ) -> str | None:
        """A non-empty string without surrounding blanks (`trim`: blanks are cut off), or
        None (absent or invalid)."""
        value = self.table.get(key, MISSING)
        if value is MISSING:
            if required:
                self.report.add(f"{self.where}缺少必填字段 {key}{reason}")
            return None
        if not isinstance(value, str):
            # Phone numbers and numeric ids are typed without quotes all the time.
            hint = "（请加英文双引号）" if isinstance(value, int | float) else ""
            self.report.add(
                f"{self.where}字段 {key} 的类型应为字符串，实际为{describe_value(value)}{hint}"
            )
            return None
        if not value.strip():
            self.report.add(f"{self.where}字段 {key} 不能为空")
            return None
        if trim:
            return value.strip()
        if value != value.strip():
            self.report.add(f"{self.where}字段 {key} 的值 {toml_string(value)} 首尾不能有空白")
            return None
        return value

    def positive_int(self, key: str, *, required: bool) -> int | None:
        """A whole number above zero, or None (absent or invalid)."""
        value = self.table.get(key, MISSING)
        if value is MISSING:
            if required:
                self.report.add(f"{self.where}缺少必填字段 {key}")
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            self.report.add(
                f"{self.where}字段 {key} 的类型应为整数，实际为{describe_value(value)}"
            )
            return None
        if value <= 0:
            self.report.add(f"{self.where}字段 {key} 应为正整数，实际为 {value}")
            return None
        return value

    def choice(
        self, key: str, enum: type[_E], *, required: bool, default: _E | None = None
    ) -> _E | None:
        if key not in self.table and default is not None:
            return default
        value = self.text(key, required=required)
        if value is None:
            return None
        try:
            return enum(value)
        except ValueError:
            allowed = "、".join(item.value for item in enum)
            self.report.add(
                f"{self.where}字段 {key} 的值 {toml_string(value)} 无效，应为 {allowed} 之一"
            )
            return None

    def text_list(self, key: str, *, required: bool) -> list[str] | None:
        value = self.table.get(key, MISSING)
        if value is MISSING:
            if required:
                self.report.add(f"{self.where}缺少必填字段 {key}")
            return None
        if not isinstance(value, list):
            self.report.add(
                f'{self.where}字段 {key} 的类型应为字符串数组（如 ["a", "b"]），'
                f"实际为{describe_value(value)}"
            )
            return None
        result: list[str] = []
        ok = True
        for index, item in enumerate(value, start=1):
            if not isinstance(item, str) or not item.strip():
                shown = describe_value(item) if not isinstance(item, str) else "空字符串"
                self.report.add(
                    f"{self.where}字段 {key} 的第 {index} 项应为非空字符串，实际为{shown}"
                )
                ok = False
            else:
                result.append(item)
        return result if ok else None


def unknown_hint(key: str, allowed: Iterable[str]) -> str:
    allowed = list(allowed)
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    listed = "、".join(allowed)
    if close:
        return f"（是不是 {close[0]}？允许的字段为 {listed}）"
    return f"（允许的字段为 {listed}）"
