"""Everything the bot says in chat, in one place. Never names households or phone numbers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime

from bot.core.coverage import PushCoverage, UnitRank, percent
from bot.core.followup import AT_DEADLINE, UnitLag
from bot.core.model import Content, Delivery, Group, Member, Push, Reminder

PERIOD_LABELS = {"day": "今日", "week": "本周", "month": "本月"}


_TITLE_MARK = re.compile(r"^\s*[【\[]([^】\]]{2,40})[】\]]")
_SENTENCE_END = re.compile(r"[。！!？?\n：:；;，,]")


def derive_title(body: str) -> str:
    """A title for a raw-text push: its 【heading】, else its first phrase (≤ 24 chars)."""
    m = _TITLE_MARK.match(body)
    if m:
        return m.group(1).strip()
    first = _SENTENCE_END.split(body.strip(), maxsplit=1)[0].strip()
    return first[:24] or "反诈提醒"


def when(dt: datetime | None, now: datetime | None = None) -> str:
    """A short Chinese time: "今天18:00", "11月25日18:00"."""
    if dt is None:
        return "未设"
    if now is not None and dt.date() == now.date():
        return f"今天{dt:%H:%M}"
    return f"{dt.month}月{dt.day}日{dt:%H:%M}"


def mention_line(members: Sequence[Member]) -> str:
    """ "@张三 @李四" for a list of members."""
    return " ".join(f"@{m.name}" for m in members)


def scope_label(scope: Sequence[str], all_units: Sequence[str]) -> str:
    """ "全镇（12个村/单位）" or the listed names."""
    if set(scope) == set(all_units):
        return f"全镇（{len(scope)}个村/单位）"
    return "、".join(scope)


def announce(push: Push, scope: str, pushers: Sequence[Member], now: datetime) -> str:
    """The command-group announcement of a new push."""
    lines = [
        f"【推送#{push.id}】{push.title}",
        "",
        push.body,
        "",
        f"范围：{scope}",
        f"截止：{when(push.deadline, now)}",
        f"请以下推送员第一时间签收（回复“收到”或“签收 #{push.id}”）并推送到本村/本单位群：",
        mention_line(pushers) or "（范围内没有推送员）",
    ]
    return "\n".join(lines)


def relay(push: Push) -> str:
    """What the bot posts into a village/unit group."""
    return f"【反诈提醒】{push.title}\n\n{push.body}\n\n请各位阅读后回复“收到”。"


def progress(
    cov: PushCoverage,
    unsigned: Sequence[Member],
    undelivered: Sequence[tuple[Delivery, Group]],
    reminders: Sequence[tuple[Reminder, Sequence[str]]],
    now: datetime,
) -> str:
    """Answer to 进度; `reminders` are the push's 催办/督办 with their targets' names."""
    lines = [
        f"推送#{cov.push.id}《{cov.push.title}》进度（截至{when(now, now)}）",
        f"签收：{cov.signed}/{cov.pushers} 人（{percent(cov.sign_rate)}）",
        f"送达群：{cov.delivered}/{cov.groups} 个（{percent(cov.delivery_rate)}）",
        f"覆盖户数：{cov.reached}/{cov.households} 户（{percent(cov.reach)}）",
        f"回执：{cov.acks}/{cov.households} 户（{percent(cov.ack_rate)}）",
    ]
    if cov.push.deadline is not None:
        lines.append(f"截止：{when(cov.push.deadline, now)}")
    if unsigned:
        lines.append(f"未签收（{len(unsigned)}人）：{_people(unsigned)}")
    if undelivered:
        lines.append(
            f"未送达（{len(undelivered)}个群）：" + "、".join(g.name for _, g in undelivered)
        )
    if reminders:
        lines.append(f"催办与督办记录（{len(reminders)}次）：")
        lines += [f"· {when(r.at, now)} {r.kind} → {_names(names)}" for r, names in reminders]
    return "\n".join(lines)


REMINDER_NAMES_SHOWN = 6


def _names(names: Sequence[str]) -> str:
    if len(names) <= REMINDER_NAMES_SHOWN:
        return "、".join(names) or "无"
    return "、".join(names[:REMINDER_NAMES_SHOWN]) + f" 等{len(names)}人"


def _people(members: Sequence[Member]) -> str:
    return "、".join(f"{m.name}（{m.unit}）" if m.unit else m.name for m in members)


def unsigned(push: Push, members: Sequence[Member]) -> str:
    """Answer to 未签收."""
    if not members:
        return f"推送#{push.id}《{push.title}》：推送员已全部签收。"
    return f"推送#{push.id}《{push.title}》未签收 {len(members)} 人：\n{_people(members)}"


def undelivered(push: Push, items: Sequence[tuple[Delivery, Group, Sequence[Member]]]) -> str:
    """Answer to 未转发."""
    if not items:
        return f"推送#{push.id}《{push.title}》：所有群均已送达。"
    lines = [f"推送#{push.id}《{push.title}》未送达 {len(items)} 个群："]
    for _, group, pushers in items:
        names = "、".join(p.name for p in pushers) or "无推送员"
        lines.append(f"· {group.name}（{group.unit}，负责人：{names}）")
    return "\n".join(lines)


def remind(push: Push, members: Sequence[Member], count: int, cap: int) -> str:
    """The 催办 message in the command group."""
    return (
        f"【催办】推送#{push.id}《{push.title}》尚未完成，请以下同志尽快签收并推送"
        f"（今日第{count}/{cap}次催办）：\n{mention_line(members)}"
    )


def remind_capped(push: Push, cap: int) -> str:
    """Refusal when the 24-hour cap is reached."""
    return f"推送#{push.id} 24小时内已催办 {cap} 次，已达上限，请稍后再催或电话联系。"


def nothing_to_remind(push: Push) -> str:
    """Everyone is done."""
    return f"推送#{push.id}《{push.title}》已全部签收并送达，无需催办。"


def ranking(ranks: Sequence[UnitRank], period: str, pushes: int, bottom_flag: str = "") -> str:
    """Answer to 排名."""
    label = PERIOD_LABELS.get(period, period)
    if not ranks:
        return f"{label}暂无推送，无法排名。"
    lines = [f"{label}排名（{pushes}次推送，按签收30%+送达30%+回执40%计分）："]
    for i, r in enumerate(ranks, 1):
        flag = f" ⚠{bottom_flag}" if bottom_flag and i > len(ranks) - 2 else ""
        lines.append(
            f"{i}. {r.unit}  得分{r.score * 100:.1f}  签收{percent(r.sign_rate)} "
            f"送达{percent(r.delivery_rate)} 回执{percent(r.ack_rate)}{flag}"
        )
    return "\n".join(lines)


def search_results(keyword: str, items: Sequence[Content]) -> str:
    """Answer to 查."""
    if not items:
        return f"素材库中没有与“{keyword}”相关的素材。"
    lines = [f"与“{keyword}”相关的素材 {len(items)} 条："]
    lines += [f"#{c.id} {c.title}（{'、'.join(c.fraud_types)}）" for c in items[:10]]
    lines.append("发起推送：推送 #编号")
    return "\n".join(lines)


def all_signed(push: Push, count: int) -> str:
    """Posted once when every assigned pusher has signed."""
    return f"推送#{push.id}《{push.title}》已全部签收（{count}/{count}）。"


def evidence_ok(push: Push, group: Group) -> str:
    """Private reply to a pusher's screenshot."""
    return f"已收到佐证截图：推送#{push.id} → {group.name}，记为已送达。谢谢！"


