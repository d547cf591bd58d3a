"""预警劝阻单: a warning about one potential victim, from issue to the issuer's evaluation. Pure.

A warning moves 待签收 → 已签收 → 已劝阻 → 已反馈 → 已评价 (never back). The assignee (a grid
member or 片警) signs it within `sign_minutes` and reports the 劝阻 (电话/上门 and its result)
within `visit_hours` of issue; the deadlines bring reminders and escalations (`steps`).
Everything takes `now`; nothing here reads a clock or a database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot import nlp
from bot.domain.model import Member, Org, Role
from bot.domain.privacy import mask_id_number, mask_name, mask_phone
from bot.domain.relay import group_pushers

ISSUED = "待签收"
SIGNED = "已签收"
VISITED = "已劝阻"
FED_BACK = "已反馈"
EVALUATED = "已评价"
STATES = (ISSUED, SIGNED, VISITED, FED_BACK, EVALUATED)

PHONE_CALL = "电话"
HOME_VISIT = "上门"
METHODS = (PHONE_CALL, HOME_VISIT)
DISSUADED = "已劝阻"
NO_ANSWER = "未接通"
REFUSED = "拒绝"
DEFRAUDED = "已被骗"
RESULTS = (DISSUADED, NO_ANSWER, REFUSED, DEFRAUDED)
RISKS = ("高", "中", "低")
GRADES = ("满意", "基本满意", "不满意")
TEXT_MAX_CHARS = 500

# Step kinds (also the job names' tails and the event kinds on the chain page).
SIGN_REMIND = "签收提醒"
SIGN_ESCALATE = "签收超时上报"
VISIT_REMIND = "劝阻提醒"
VISIT_ESCALATE = "劝阻超时上报"
STEP_KINDS = (SIGN_REMIND, SIGN_ESCALATE, VISIT_REMIND, VISIT_ESCALATE)


class WarningError(ValueError):
    """A change a warning cannot take; the message is Chinese, for the person who asked."""


@dataclass(frozen=True)
class WarningPolicy:
    """Deadlines: sign within `sign_minutes`, 劝阻 within `visit_hours` of issue."""

    sign_minutes: int = 30
    visit_hours: int = 24
    remind_before_minutes: int = 120
    escalate_after_minutes: int = 30


@dataclass(frozen=True)
class WarningEvent:
    """One line of a warning's chain: a step, a reminder or an escalation."""

    at: datetime
    who: str
    kind: str
    text: str = ""


@dataclass(frozen=True)
class WarningNotice:
    """One 预警劝阻单. `issuer` is the dashboard login (or roster wechat id) that issued it;
    `assignee` the roster wechat id of the grid member or 片警 who must act."""

    id: int
    issued_at: datetime
    issuer: str
    issuer_label: str
    victim_name: str
    victim_phone: str
    detected: str
    risk: str
    assignee: str
    sign_by: datetime
    visit_by: datetime
    unit: str | None = None
    victim_id_number: str = ""
    state: str = ISSUED
    signed_at: datetime | None = None
    visited_at: datetime | None = None
    method: str = ""
    result: str = ""
    photo: str = ""
    feedback: str = ""
    fed_back_at: datetime | None = None
    grade: str = ""
    grade_note: str = ""
    evaluated_at: datetime | None = None
    evaluated_by: str = ""
    events: tuple[WarningEvent, ...] = ()

    @property
    def open(self) -> bool:
        """Still waiting for the assignee (signature, 劝阻 or 反馈)."""
        return self.state in (ISSUED, SIGNED, VISITED)

    def at_least(self, state: str) -> bool:
        """Whether the warning has reached `state`."""
        return STATES.index(self.state) >= STATES.index(state)


@dataclass(frozen=True)
class WarningStep:
    """A deadline step the scheduler runs once (if the warning still waits for it)."""

    warning_id: int
    at: datetime
    kind: str

    @property
    def job(self) -> str:
        """The job name recorded for this step: "预警3:签收提醒"."""
        return f"预警{self.warning_id}:{self.kind}"


def deadlines(issued_at: datetime, policy: WarningPolicy) -> tuple[datetime, datetime]:
    """(sign_by, visit_by) for a warning issued at `issued_at`."""
    return (
        issued_at + timedelta(minutes=policy.sign_minutes),
        issued_at + timedelta(hours=policy.visit_hours),
    )


