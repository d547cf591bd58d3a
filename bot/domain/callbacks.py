"""回访抽查 (seed 002 "入户走访、电话回访"): drawing a sample of households, their outcomes and
each village's 知晓率. Pure: takes the roster, the seed and `now`; no clock, no database.

A round's sample is reproducible: every village (or unit) is drawn with its own
`random.Random(f"{seed}:{unit}")` from its eligible households sorted by WeChat id, so the same
seed and the same roster give the same sample, and adding a village to a round does not
change the households drawn in the others.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.model import Member, Org, Role

KNOWN = "知晓"
UNKNOWN = "不知晓"
UNREACHABLE = "无法联系"
OUTCOMES = (KNOWN, UNKNOWN, UNREACHABLE)

# Words a 督导组 member may type in the 结果 column instead of the three outcomes.
SYNONYMS: Mapping[str, str] = {
    "知道": KNOWN,
    "了解": KNOWN,
    "清楚": KNOWN,
    "已知晓": KNOWN,
    "是": KNOWN,
    "不知道": UNKNOWN,
    "不了解": UNKNOWN,
    "不清楚": UNKNOWN,
    "未知晓": UNKNOWN,
    "没听说": UNKNOWN,
    "否": UNKNOWN,
    "联系不上": UNREACHABLE,
    "未接通": UNREACHABLE,
    "无人接听": UNREACHABLE,
    "空号": UNREACHABLE,
    "关机": UNREACHABLE,
    "停机": UNREACHABLE,
}
NOTE_MAX_CHARS = 200
DEFAULT_EXCLUDE_DAYS = 30
MAX_SEED = 2**31 - 1


def outcome_of(text: str) -> str | None:
    """知晓 / 不知晓 / 无法联系 for what was typed (synonyms included); None if unknown."""
    word = "".join(text.split())
    if word in OUTCOMES:
        return word
    return SYNONYMS.get(word)


@dataclass(frozen=True)
class SampleRule:
    """How many households a round draws per village, and which it leaves out."""

    per_village: int | None = 5  # a fixed count per village, or
    percent: float | None = None  # a share of each village's eligible households
    minimum: int = 1
    maximum: int | None = None
    exclude_days: int = DEFAULT_EXCLUDE_DAYS  # skip households drawn in the last N days

    def size(self, eligible: int) -> int:
        """How many of `eligible` households to draw (never more than there are)."""
        if self.per_village is not None:
            wanted = self.per_village
        else:
            wanted = math.ceil(eligible * (self.percent or 0) / 100)
        wanted = max(wanted, self.minimum)
        if self.maximum is not None:
            wanted = min(wanted, self.maximum)
        return max(0, min(wanted, eligible))

    def describe(self) -> str:
        """每村 5 户 / 每村 10%（至少 2 户，至多 8 户），排除近 30 天已抽到的户."""
        if self.per_village is not None:
            text = f"每村 {self.per_village} 户"
        else:
            bounds = [f"至少 {self.minimum} 户"]
            if self.maximum is not None:
                bounds.append(f"至多 {self.maximum} 户")
            text = f"每村 {self.percent:g}%（{'，'.join(bounds)}）"
        return f"{text}，排除近 {self.exclude_days} 天已抽到的户"


def rule_error(rule: SampleRule) -> str:
    """Why a rule cannot be used (Chinese), or ""."""
    if rule.per_village is None and rule.percent is None:
        return "请填写每村抽取户数或抽取比例"
    if rule.per_village is not None and not 1 <= rule.per_village <= 500:
        return "每村抽取户数应在 1 到 500 之间"
    if rule.percent is not None and not 0 < rule.percent <= 100:
        return "抽取比例应大于 0、不超过 100（%）"
    if rule.minimum < 0 or (rule.maximum is not None and rule.maximum < max(rule.minimum, 1)):
        return "最少户数不能为负，最多户数不能小于最少户数"
    if not 0 <= rule.exclude_days <= 366:
        return "排除天数应在 0 到 366 之间"
    return ""


@dataclass(frozen=True)
class Call:
    """One household of a round's call list and what the call found."""

    wechat: str
    unit: str
    name: str
    phone: str
    groups: str  # the names of the groups the household is in, 、-separated
    ord: int = 0
    outcome: str = ""  # "" until called
    note: str = ""
    recorded_at: datetime | None = None
    recorded_by: str = ""


