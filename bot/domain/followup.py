"""Deadline follow-up (催办 and 督办): when each step is due and who lags. Pure."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.model import Group, Level, Member, Org, Push, Role

# Reminder kinds as stored in the reminders table and shown in 进度.
REMIND = "催办"
BEFORE_DEADLINE = "截止前催办"
AT_DEADLINE = "到期催办"
ESCALATION = "升级督办"
LEADER_SUMMARY = "领导汇总"
# Every @-mention of pushers, whether a person asked for it or the deadline did.
CAPPED_KINDS = frozenset({REMIND, BEFORE_DEADLINE, AT_DEADLINE})
# Two separate per-push budgets over a rolling 24 hours: manual 催办 (policy.remind_cap_per_day)
# and the automatic deadline reminders (deadline.auto_remind_cap), so that an office chasing
# by hand in the morning cannot silence the reminder the deadline is meant to bring.
MANUAL_KINDS = frozenset({REMIND})
AUTO_KINDS = frozenset({BEFORE_DEADLINE, AT_DEADLINE})


def remind_budget(kind: str) -> frozenset[str]:
    """The reminder kinds that share a cap with `kind` (manual or automatic)."""
    return MANUAL_KINDS if kind == REMIND else AUTO_KINDS


@dataclass(frozen=True)
class DeadlineStep:
    """One follow-up step of a push with a deadline."""

    push_id: int
    kind: str
    at: datetime

    @property
    def job(self) -> str:
        """The step's job name (unique per push and kind), as recorded in job runs."""
        return f"{self.kind}#{self.push_id}"


def deadline_steps(
    push: Push,
    remind_before: timedelta | None,
    at_deadline: bool,
    escalate_after: timedelta | None,
) -> list[DeadlineStep]:
    """The follow-up steps of a push, in time order (none without a deadline).

    `remind_before` None skips the early reminder; `escalate_after` None skips escalation.
    Steps before the push was created (a deadline set only minutes ahead) are dropped.
    """
    if push.deadline is None:
        return []
    steps = []
    if remind_before is not None and remind_before > timedelta(0):
        steps.append(DeadlineStep(push.id, BEFORE_DEADLINE, push.deadline - remind_before))
    if at_deadline:
        steps.append(DeadlineStep(push.id, AT_DEADLINE, push.deadline))
    if escalate_after is not None:
        steps.append(DeadlineStep(push.id, ESCALATION, push.deadline + escalate_after))
    return [s for s in steps if s.at >= push.created_at]


@dataclass(frozen=True)
class UnitLag:
    """What one village/unit still owes on a push."""

    unit: str
    unsigned: tuple[Member, ...]
    undelivered: tuple[Group, ...]


def lagging_units(
    units: Sequence[str],
    unsigned: Sequence[Member],
    undelivered: Sequence[tuple[Group, Sequence[Member]]],
) -> list[UnitLag]:
    """Group a push's laggards by unit, in roster order."""
    lags = []
    for unit in units:
        people = tuple(m for m in unsigned if m.unit == unit)
        groups = tuple(g for g, _ in undelivered if g.unit == unit)
        if people or groups:
            lags.append(UnitLag(unit, people, groups))
    return lags


def supervisors_of(org: Org, units: Collection[str]) -> list[Member]:
    """The supervisors (网格长、片警、主要领导) of the given units, in roster order.

    A supervisor of a town body without groups (片警 of the 派出所) serves the units whose
    village/unit groups they sit in.
    """
    wanted = set(units)
    with_groups = set(org.units)
    served = {g.id for g in org.groups if g.level is not Level.COMMAND and g.unit in wanted}
    return [
        m
        for m in org.with_role(Role.SUPERVISOR)
        if (m.unit in wanted or (m.unit not in with_groups and served.intersection(m.groups)))
    ]
