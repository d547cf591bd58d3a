"""What the bot says in chat: announcements, answers, 催办, confirmations.

The 督办 and 工作汇报 notices that scheduled jobs post are in `bot.domain.job_texts`, 通报 in
`bot.domain.bulletin`, read-confirm links and their page in `bot.domain.readlink_texts`.
Never names households or phone numbers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime

from bot.domain import readlink_texts
from bot.domain.coverage import FLAG_RULE, SCORE_RULE, PushCoverage, UnitRank, percent
from bot.domain.followup import AT_DEADLINE
from bot.domain.model import Content, Delivery, Group, Member, Push, Reminder

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


def push_name(push: Push) -> str:
    """How a push is named to users: 第3期《标题》."""
    return f"第{push.id}期《{push.title}》"


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


def announce(
    push: Push,
    scope: str,
    pushers: Sequence[Member],
    now: datetime,
    by_task: bool = False,
    links: Sequence[tuple[str, str]] = (),
) -> str:
    """The command-group announcement of a new push (`by_task`: its groups are customer
    groups the members send to through WeCom's 群发助手, where sending is signing; `links`:
    read-confirm links of the groups whose pushers post the content by hand)."""
    ask = (
        "请以下推送员第一时间在企业微信「群发助手」确认发送到本村/本单位客户群（发送即签收）："
        if by_task
        else f"请以下推送员第一时间签收（回复“收到”或“签收 第{push.id}期”）并推送到本村/本单位群："
    )
    lines = [
        f"【第{push.id}期】{push.title}",
        "",
        push.body,
        "",
        f"范围：{scope}",
        f"截止：{when(push.deadline, now)}",
        ask,
        mention_line(pushers) or "（范围内没有推送员）",
        *readlink_texts.pasted_lines(links),
    ]
    return "\n".join(lines)


def relay(push: Push, links: Sequence[tuple[str, str]] = ()) -> str:
    """What the bot posts into a village/unit group (or a 群发 task sends); `links`: the
    read-confirm links (group name, URL) of the groups it goes to."""
    return "\n".join([notice(push.title, push.body), *readlink_texts.relay_lines(links)])


def notice(title: str, body: str) -> str:
    """A push as posted into a group, without its read-confirm links."""
    return f"【反诈提醒】{title}\n\n{body}\n\n请各位阅读后回复“收到”。"


def progress(
    cov: PushCoverage,
    unsigned: Sequence[Member],
    undelivered: Sequence[tuple[Delivery, Group]],
    reminders: Sequence[tuple[Reminder, Sequence[str]]],
    now: datetime,
) -> str:
    """Answer to 进度; `reminders` are the push's 催办/督办 with their targets' names."""
    lines = [
        f"{push_name(cov.push)}进度（截至{when(now, now)}）",
        f"签收：{cov.signed}/{cov.pushers} 人（{percent(cov.sign_rate)}）",
        f"送达群：{cov.delivered}/{cov.groups} 个（{percent(cov.delivery_rate)}）",
        f"覆盖户数：{cov.reached}/{cov.households} 户（{percent(cov.reach)}）",
        _acks_line(cov),
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


def _acks_line(cov: PushCoverage) -> str:
    if cov.ack_rate is None and cov.households:
        return "回执：—（客户群、截图佐证的群里看不到村民的回复）"
    return f"回执：{cov.acks}/{cov.households} 户（{percent(cov.ack_rate)}）"


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
        return f"{push_name(push)}：推送员已全部签收。"
    return f"{push_name(push)}未签收 {len(members)} 人：\n{_people(members)}"


def undelivered(push: Push, items: Sequence[tuple[Delivery, Group, Sequence[Member]]]) -> str:
    """Answer to 未转发."""
    if not items:
        return f"{push_name(push)}：所有群均已送达。"
    lines = [f"{push_name(push)}未送达 {len(items)} 个群："]
    for _, group, pushers in items:
        names = "、".join(p.name for p in pushers) or "无推送员"
        lines.append(f"· {group.name}（{group.unit}，负责人：{names}）")
    return "\n".join(lines)


def remind(push: Push, members: Sequence[Member], count: int, cap: int) -> str:
    """The 催办 message in the command group."""
    return (
        f"【催办】{push_name(push)}尚未完成，请以下同志尽快签收并推送"
        f"（24小时内第{count}/{cap}次催办）：\n{mention_line(members)}"
    )


def remind_capped(push: Push, cap: int) -> str:
    """Refusal when the 24-hour cap is reached."""
    return f"第{push.id}期 24小时内已催办 {cap} 次，已达上限，请稍后再催或电话联系。"


def nothing_to_remind(push: Push) -> str:
    """Everyone is done."""
    return f"{push_name(push)}已全部签收并送达，无需催办。"


def ranking(ranks: Sequence[UnitRank], period: str, pushes: int, pending: int = 0) -> str:
    """Answer to 排名; units flagged 约谈 are marked, and the scoring rule is stated.

    `pending` pushes were left out as too young to judge (flagged rankings only).
    """
    label = PERIOD_LABELS.get(period, period)
    if not ranks:
        if pending:
            return f"{label}的 {pending} 次推送都未到截止时间，暂不排名。"
        return f"{label}暂无推送，无法排名。"
    flags = any(r.flagged for r in ranks) or pending
    lines = [f"{label}排名（{pushes}次推送；{SCORE_RULE}）："]
    if pending:
        lines[0] = (
            f"{label}排名（{pushes}次推送，另有{pending}次未到截止时间不计；{SCORE_RULE}）："
        )
    for r in ranks:
        lines.append(
            f"{r.rank}. {r.unit}  得分{r.points:.1f}  签收{percent(r.sign_rate)} "
            f"送达{percent(r.delivery_rate)} 回执{percent(r.ack_rate)}"
            f"{' ⚠约谈' if r.flagged else ''}"
        )
    if flags:
        lines.append(f"注：{FLAG_RULE}。")
    return "\n".join(lines)


def search_results(keyword: str, items: Sequence[Content]) -> str:
    """Answer to 查."""
    if not items:
        return f"素材库中没有与“{keyword}”相关的素材。"
    lines = [f"与“{keyword}”相关的素材 {len(items)} 条："]
    lines += [f"素材{c.id} {c.title}（{'、'.join(c.fraud_types)}）" for c in items[:10]]
    lines.append("发起推送：推送 素材编号，如“推送 素材3”")
    return "\n".join(lines)


def all_signed(push: Push, count: int) -> str:
    """Posted once when every assigned pusher has signed."""
    return f"{push_name(push)}已全部签收（{count}/{count}）。"


def evidence_ok(push: Push, group: Group) -> str:
    """Private reply to a pusher's screenshot."""
    return f"已收到佐证截图：{push_name(push)} → {group.name}，记为已送达。谢谢！"