def steps(warning: WarningNotice, policy: WarningPolicy) -> list[WarningStep]:
    """The reminders and escalations still to come for a warning not yet past 劝阻."""
    escalate = timedelta(minutes=policy.escalate_after_minutes)
    out: list[WarningStep] = []
    if warning.state == ISSUED:
        out += [
            WarningStep(warning.id, warning.sign_by, SIGN_REMIND),
            WarningStep(warning.id, warning.sign_by + escalate, SIGN_ESCALATE),
        ]
    if warning.state in (ISSUED, SIGNED):
        before = warning.visit_by - timedelta(minutes=policy.remind_before_minutes)
        if policy.remind_before_minutes > 0 and before > warning.sign_by:
            out.append(WarningStep(warning.id, before, VISIT_REMIND))
        out.append(WarningStep(warning.id, warning.visit_by, VISIT_ESCALATE))
    return out


def step_due(warning: WarningNotice, kind: str) -> bool:
    """Whether a step still applies when it fires (a signed warning needs no 签收提醒)."""
    if kind in (SIGN_REMIND, SIGN_ESCALATE):
        return warning.state == ISSUED
    return warning.state in (ISSUED, SIGNED)


# -- the chain ---------------------------------------------------------------------------


def sign(warning: WarningNotice, now: datetime) -> WarningNotice:
    """签收."""
    if warning.state != ISSUED:
        raise WarningError(f"预警{warning.id}已于{_hm(warning.signed_at)}签收")
    return replace(warning, state=SIGNED, signed_at=now)


def visit(warning: WarningNotice, now: datetime, method: str, result: str) -> WarningNotice:
    """劝阻: how (电话/上门) and with what result; signs it first if not yet signed."""
    if method not in METHODS:
        raise WarningError(f"劝阻方式只能是 {'、'.join(METHODS)}")
    if result not in RESULTS:
        raise WarningError(f"劝阻结果只能是 {'、'.join(RESULTS)}")
    if warning.at_least(VISITED):
        raise WarningError(
            f"预警{warning.id}的劝阻情况已登记（{warning.method}·{warning.result}）"
        )
    signed = sign(warning, now) if warning.state == ISSUED else warning
    return replace(signed, state=VISITED, visited_at=now, method=method, result=result)


def give_feedback(warning: WarningNotice, now: datetime, text: str) -> WarningNotice:
    """反馈: the assignee's written account after the 劝阻."""
    text = text.strip()
    if not text:
        raise WarningError("反馈内容不能为空")
    if len(text) > TEXT_MAX_CHARS:
        raise WarningError(f"反馈最多 {TEXT_MAX_CHARS} 个字")
    if not warning.at_least(VISITED):
        raise WarningError(f"预警{warning.id}还没有登记劝阻情况，请先回复劝阻方式和结果")
    if warning.at_least(FED_BACK):
        raise WarningError(f"预警{warning.id}已反馈")
    return replace(warning, state=FED_BACK, feedback=text, fed_back_at=now)


def evaluate(
    warning: WarningNotice, now: datetime, grade: str, note: str, who: str
) -> WarningNotice:
    """评价 by the issuer, after the feedback."""
    note = note.strip()
    if grade not in GRADES:
        raise WarningError(f"评价只能是 {'、'.join(GRADES)}")
    if len(note) > TEXT_MAX_CHARS:
        raise WarningError(f"评价说明最多 {TEXT_MAX_CHARS} 个字")
    if warning.state == EVALUATED:
        raise WarningError(f"预警{warning.id}已评价（{warning.grade}）")
    if warning.state != FED_BACK:
        raise WarningError(f"预警{warning.id}尚未反馈（当前：{warning.state}），反馈后才能评价")
    return replace(
        warning, state=EVALUATED, grade=grade, grade_note=note, evaluated_at=now, evaluated_by=who
    )


def on_time(done: datetime | None, due: datetime, now: datetime) -> str:
    """A deadline's status: 按时/超时N分钟 when done, 未到期/已逾期 when not."""
    if done is not None:
        if done <= due:
            return "按时"
        return f"超时{_span(done - due)}"
    return "未到期" if now <= due else f"已逾期{_span(now - due)}"


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes}分钟"
    hours, rest = divmod(minutes, 60)
    return f"{hours}小时{rest}分钟" if rest else f"{hours}小时"


def _hm(at: datetime | None) -> str:
    return at.strftime("%m-%d %H:%M") if at else ""


# -- masking ------------------------------------------------------------------------------


def masked(warning: WarningNotice) -> WarningNotice:
    """The warning as anyone but its issuer and assignee sees it: phone, ID and name masked."""
    return replace(
        warning,
        victim_name=mask_name(warning.victim_name),
        victim_phone=mask_phone(warning.victim_phone),
        victim_id_number=mask_id_number(warning.victim_id_number),
    )


# -- what an assignee's private reply means ---------------------------------------------

