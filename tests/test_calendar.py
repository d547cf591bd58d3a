"""Working days: 法定节假日 and 调休 from chinese-calendar, the office's list after 2026."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import SHANGHAI, SimClock
from bot.config import Config
from bot.runtime import build
from bot.schedule.calendar import ScheduleError, WorkCalendar, load_calendar, load_holidays
from bot.schedule.scheduler import DONE, SKIPPED, build_scheduler, parse_schedule
from tests.conftest import small_town

COLLECT = {
    "name": "收集工作汇报",
    "action": "collect_reports",
    "cron": "0 18 * * *",
    "workdays_only": True,
}


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        ("2026-10-10", True),  # Saturday, 调休 for National Day
        ("2026-02-14", True),  # Saturday, 调休 for Spring Festival
        ("2026-10-01", False),  # National Day
        ("2026-10-05", False),  # a Monday inside the National Day holiday
        ("2026-11-23", True),
        ("2026-11-28", False),  # an ordinary Saturday
    ],
)
def test_official_calendar(day: str, workday: bool) -> None:
    assert WorkCalendar().is_workday(date.fromisoformat(day)) is workday


def test_2027_falls_back_to_weekends_and_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    cal = WorkCalendar()
    with caplog.at_level(logging.WARNING, logger="bot.workdays"):
        assert cal.is_workday(date(2027, 1, 4)) is True  # Monday
        assert cal.is_workday(date(2027, 1, 9)) is False  # Saturday
        assert cal.workdays_in(date(2027, 1, 4), date(2027, 1, 11)) == [
            date(2027, 1, d) for d in range(4, 9)
        ]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "2027 年" in warnings[0].getMessage() and "尚未录入" in warnings[0].getMessage()


def test_office_list_covers_later_years(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text(
        "holidays = [2027-01-01, 2027-10-04]\nworkdays = ['2027-02-20']\n", encoding="utf-8"
    )
    cal = load_holidays(path)
    with caplog.at_level(logging.WARNING, logger="bot.workdays"):
        assert cal.is_workday(date(2027, 1, 1)) is False  # a Friday off
        assert cal.is_workday(date(2027, 2, 20)) is True  # a Saturday at work
        assert cal.is_workday(date(2027, 10, 5)) is True  # not listed: weekday rule
    assert caplog.records == []  # the year was entered: no warning


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("holidays = ['2027-13-01']\n", "holidays 第 1 项"),
        ("holidays = '2027-01-01'\n", "字段 holidays 应为日期列表"),
        ("holiday = []\n", "未知字段 holiday"),
        ("holidays = [2027-01-01]\nworkdays = [2027-01-01]\n", "同时写在"),
        ("holidays = [\n", "不是有效的 TOML"),
    ],
)
def test_holiday_file_errors(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScheduleError) as err:
        load_holidays(path)
    assert needle in str(err.value) and "holidays.toml" in str(err.value)


def test_shipped_holiday_file_loads(config: Config) -> None:
    cfg = replace(config, base_dir=Path.cwd())
    cal = load_calendar(cfg)
    assert cal.holidays == frozenset() and cal.workdays == frozenset()


async def run_collection_on(config: Config, day: str) -> tuple[str, list[str]]:
    """Run the workday-only 18:00 collection job on `day`; its status and what it sent."""
    start = datetime.fromisoformat(f"{day}T17:00:00+08:00")
    clock = SimClock(start)
    cfg = replace(config, bot=replace(config.bot, data_dir=str(config.data_dir / day)))
    rt = build(cfg, clock, org=small_town())
    spec = parse_schedule(COLLECT, "测试", SHANGHAI, timedelta(hours=1))
    assert spec is not None
    sch = build_scheduler(rt.app, [spec])
    await sch.run_due(start)
    clock.advance(3600)
    await sch.run_due(clock.now())
    await rt.app.settle()
    (run,) = rt.store.job_runs("收集工作汇报")
    sent = [line.text for line in rt.simulator.pop_sent()]
    rt.store.close()
    return run.status, sent


async def test_tiaoxiu_saturday_runs_a_workday_job(config: Config) -> None:
    status, sent = await run_collection_on(config, "2026-10-10")
    assert status == DONE
    assert len(sent) == 1 and sent[0].startswith("【工作汇报】") and "10月10日" in sent[0]


async def test_national_day_monday_skips_it(config: Config) -> None:
    status, sent = await run_collection_on(config, "2026-10-05")
    assert (status, sent) == (SKIPPED, [])


async def test_2027_uses_the_fallback_without_crashing(
    config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.workdays"):
        monday_status, monday_sent = await run_collection_on(config, "2027-01-04")
        saturday = await run_collection_on(config, "2027-01-09")
    assert monday_status == DONE and "1月4日" in monday_sent[0]
    assert saturday == (SKIPPED, [])
    assert any("2027 年" in r.getMessage() for r in caplog.records)