def evidence_unneeded() -> str:
    """Private reply to a screenshot nobody asked for."""
    return "您目前没有需要截图佐证的推送，截图未记录。"


def no_push() -> str:
    """Queries when nothing was pushed yet."""
    return "还没有任何推送。"


def unknown_push(number: int) -> str:
    """A query names a push that does not exist."""
    return f"没有第{number}期推送。"


def push_error(reason: str) -> str:
    """A 推送 command that cannot be carried out."""
    return f"推送未发起：{reason}"


def deadline_remind(
    push: Push, members: Sequence[Member], kind: str, count: int, cap: int, now: datetime
) -> str:
    """The automatic 催办 before or at a push's deadline."""
    due = when(push.deadline, now)
    if kind == AT_DEADLINE:
        head = f"【到期催办】{push_name(push)}已到截止时间（{due}），以下同志仍未完成"
    else:
        head = f"【截止提醒】{push_name(push)}将于{due}截止，以下同志尚未完成"
    return (
        f"{head}，请尽快签收并推送到本村/本单位群（24小时内第{count}/{cap}次自动催办）：\n"
        f"{mention_line(members)}"
    )


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


def confirm_push(
    title: str,
    scope: str,
    groups: int,
    households: int,
    deadline: datetime | None,
    now: datetime,
    minutes: int,
) -> str:
    """The summary a big push waits on: nothing is sent before the sender's 确认."""
    return "\n".join(
        [
            f"【待确认】即将推送《{title}》",
            f"范围：{scope}",
            f"目标群：{groups} 个；户数：{households} 户",
            f"截止：{when(deadline, now)}",
            f"请在{minutes}分钟内回复“确认”发出，回复“取消”放弃。",
        ]
    )