_NUMBER = re.compile(r"^\s*[/／]?\s*预警\s*(?:单)?\s*(?:第\s*)?(\d+)\s*(?:号|条)?\s*[:：,，]?\s*")
_QUOTED = re.compile(r"预警劝阻单[^\d]{0,4}第?\s*(\d+)\s*号")
_PUSH_REF = re.compile(r"#\s*\d+|第\s*\d+\s*期|\d+\s*号推送")
_WORK_REPORT = re.compile(r"^[/／]?\s*(?:今日工作|工作汇报|今日汇报)")
_FEEDBACK = re.compile(r"^\s*反馈\s*[:：]?\s*(?P<body>\S.*)$", re.S)
_METHOD_WORDS = (
    (HOME_VISIT, ("上门", "入户", "走访", "当面", "见面", "到家")),
    (PHONE_CALL, ("电话", "致电", "打了", "通话", "联系了")),
)
_RESULT_WORDS = (
    (DEFRAUDED, ("已被骗", "被骗了", "已经被骗", "已转账", "已经转账", "钱已转")),
    (NO_ANSWER, ("未接通", "没接通", "无人接听", "没人接", "没接", "关机", "打不通", "不在家")),
    (REFUSED, ("拒绝", "不听", "不配合", "不相信", "不理")),
    (DISSUADED, ("已劝阻", "劝阻", "劝住", "已劝", "已提醒", "已告知", "已制止")),
)


@dataclass(frozen=True)
class WarningReply:
    """An assignee's private message read against their warnings."""

    number: int | None
    text: str
    ack: bool
    method: str | None
    result: str | None
    feedback: str | None


def read_reply(text: str, quoted: str | None = None) -> WarningReply:
    """What a private reply says: which warning ("预警3 …" or the quoted notice), a 签收,
    a 劝阻 (method and result), or a 反馈 ("反馈：…")."""
    number = None
    m = _NUMBER.match(text)
    if m:
        number, text = int(m[1]), text[m.end() :]
    elif quoted and (q := _QUOTED.search(quoted)):
        number = int(q[1])
    body = text.strip()
    if number is None and (_PUSH_REF.search(body) or _WORK_REPORT.match(body)):
        # "签收 第3期" names a push, "今日工作：上门走访…" is the day's report.
        return WarningReply(None, body, False, None, None, None)
    fb = _FEEDBACK.match(body)
    if fb:
        return WarningReply(number, body, False, None, None, fb["body"].strip())
    method = next((k for k, words in _METHOD_WORDS if any(w in body for w in words)), None)
    result = next((k for k, words in _RESULT_WORDS if any(w in body for w in words)), None)
    if result == NO_ANSWER and method is None and "不在家" not in body:
        method = PHONE_CALL
    signs = "签收" in body and "未签收" not in body
    ack = bool(body) and (signs or nlp.is_acknowledgement(body))
    return WarningReply(number, body, ack, method, result, None)


# -- who, about whom ----------------------------------------------------------------------

_PHONE = re.compile(r"^1\d{10}$|^0\d{2,3}-?\d{7,8}$")
_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$|^\d{15}$")
ASSIGNEE_ROLES = (Role.PUSHER, Role.SUPERVISOR)


def draft_errors(name: str, phone: str, id_number: str, detected: str, risk: str) -> list[str]:
    """What is wrong with a new warning's fields (each message names its field)."""
    errors = []
    if not name.strip() or len(name.strip()) > 20:
        errors.append("姓名：必填，最多 20 个字")
    if not _PHONE.match(phone.strip()):
        errors.append(f"电话：“{phone}”不是有效的手机号或座机号")
    if id_number.strip() and not _ID_NUMBER.match(id_number.strip()):
        errors.append(f"身份证号：“{id_number}”应为 18 位（或 15 位）")
    if not detected.strip() or len(detected.strip()) > 200:
        errors.append("预警内容：必填（如 涉诈电话、涉诈APP），最多 200 个字")
    if risk not in RISKS:
        errors.append(f"风险等级：只能是 {'、'.join(RISKS)}")
    return errors


def find_household(org: Org, name: str, phone: str) -> Member | None:
    """The roster household with this phone, else the only one with this name."""
    households = org.with_role(Role.HOUSEHOLD)
    if phone:
        by_phone = [m for m in households if m.phone and m.phone == phone]
        if by_phone:
            return by_phone[0]
    by_name = [m for m in households if m.name == name]
    return by_name[0] if len(by_name) == 1 else None


def responsible(org: Org, household: Member) -> Member | None:
    """The grid member answering for a household: the pusher of its (deepest) group."""
    for group_id in reversed(household.groups):
        group = org.group(group_id)
        if group is not None:
            pushers = group_pushers(org, group)
            if pushers:
                return pushers[0]
    return None


def assignees(org: Org) -> list[Member]:
    """Who may be assigned a warning: grid members (推送员) and supervisors (片警 among them)."""
    return [m for m in org.members if m.role in ASSIGNEE_ROLES]
