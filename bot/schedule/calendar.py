"""Official working days (法定节假日 and 调休) for jobs that run on working days only.

chinese-calendar knows the State Council's schedule for 2004–2026 and raises
NotImplementedError after that. The office keeps `schedules/holidays.toml` for later years
(and for local exceptions); without an entry for a year the bot counts Monday–Friday as
working days and warns, once per year, that the official schedule has not been entered.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar

from bot.config import Config
from bot.formats.checks import InputError, parse_toml, read_text

log = logging.getLogger("bot.workdays")

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HOLIDAYS_FILE = "holidays.toml"


class ScheduleError(InputError):
    """A file under schedules/ is wrong; the message names the file and the key."""


class WorkCalendar:
    """Answers "is this a working day?" from the official calendar and the office's list."""

    def __init__(self, holidays: Collection[date] = (), workdays: Collection[date] = ()) -> None:
        self.holidays = frozenset(holidays)
        self.workdays = frozenset(workdays)
        self._entered_years = {d.year for d in self.holidays | self.workdays}
        self._warned: set[int] = set()

    def is_workday(self, day: date) -> bool:
        """True on a working day: weekdays and 调休 make-up days, not public holidays."""
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            if day.year not in self._entered_years and day.year not in self._warned:
                self._warned.add(day.year)
                log.warning(
                    "%d 年的法定节假日和调休安排尚未录入（chinese-calendar 只覆盖到 2026 年），"
                    "暂按周一至周五上班计算；请在 schedules/%s 中填写当年的放假和调休日期",
                    day.year,
                    HOLIDAYS_FILE,
                )
            return day.weekday() < 5

    def next_workday(self, day: date) -> date:
        """`day` itself if it is a working day, else the first working day after it."""
        for offset in range(366):
            candidate = day + timedelta(days=offset)
            if self.is_workday(candidate):
                return candidate
        return day  # a year without a working day is a broken holiday list, not a reason to fail

    def workdays_in(self, first: date, until: date) -> list[date]:
        """Working days in [first, until)."""
        days = (first + timedelta(days=i) for i in range((until - first).days))
        return [d for d in days if self.is_workday(d)]


def _dates(raw: Any, key: str, where: str) -> list[date]:
    if not isinstance(raw, list):
        raise ScheduleError(f"{where}：字段 {key} 应为日期列表，例如 [2027-01-01, 2027-02-06]")
    out = []
    for i, item in enumerate(raw, 1):
        if isinstance(item, date):
            out.append(item)
            continue
        try:
            out.append(date.fromisoformat(str(item)))
        except ValueError:
            raise ScheduleError(
                f"{where}：字段 {key} 第 {i} 项 {item!r} 不是日期（应写成 2027-01-01）"
            ) from None
    return out


def load_holidays(path: Path) -> WorkCalendar:
    """Read the office's holiday list (missing file: the official calendar only)."""
    if not path.exists():
        return WorkCalendar()
    where = f"节假日文件 {path.name}"
    data = parse_toml(read_text(path, "节假日文件", ScheduleError), where, ScheduleError)
    unknown = sorted(set(data) - {"holidays", "workdays"})
    if unknown:
        raise ScheduleError(f"{where}：未知字段 {'、'.join(unknown)}（可用：holidays、workdays）")
    holidays = _dates(data.get("holidays", []), "holidays", where)
    workdays = _dates(data.get("workdays", []), "workdays", where)
    both = sorted(set(holidays) & set(workdays))
    if both:
        raise ScheduleError(
            f"{where}：{'、'.join(d.isoformat() for d in both)} 同时写在 holidays 和 workdays 中"
        )
    return WorkCalendar(holidays, workdays)


def schedules_dir(config: Config) -> Path:
    """The configured schedules folder (the shipped one when the default is not there)."""
    folder = config.path(config.bot.schedules_dir)
    if not folder.exists() and config.bot.schedules_dir == "schedules":
        return PROJECT_ROOT / "schedules"
    return folder


def load_calendar(config: Config) -> WorkCalendar:
    """The working-day calendar for a configuration."""
    return load_holidays(schedules_dir(config) / HOLIDAYS_FILE)