def evidence_unneeded() -> str:
    """Private reply to a screenshot nobody asked for."""
    return "您目前没有需要截图佐证的推送，截图未记录。"


def no_push() -> str:
    """Queries when nothing was pushed yet."""
    return "还没有任何推送。"


def unknown_push(number: int) -> str:
    """A query names a push that does not exist."""
    return f"没有推送#{number}。"


def push_error(reason: str) -> str:
    """A 推送 command that cannot be carried out."""
    return f"推送未发起：{reason}"


def deadline_remind(
    push: Push, members: Sequence[Member], kind: str, count: int, cap: int, now: datetime
) -> str:
    """The automatic 催办 before or at a push's deadline."""
    due = when(push.deadline, now)
    if kind == AT_DEADLINE:
        head = f"【到期催办】推送#{push.id}《{push.title}》已到截止时间（{due}），以下同志仍未完成"
    else:
        head = f"【截止提醒】推送#{push.id}《{push.title}》将于{due}截止，以下同志尚未完成"
    return (
        f"{head}，请尽快签收并推送到本村/本单位群（今日第{count}/{cap}次催办）：\n"
        f"{mention_line(members)}"
    )


def escalation(
    push: Push, lags: Sequence[UnitLag], supervisors: Sequence[Member], now: datetime
) -> str:
    """The 督办 message after the deadline, @-mentioning the lagging units' supervisors."""
    lines = [
        f"【督办】推送#{push.id}《{push.title}》已过截止时间（{when(push.deadline, now)}），"
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
        f"【督办汇总】推送#{push.id}《{push.title}》截止（{when(push.deadline, now)}）后仍有"
        f" {len(lags)} 个村/单位未完成，已在指挥群督办。",
        f"签收 {cov.signed}/{cov.pushers} 人（{percent(cov.sign_rate)}），"
        f"送达 {cov.delivered}/{cov.groups} 个群（{percent(cov.delivery_rate)}），"
        f"回执 {cov.acks}/{cov.households} 户（{percent(cov.ack_rate)}）",
        *(_lag_line(lag) for lag in lags),
        f"此前已催办 {reminders} 次。如需电话督促，可回复“未签收 #{push.id}”查看名单。",
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


def work_report_saved(
    member: Member, day: date, first: bool, report_day: date | None = None
) -> str:
    """Confirmation of a 今日工作 report (sent on `day`, reported in `report_day`'s daily)."""
    verb = "已收到" if first else "已更新"
    saved = f"{verb}{member.unit}{day.month}月{day.day}日工作汇报（{member.name}）"
    if report_day is None or report_day == day:
        return f"{saved}，将纳入今晚通报。"
    weekday = "一二三四五六日"[report_day.weekday()]
    return (
        f"{saved}。今天不是工作日，不发日报；"
        f"这份汇报将纳入{report_day.month}月{report_day.day}日（星期{weekday}）的日报。"
    )
