"""What the bot says about 预警劝阻单, always in a private chat (never in a group)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.domain.warnings import (
    GRADES,
    METHODS,
    RESULTS,
    SIGN_ESCALATE,
    SIGN_REMIND,
    VISIT_REMIND,
    WarningNotice,
)


def _t(at: datetime | None) -> str:
    return at.strftime("%m月%d日%H:%M") if at else "—"


def _victim(w: WarningNotice) -> str:
    parts = [w.victim_name, w.victim_phone]
    if w.victim_id_number:
        parts.append(f"身份证{w.victim_id_number}")
    if w.unit:
        parts.append(w.unit)
    return " ".join(p for p in parts if p)


def notice(w: WarningNotice, link: str) -> str:
    """The warning as the assignee receives it (full personal data: they must call)."""
    return (
        f"【预警劝阻单】第{w.id}号（风险：{w.risk}）\n"
        f"对象：{_victim(w)}\n"
        f"预警内容：{w.detected}\n"
        f"下发：{w.issuer_label} {_t(w.issued_at)}\n"
        f"请于{_t(w.sign_by)}前回复“收到”签收，{_t(w.visit_by)}前完成劝阻"
        f"（电话或上门），回复如“预警{w.id} 已上门劝阻”“预警{w.id} 电话未接通”；"
        f"上门可发现场照片；之后回复“反馈：……”说明情况。\n"
        f"个人信息仅限劝阻使用，请勿转发到群里。{link}"
    )


def issued(w: WarningNotice, assignee: str) -> str:
    """To a 片警 who issued a warning in chat."""
    return (
        f"预警{w.id}已私聊下发给{assignee}，须{_t(w.sign_by)}前签收、{_t(w.visit_by)}前完成劝阻；"
        f"进展可在管理后台“预警”页查看。"
    )


def signed(w: WarningNotice) -> str:
    """签收 confirmed."""
    return (
        f"预警{w.id}已签收（{_t(w.signed_at)}）。请于{_t(w.visit_by)}前完成劝阻，"
        f"回复劝阻方式（{'/'.join(METHODS)}）和结果（{'/'.join(RESULTS)}）。"
    )


def visited(w: WarningNotice) -> str:
    """劝阻 recorded; ask for the feedback."""
    return (
        f"预警{w.id}劝阻情况已登记：{w.method}·{w.result}（{_t(w.visited_at)}）。"
        f"请回复“反馈：……”说明具体情况{'，可补发现场照片' if w.method == '上门' else ''}。"
    )


def fed_back(w: WarningNotice) -> str:
    """反馈 recorded."""
    return f"预警{w.id}的反馈已收到，等待下发单位评价。谢谢！"


def where_it_stands(w: WarningNotice) -> str:
    """A numbered message that takes no step: what the warning waits for."""
    if w.state == "待签收":
        return f"预警{w.id}待签收，请回复“预警{w.id} 收到”签收。"
    if w.state == "已签收":
        return signed(w)
    return visited(w)


def photo_saved(w: WarningNotice) -> str:
    """A photo attached to the warning."""
    return f"预警{w.id}的现场照片已保存。"


def need_visit_details(w: WarningNotice, method: str | None, result: str | None) -> str:
    """A 劝阻 report missing its method or result."""
    missing = []
    if method is None:
        missing.append(f"劝阻方式（{'/'.join(METHODS)}）")
    if result is None:
        missing.append(f"结果（{'/'.join(RESULTS)}）")
    return f"预警{w.id}：请说明{'和'.join(missing)}，如“预警{w.id} 已上门劝阻”。"


def which_one(open_ones: Sequence[WarningNotice]) -> str:
    """Several open warnings and no number: ask which one."""
    listed = "；".join(f"预警{w.id}（{w.state}）" for w in open_ones)
    return (
        f"您有 {len(open_ones)} 张未办结的预警劝阻单：{listed}。"
        f"请在回复前写明编号，如“预警{open_ones[0].id} 收到”。"
    )


def unknown_number(number: int) -> str:
    """A number that is not one of the member's open warnings."""
    return f"没有找到指派给您的未办结预警{number}，请核对编号。"


def refused(reason: str) -> str:
    """A change the chain cannot take."""
    return f"抱歉，{reason}。"


def evaluated(w: WarningNotice) -> str:
    """The issuer's evaluation, for the assignee."""
    note = f"（{w.grade_note}）" if w.grade_note else ""
    return f"预警{w.id}已办结，下发单位评价：{w.grade}{note}。"


def reminder(w: WarningNotice, kind: str, now: datetime) -> str:
    """A deadline reminder to the assignee."""
    head = f"【预警提醒】预警{w.id}（{w.victim_name}）"
    if kind == SIGN_REMIND:
        return f"{head}已过签收时限{_t(w.sign_by)}，请立即回复“收到”签收并尽快劝阻。"
    if kind == VISIT_REMIND:
        return f"{head}须在{_t(w.visit_by)}前完成劝阻，请尽快电话或上门并回复结果。"
    return f"{head}已超过劝阻时限{_t(w.visit_by)}，请立即劝阻并回复结果。"


def escalation(w: WarningNotice, kind: str, assignee: str, now: datetime) -> str:
    """To the issuer and the assignee's supervisors: a step overdue (the victim masked)."""
    what = "签收" if kind == SIGN_ESCALATE else "劝阻"
    due = w.sign_by if kind == SIGN_ESCALATE else w.visit_by
    return (
        f"【预警督办】预警{w.id}（{w.detected}，风险{w.risk}）指派给{assignee}，"
        f"{what}时限{_t(due)}已过仍未{what}（当前：{w.state}）。请督促落实。"
    )


def grades_hint() -> str:
    """The evaluation choices."""
    return "/".join(GRADES)
