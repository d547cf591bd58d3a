"""Schedule files and the follow-up settings: the shipped schedules load, and every mistake
names its file and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.clock import SHANGHAI
from bot.config import ConfigError, load_config
from bot.schedule.calendar import ScheduleError
from bot.schedule.scheduler import load_schedules, parse_schedule
from tests.scheduler_sim import GRACE, at

# -- schedule files ------------------------------------------------------------------------


def test_shipped_schedules_are_valid() -> None:
    specs = {s.name: s for s in load_schedules(Path("schedules"), SHANGHAI, GRACE)}
    assert set(specs) == {
        "收集工作汇报",
        "每日通报",
        "每周通报",
        "月度排名",
        "周五专项宣传",
        "专项行动进度提醒",
    }
    drives = specs["专项行动进度提醒"]
    assert drives.action == "drive_reminders" and drives.workdays_only
    assert drives.trigger.get_next_fire_time(None, at("09:00")) == at("18:00")
    daily = specs["每日通报"]
    assert daily.action == "daily_bulletin" and daily.workdays_only
    assert daily.trigger.get_next_fire_time(None, at("09:00")) == at("21:00")
    weekly = specs["每周通报"].trigger.get_next_fire_time(None, at("09:00"))
    assert weekly == at("08:30", "2026-11-30")  # the next Monday
    monthly = specs["月度排名"].trigger.get_next_fire_time(None, at("09:00"))
    assert monthly == at("09:00", "2026-12-01")
    friday = specs["周五专项宣传"].trigger.get_next_fire_time(None, at("09:00"))
    assert friday == at("10:00", "2026-11-27")


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ({"cron": "0 25 * * *"}, "字段 cron"),
        ({"cron": "0 21 * * 1"}, "星期字段"),
        ({"cron": "0 21 * *"}, "5 个字段"),
        ({"action": "send_everything"}, "字段 action"),
        ({"options": {"bottom": 2}}, "options.bottom"),
        ({"grace_minutes": -5}, "grace_minutes"),
        ({"workdays_only": "yes"}, "workdays_only"),
        ({"colour": "red"}, "未知字段 colour"),
    ],
)
def test_schedule_errors_name_the_key(raw: dict[str, Any], needle: str) -> None:
    base = {"name": "每日通报", "action": "daily_bulletin", "cron": "0 21 * * *"}
    with pytest.raises(ScheduleError) as err:
        parse_schedule(base | raw, "定时任务文件 x.toml", SHANGHAI, GRACE)
    assert needle in str(err.value) and "x.toml" in str(err.value)


def test_schedule_folder_checked_as_a_whole(tmp_path: Path) -> None:
    job = 'name = "通报"\naction = "daily_bulletin"\ncron = "0 21 * * *"\n'
    (tmp_path / "a.toml").write_text(job, "utf-8")
    (tmp_path / "b.toml").write_text(job, "utf-8")
    (tmp_path / "c.toml").write_text('name = "坏"\naction = "campaign"\n', "utf-8")
    (tmp_path / "holidays.toml").write_text("holidays = []\n", "utf-8")
    (tmp_path / "off.toml").write_text(job.replace("通报", "停用") + "enabled = false\n", "utf-8")
    with pytest.raises(ScheduleError) as err:
        load_schedules(tmp_path, SHANGHAI, GRACE)
    msg = str(err.value)
    assert "b.toml" in msg and "重复" in msg
    assert "c.toml" in msg and "cron" in msg
    assert "holidays" not in msg and "off.toml" not in msg


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[quiet]\nstart = '25:00'\n", "quiet.start"),
        ("[quiet]\nend = 7\n", "quiet.end"),
        ("[scheduler]\ngrace_minutes = -1\n", "scheduler.grace_minutes"),
        ("[deadline]\nremind_before_minutes = -10\n", "deadline.remind_before_minutes"),
        ("[deadline]\nauto_remind_cap = 0\n", "deadline.auto_remind_cap"),
        ("[deadline]\nescalate = 'soon'\n", "deadline.escalate"),
        ("[bulletin]\nbottom_count = -2\n", "bulletin.bottom_count"),
        ("[bulletin]\ncolour = 1\n", "bulletin.colour"),
    ],
)
def test_followup_config_errors_name_the_key(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert needle in str(err.value)
