"""A 专项行动 (drive) from what the office types: the dashboard form or the command group's
"专项行动 推广国家反诈中心APP 回执:已安装 目标:15日50%，月底80%". Every problem raises
DriveError naming the field."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from bot.domain.drives import (
    Drive,
    DriveError,
    parse_overrides,
    parse_targets,
    split_phrases,
    target_day,
)
from bot.nlp.normalize import normalize


def drive_from_form(
    form: Mapping[str, str], units: Sequence[str], created_at: datetime, created_by: str
) -> Drive:
    """A new drive from the dashboard form (title, phrases, screenshot, starts, ends, targets,
    overrides); every problem raises DriveError naming the field."""
    title = form.get("title", "").strip()
    if not title or len(title) > 40:
        raise DriveError("行动名称：请填写（最多 40 个字），例如“推广国家反诈中心APP”")
    starts = _form_date(form.get("starts", ""), "开始日期")
    ends = _form_date(form.get("ends", ""), "结束日期")
    if ends < starts:
        raise DriveError("结束日期：不能早于开始日期")
    return Drive(
        id=0,
        title=title,
        phrases=split_phrases(form.get("phrases", "")),
        screenshot=form.get("screenshot", "") in ("1", "on", "true", "yes"),
        starts=starts,
        ends=ends,
        targets=parse_targets(form.get("targets", ""), starts, ends),
        overrides=parse_overrides(form.get("overrides", ""), units, starts, ends),
        created_at=created_at,
        created_by=created_by,
    )


def _form_date(text: str, label: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise DriveError(f"{label}：“{text}”不是日期，请写成 2026-12-01") from None


_COMMAND = re.compile(r"^\s*[/／]?\s*专项行动\s+(?P<rest>\S.*)$", re.S)
_FIELD = re.compile(r"(回执|目标|开始|结束|截止)\s*[:：]\s*")


def parse_drive_command(text: str, today: date, created_at: datetime, by: str) -> Drive | None:
    """ "专项行动 推广国家反诈中心APP 回执:已安装、已注册 目标:15日50%,月底80% [结束:12月31日]
    [截图]" from the command group; None when the text is no such command. Starts today; ends
    on the last target's day unless 结束 says otherwise."""
    m = _COMMAND.match(normalize(text, join_cjk=False))
    if not m:
        return None
    parts = _FIELD.split(m["rest"])
    head, fields = parts[0], dict(zip(parts[1::2], parts[2::2], strict=False))
    screenshot = "截图" in head or any(v.rstrip().endswith("截图") for v in fields.values())
    fields = {k: re.sub(r"\s*截图\s*$", "", v).strip() for k, v in fields.items()}
    title = re.sub(r"\s*截图\s*$", "", head).strip()
    if not title:
        raise DriveError(
            "请写出行动名称，例如“专项行动 推广国家反诈中心APP 回执:已安装 目标:月底80%”"
        )
    if "回执" not in fields or "目标" not in fields:
        raise DriveError("请写出回执用语和目标，例如“回执:已安装、已注册 目标:15日50%，月底80%”")
    starts = _command_day(fields.get("开始", ""), today, today, "开始")
    end_text = fields.get("结束") or fields.get("截止") or ""
    horizon = date(starts.year + 1, starts.month, 1)
    ends = _command_day(end_text, starts, horizon, "结束") if end_text else horizon
    targets = parse_targets(fields["目标"], starts, ends)
    return Drive(
        id=0,
        title=title[:40],
        phrases=split_phrases(fields["回执"]),
        screenshot=screenshot,
        starts=starts,
        ends=ends if end_text else targets[-1].day,
        targets=targets,
        created_at=created_at,
        created_by=by,
    )


def _command_day(text: str, starts: date, ends: date, label: str) -> date:
    if not text:
        return starts
    return target_day(text.strip(), starts, ends, label, text.strip())
