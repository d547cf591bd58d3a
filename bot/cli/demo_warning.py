"""The month-long demo's 预警劝阻单: the 派出所's 片警 issues one warning in a private chat,
the household's grid member signs it, goes round, sends a photo and the 反馈, and the
next morning the 派出所 evaluates it from the dashboard. A second one, issued from the
dashboard, is signed late (reminder, then escalation) and its call goes unanswered.
Everything is private."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.chat.warnings import WarningDraft
from bot.cli.demo_workflows import DemoWorkflow
from bot.domain.desk import is_police
from bot.domain.model import Member, MessageKind, Role
from bot.domain.warnings import FED_BACK, find_household, on_time, responsible

if TYPE_CHECKING:
    from bot.cli.demo import DemoScript
    from bot.runtime import Runtime

# A 1×1 PNG: the grid member's on-site photo.
PHOTO = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf000001010100a2a8c4ab0000000049454e44ae426082"
)
VICTIM_PHONE = "13800001234"
EVALUATOR = "派出所（网页）"
DESK, DESK_LABEL = "web:派出所值班", "派出所值班（派出所）"


def _victims(script: DemoScript) -> list[tuple[Member, Member]]:
    """(household, its grid member) for households with a unique name, one per unit."""
    org = script.org
    names = Counter(m.name for m in org.with_role(Role.HOUSEHOLD))
    found: dict[str | None, tuple[Member, Member]] = {}
    for household in org.with_role(Role.HOUSEHOLD):
        if names[household.name] != 1 or household.unit in found:
            continue
        if find_household(org, household.name, VICTIM_PHONE) != household:
            continue
        pusher = responsible(org, household)
        if pusher is not None:
            found[household.unit] = (household, pusher)
    return list(found.values())


def _late_one(script: DemoScript, household: Member, pusher: Member, at: datetime) -> None:
    """A warning from the dashboard signed late: the reminder and escalation fire first."""

    async def issue() -> None:
        rt = script.rt
        draft = WarningDraft(
            household.name, "13900005678", "接听境外涉诈电话", "中", None, DESK, DESK_LABEL
        )
        with rt.store.transaction():
            rt.app.chat.warnings.issue(rt.app.context(script.clock.now()), draft)

    script.at(at, issue)
    script.at(at + timedelta(minutes=75), script.say(pusher, "收到", None))
    script.at(at + timedelta(hours=3), script.say(pusher, "打了两次电话，没人接", None))


def plan(script: DemoScript, days: int) -> None:
    """Tuesday of the first week: the whole chain, then the evaluation on Wednesday."""
    org = script.org
    police = next((m for m in org.with_role(Role.SUPERVISOR) if is_police(m, org)), None)
    victims = _victims(script)
    if police is None or len(victims) < 2 or days < 3:
        return
    (household, pusher), (other, other_pusher) = victims[0], victims[1]
    from bot.cli.demo import DEMO_START

    day = (DEMO_START + timedelta(days=1)).replace(hour=10, minute=0)
    issue = f"预警 {household.name} {VICTIM_PHONE} 安装涉诈APP“高收益理财”，疑似投资理财诈骗"
    script.at(day, script.say(police, issue, None))
    script.at(day + timedelta(minutes=12), script.say(pusher, "收到", None))
    visit = f"预警1 已上门劝阻，{household.name}已卸载APP"
    script.at(day + timedelta(hours=5, minutes=30), script.say(pusher, visit, None))
    photo = script.say(pusher, "", None, kind=MessageKind.IMAGE, data=PHOTO, filename="现场.png")
    script.at(day + timedelta(hours=5, minutes=32), photo)
    feedback = "反馈：已当面讲解投资理财诈骗手法，家属已知晓，将协助看管"
    script.at(day + timedelta(hours=5, minutes=40), script.say(pusher, feedback, None))

    async def evaluate() -> None:
        rt = script.rt
        warning = rt.store.get_warning(1)
        if warning is None or warning.state != FED_BACK:
            return
        ctx = rt.app.context(script.clock.now())
        with rt.store.transaction():
            rt.app.chat.warnings.evaluate(ctx, warning, "满意", "签收及时、劝阻到位", EVALUATOR)

    script.at(day + timedelta(days=1, hours=-0.5), evaluate)
    _late_one(script, other, other_pusher, day + timedelta(days=1, hours=4))


def summary(rt: Runtime) -> str:
    """Each warning's chain with its times and deadline status (the victim masked)."""
    tz = rt.app.config.tz
    lines = []
    for w in reversed(rt.store.warnings()):
        full = rt.store.get_warning(w.id) or w
        assignee = rt.app.org.member(w.assignee)
        steps = [f"预警{w.id}（{w.detected}，风险{w.risk}）→ {assignee.name if assignee else ''}"]
        for e in full.events:
            steps.append(f"  {e.at.astimezone(tz):%m-%d %H:%M} {e.kind} {e.who} {e.text}".rstrip())
        now = rt.app.clock.now()
        signed = on_time(w.signed_at, w.sign_by, now)
        visited = on_time(w.visited_at, w.visit_by, now)
        grade = f"（{w.grade}）" if w.grade else ""
        steps.append(f"  签收{signed}，劝阻{visited}，状态：{w.state}{grade}")
        lines += steps
    return "\n".join(lines)


WORKFLOW = DemoWorkflow("预警劝阻单", plan, summary)