def nothing_to_confirm() -> str:
    """确认/取消 with no push waiting."""
    return "您没有等待确认的推送。"


def confirm_expired(minutes: int) -> str:
    """确认 after the window closed."""
    return f"这条推送超过{minutes}分钟未确认，已作废，请重新发起。"


def push_cancelled() -> str:
    """取消 of a waiting push."""
    return "已取消，这条推送不会发出。"


def already_withdrawn(push: Push) -> str:
    """撤回 of a push that was withdrawn before."""
    return f"{push_name(push)}已经撤回过了。"


def withdraw_too_late(push: Push, minutes: int) -> str:
    """撤回 after the window closed."""
    return f"{push_name(push)}发起已超过{minutes}分钟，不能撤回；如需更正，请另发一期推送说明。"


def withdrawn(push: Push, member: Member, cancelled: int, delivered: int) -> str:
    """The command-group notice of a withdrawn push."""
    lines = [f"【撤回】{push_name(push)}已由{member.name}撤回，请勿再签收、转发。"]
    lines.append(f"尚未发出的 {cancelled} 条消息已取消。")
    if delivered:
        lines.append(f"已送达的 {delivered} 个群，请负责的推送员在群里撤回或说明。")
    return "\n".join(lines)


def understood(typed: str, meaning: str, preferred: str) -> str:
    """How an old-style reference was read ("#3" → 第3期 or 素材3)."""
    return f"（“{typed}”已按{meaning}理解；今后请写“{preferred}”。）"


def signed(push: Push, member: Member, others: Sequence[Push]) -> str:
    """Confirmation to a pusher with several open pushes: which one was just signed."""
    text = f"@{member.name} 已签收{push_name(push)}。"
    if not others:
        return text + "您的推送已全部签收。"
    names = "、".join(push_name(p) for p in others)
    return f"{text}仍未签收：{names}，请回复“签收 第{others[0].id}期”。"


def open_progress(covs: Sequence[PushCoverage], now: datetime) -> str:
    """进度 with several pushes still open: one compact line each, newest first."""
    lines = [f"未完成的推送共{len(covs)}期（截至{when(now, now)}，新的在前）："]
    for c in covs:
        due = f"，截止{when(c.push.deadline, now)}" if c.push.deadline else ""
        lines.append(
            f"· {push_name(c.push)}：签收 {c.signed}/{c.pushers} 人，"
            f"送达 {c.delivered}/{c.groups} 个群，回执 {c.acks}/{c.households} 户"
            f"（{percent(c.ack_rate)}）{due}"
        )
    lines.append(f"看某一期的详情：进度 第{covs[0].push.id}期")
    return "\n".join(lines)


def open_unsigned(items: Sequence[tuple[Push, Sequence[Member]]]) -> str:
    """未签收 with several pushes still open, newest first."""
    lines = [f"未签收名单（{len(items)}期未完成，新的在前）："]
    for push, members in items:
        if members:
            lines.append(f"· {push_name(push)} {len(members)}人：{_people(members)}")
        else:
            lines.append(f"· {push_name(push)}：已全部签收")
    return "\n".join(lines)


def open_undelivered(
    items: Sequence[tuple[Push, Sequence[tuple[Group, Sequence[Member]]]]],
) -> str:
    """未转发 with several pushes still open, newest first."""
    lines = [f"未送达的群（{len(items)}期未完成，新的在前）："]
    for push, groups in items:
        if not groups:
            lines.append(f"· {push_name(push)}：已全部送达")
            continue
        parts = [
            f"{g.name}（{'、'.join(p.name for p in pushers) or '无推送员'}）"
            for g, pushers in groups
        ]
        lines.append(f"· {push_name(push)} {len(groups)}个群：" + "、".join(parts))
    return "\n".join(lines)


QUOTA_PERIODS = {"daily1": "今天", "weekly7": "本周", "legacy4": "本月", "days_in_month": "本月"}


def quota_line(left: dict[str, int], rule: str) -> str:
    """How many mass sends the push's customer groups can still receive."""
    period = QUOTA_PERIODS.get(rule, "本月")
    used_up = sum(1 for n in left.values() if n == 0)
    line = f"客户群{period}还能接收群发：最少 {min(left.values())} 次"
    if used_up:
        line += f"；{used_up} 个群已用完，这次收不到"
    return line + "。"