@dataclass(frozen=True)
class UnitSkips:
    """Per village: households in the roster, and those left out of the draw."""

    households: int = 0
    no_phone: int = 0
    recent: int = 0


@dataclass(frozen=True)
class Sample:
    """A round's draw: the call list and, per village, what was skipped."""

    calls: tuple[Call, ...]
    skips: Mapping[str, UnitSkips] = field(default_factory=dict)

    @property
    def no_phone(self) -> int:
        """Households left out for having no phone number in the roster."""
        return sum(s.no_phone for s in self.skips.values())

    @property
    def recent(self) -> int:
        """Households left out for having been drawn within the exclusion window."""
        return sum(s.recent for s in self.skips.values())


@dataclass(frozen=True)
class CallbackRound:
    """A 回访 round as stored."""

    id: int
    created_at: datetime
    created_by: str
    seed: int
    rule: SampleRule
    units: tuple[str, ...]
    skips: Mapping[str, UnitSkips]
    roster_version: int = 0
    completed_at: datetime | None = None


@dataclass(frozen=True)
class OutcomeEntry:
    """An outcome to record for one household of a round (dashboard or upload)."""

    wechat: str
    outcome: str
    note: str = ""


def draw_sample(
    org: Org, units: Sequence[str], rule: SampleRule, seed: int, recent: Iterable[str]
) -> Sample:
    """Draw the households to call in each of `units` (roster order of units kept)."""
    drawn = set(recent)
    names = {g.id: g.name for g in org.groups}
    calls: list[Call] = []
    skips: dict[str, UnitSkips] = {}
    for unit in units:
        households = [m for m in org.members if m.role is Role.HOUSEHOLD and m.unit == unit]
        no_phone = [m for m in households if not (m.phone or "").strip()]
        recent_ones = [m for m in households if m.phone and m.wechat in drawn]
        eligible = sorted(
            (m for m in households if m.phone and m.wechat not in drawn), key=lambda m: m.wechat
        )
        skips[unit] = UnitSkips(len(households), len(no_phone), len(recent_ones))
        chosen = random.Random(f"{seed}:{unit}").sample(eligible, rule.size(len(eligible)))
        first = len(calls)
        calls.extend(_call(m, unit, names, first + i) for i, m in enumerate(chosen))
    return Sample(tuple(calls), skips)


def _call(member: Member, unit: str, names: Mapping[str, str], ord: int) -> Call:
    groups = "、".join(names.get(g, g) for g in member.groups)
    return Call(member.wechat, unit, member.name, member.phone or "", groups, ord)


@dataclass(frozen=True)
class Awareness:
    """知晓率 of one village: 知晓 / (知晓 + 不知晓); 无法联系 does not count."""

    unit: str
    sampled: int = 0
    known: int = 0
    unknown: int = 0
    unreachable: int = 0

    @property
    def pending(self) -> int:
        """Households not called yet."""
        return self.sampled - self.known - self.unknown - self.unreachable

    @property
    def rate(self) -> float | None:
        """The share who knew, of those reached (None when nobody was reached)."""
        reached = self.known + self.unknown
        return self.known / reached if reached else None


def awareness(calls: Iterable[Call], units: Sequence[str] = ()) -> list[Awareness]:
    """知晓率 per village, in the order of `units` and then of first appearance."""
    counts: dict[str, list[int]] = {u: [0, 0, 0, 0] for u in units}
    for call in calls:
        row = counts.setdefault(call.unit, [0, 0, 0, 0])
        row[0] += 1
        if call.outcome in OUTCOMES:
            row[1 + OUTCOMES.index(call.outcome)] += 1
    return [Awareness(u, *row) for u, row in counts.items()]


def rate_text(item: Awareness) -> str:
    """75%（知晓 3、不知晓 1、无法联系 1） — or 无有效回访 when nobody was reached."""
    counts = f"知晓 {item.known}、不知晓 {item.unknown}、无法联系 {item.unreachable}"
    if item.pending:
        counts += f"、未回访 {item.pending}"
    shown = "无有效回访" if item.rate is None else f"{round(item.rate * 100)}%"
    return f"{shown}（{counts}）"
