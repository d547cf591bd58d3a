"""What the scheduled jobs post on their own: 督办 after a deadline, the leaders' summary
after it, and the 18:00 request for 工作汇报. Never names households or phone numbers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.domain.coverage import PushCoverage, percent
from bot.domain.followup import UnitLag
from bot.domain.model import Member, Push
from bot.domain.texts import mention_line, push_name, when


def escalation(
    push: Push, lags: Sequence[UnitLag], supervisors: Sequence[Member], now: datetime
) -> str:
    """The 督办 message after the deadline, @-mentioning the lagging units' supervisors."""
    lines = [
        f"【督办】{push_name(push)}已过截止时间（{when(push.deadline, now)}），"
        "以下村/单位仍未完成："
    ]
    lines += [_lag_line(lag) for lag in lags]
    if supervisors:
        lines.append(f"请监督员督促落实，完成后在群里回复：{mention_line(supervisors)}")
    else:
        lines.append("以上村/单位名册中没有监督员，请办公室电话督促。")
    return "\n".join(lines)


def _lag_line(lag: UnitLag) -> str:
    parts = []
    if lag.unsigned:
        parts.append("未签收：" + "、".join(m.name for m in lag.unsigned))
    if lag.undelivered:
        parts.append("未送达：" + "、".join(g.name for g in lag.undelivered))
    return f"· {lag.unit}（{'；'.join(parts)}）"


def leader_summary(
    cov: PushCoverage, lags: Sequence[UnitLag], reminders: int, now: datetime
) -> str:
    """The private summary to leaders after escalation."""
    push = cov.push
    lines = [
        f"【督办汇总】{push_name(push)}截止（{when(push.deadline, now)}）后仍有"
        f" {len(lags)} 个村/单位未完成，已在指挥群督办。",
        f"签收 {cov.signed}/{cov.pushers} 人（{percent(cov.sign_rate)}），"
        f"送达 {cov.delivered}/{cov.groups} 个群（{percent(cov.delivery_rate)}），"
        f"回执 {cov.acks}/{cov.households} 户（{percent(cov.ack_rate)}）",
        *(_lag_line(lag) for lag in lags),
        f"此前已催办 {reminders} 次。如需电话督促，可回复“未签收 第{push.id}期”查看名单。",
    ]
    return "\n".join(lines)


def collect_reports(day: date, units: Sequence[str], pushers: Sequence[Member], until: str) -> str:
    """The 18:00 request for today's work reports."""
    deadline = f"于{until}前" if until else ""
    lines = [
        f"【工作汇报】请各村/单位推送员{deadline}在本群回复今日（{day.month}月{day.day}日）"
        "反诈宣传工作，格式：",
        "今日工作：推送了××、入户宣传××户、发现可疑情况××……",
        f"尚未汇报（{len(units)}个）：{'、'.join(units)}",
        mention_line(pushers),
    ]
    return "\n".join(lines)


def reports_complete(day: date) -> str:
    """The 18:00 request when every unit has already reported."""
    return f"【工作汇报】今日（{day.month}月{day.day}日）各村/单位工作汇报已全部收到，谢谢！"
