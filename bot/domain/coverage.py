"""Coverage of pushes and ranking of units: pure functions over counters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from statistics import median
from typing import Any

from bot.domain.model import Delivery, Mode, Push, Signature, UnitTally, tally_of


def rate(part: int, whole: int) -> float | None:
    """part/whole rounded to 4 places; None when there is nothing to count."""
    return round(part / whole, 4) if whole else None


@lru_cache(maxsize=4096)
def percent(value: float | None) -> str:
    """A rate as "83.3%" (or "—" when undefined)."""
    return "—" if value is None else f"{value * 100:.1f}%"


@lru_cache(maxsize=8192)
def percent_of(part: int, whole: int) -> str:
    """`percent(rate(part, whole))`, remembered: a city's 8,000 units share few pairs."""
    return percent(rate(part, whole))


def unit_json(u: UnitTally) -> dict[str, Any]:
    """One unit's counters in the coverage report's JSON shape."""
    return {
        "unit": u.unit,
        "pushers": u.pushers,
        "signed": u.signed,
        "groups": u.groups,
        "delivered": u.delivered,
        "households": u.households,
        "reached": u.reached,
        "acks": u.acks + u.read_acks,
        # `reads`: taps on read-confirm links (已阅); `read_acks`: those from groups whose
        # replies the bot cannot hear (evidence, 群发 task), counted in `acks`. Shown only when
        # there are taps, so reports without read-confirm links keep their shape.
        **({"reads": u.reads, "read_acks": u.read_acks} if u.reads else {}),
    }


# The counters a report sums over its units, in UnitTally's order after the unit's name.
_COUNTERS = (
    "pushers", "signed", "groups", "delivered", "households", "reached", "acks", "reads",
    "read_acks",
)  # fmt: skip


@dataclass(frozen=True)
class PushCoverage:
    """Coverage of one push (see the foundation issue for the exact definitions)."""

    push: Push
    # One row per unit in roster order, UnitTally's fields in its order: a UnitTally or the
    # store's plain row (`units` makes the UnitTallies when first asked for).
    counters: tuple[tuple[Any, ...], ...]
    median_sign_minutes: float | None
    median_deliver_minutes: float | None
    # Units whose every target group is evidence-only: the bot cannot see their
    # households' replies, so their ack rate says nothing about their work.
    unseen_acks: frozenset[str] = frozenset()

    @cached_property
    def units(self) -> tuple[UnitTally, ...]:
        """Per-unit counters in roster order. Made when first asked for: a city push has
        8,000 units, and a report that shows only the push's totals never needs them."""
        return tuple(map(tally_of, self.counters))

    def _sum(self, attr: str) -> int:
        return self._totals[attr]

    @cached_property
    def _totals(self) -> dict[str, int]:
        # Summed once per report: a city push has 8,000 units and a card asks for ≈20 sums.
        totals = dict.fromkeys(_COUNTERS, 0)
        # One column per field (none at all without units); the first holds the names.
        columns = zip(*self.counters, strict=True)
        next(columns, None)
        for name, column in zip(_COUNTERS, columns, strict=False):
            totals[name] = sum(column)
        return totals

    @property
    def pushers(self) -> int:
        """Pushers in scope."""
        return self._sum("pushers")

    @property
    def signed(self) -> int:
        """Pushers in scope who signed."""
        return self._sum("signed")

    @property
    def groups(self) -> int:
        """Target groups in scope."""
        return self._sum("groups")

    @property
    def delivered(self) -> int:
        """Target groups delivered."""
        return self._sum("delivered")

    @property
    def households(self) -> int:
        """Households in scope (roster snapshot at push creation)."""
        return self._sum("households")

    @property
    def reached(self) -> int:
        """Households in delivered groups."""
        return self._sum("reached")

    @property
    def acks(self) -> int:
        """Receipts: households who replied, plus link taps from groups the bot cannot hear."""
        return self._sum("acks") + self._sum("read_acks")

    @property
    def reads(self) -> int:
        """Taps on the read-confirm links (已阅), wherever the group."""
        return self._sum("reads")

    def acks_unknown(self, u: UnitTally) -> bool:
        """Whether nothing tells this unit's receipts: replies unheard and no link taps."""
        return u.unit in self.unseen_acks and not u.read_acks

    def unit_ack_rate(self, u: UnitTally) -> float | None:
        """A unit's receipts / households; None where nothing tells them."""
        return None if self.acks_unknown(u) else rate(u.acks + u.read_acks, u.households)

    @property
    def sign_rate(self) -> float | None:
        """signed / pushers."""
        return rate(self.signed, self.pushers)

    @property
    def delivery_rate(self) -> float | None:
        """delivered / groups."""
        return rate(self.delivered, self.groups)

    @property
    def reach(self) -> float | None:
        """reached / households."""
        return rate(self.reached, self.households)

    @property
    def ack_rate(self) -> float | None:
        """acks / households; None when no unit's replies can be seen at all."""
        # Without unseen units nothing is unknown (and the units need not be made).
        if self.unseen_acks and self.units and all(map(self.acks_unknown, self.units)):
            return None
        return rate(self.acks, self.households)

    def as_json(self) -> dict[str, Any]:
        """The JSON shape of the coverage report."""
        return {
            "id": self.push.id,
            "title": self.push.title,
            "created_at": self.push.created_at.isoformat(),
            "sign_rate": self.sign_rate,
            "delivery_rate": self.delivery_rate,
            "reach": self.reach,
            "ack_rate": self.ack_rate,
            "median_sign_minutes": self.median_sign_minutes,
            "median_deliver_minutes": self.median_deliver_minutes,
            "units": [unit_json(u) for u in self.units],
            **({"reads": self.reads} if self.reads else {}),
        }


def _median_minutes(start: datetime, times: Sequence[datetime]) -> float | None:
    if not times:
        return None
    return round(median((t - start).total_seconds() / 60 for t in times), 1)


# Households' replies are invisible in screenshot-proven and 群发-task groups.
UNHEARD_MODES = (Mode.EVIDENCE, Mode.TASK)


@dataclass(frozen=True)
class CoverageFacts:
    """What a coverage report reads besides the unit counters, boiled down by the store.

    `sign_middle` and `deliver_middle` are the middle one or two signature and delivery
    times in time order (their median is the median of all); `unseen` the units whose
    every planned group is in an unheard mode.
    """

    sign_middle: tuple[datetime, ...]
    deliver_middle: tuple[datetime, ...]
    unseen: frozenset[str]


def middle(count: int) -> tuple[int, int]:
    """(offset, how many) of the middle one or two of `count` sorted values."""
    return (count - 1) // 2, 2 - count % 2


def coverage(
    push: Push,
    tallies: Sequence[UnitTally],
    signatures: Sequence[Signature],
    deliveries: Sequence[Delivery],
) -> PushCoverage:
    """Coverage of a push from its counters, signatures and deliveries."""
    delivered = [d.delivered_at for d in deliveries if d.delivered_at is not None]
    seen = {d.unit for d in deliveries if d.mode not in UNHEARD_MODES}
    return PushCoverage(
        push=push,
        counters=tuple(tallies),
        median_sign_minutes=_median_minutes(push.created_at, [s.at for s in signatures]),
        median_deliver_minutes=_median_minutes(push.created_at, delivered),
        unseen_acks=frozenset(
            d.unit for d in deliveries if d.unit is not None and d.unit not in seen
        ),
    )


def coverage_of(
    push: Push, counters: Sequence[tuple[Any, ...]], facts: CoverageFacts
) -> PushCoverage:
    """Coverage of a push from its units' counters (UnitTallies or rows in their field
    order) and the store's boiled-down facts (the same figures as `coverage` over every
    signature and delivery)."""
    return PushCoverage(
        push=push,
        counters=tuple(counters),
        median_sign_minutes=_median_minutes(push.created_at, facts.sign_middle),
        median_deliver_minutes=_median_minutes(push.created_at, facts.deliver_middle),
        unseen_acks=facts.unseen,
    )


@dataclass(frozen=True)
class UnitRank:
    """One unit's standing over a period.

    `ack_rate` is None when the bot cannot see the unit's households' replies (evidence-mode
    groups only) or there were none to count; it is shown as "—", never as 0%. `rank` is the
    standard competition rank (1, 2, 2, 4) on the displayed score `points`.
    """

    unit: str
    pushes: int
    sign_rate: float | None
    delivery_rate: float | None
    ack_rate: float | None
    score: float
    rank: int = 0
    flagged: bool = False

    @property
    def points(self) -> float:
        """The score as displayed (0–100, one decimal); ties are decided on this."""
        return round(self.score * 100, 1)


# Acknowledgement is what the campaign is judged on (知晓率), so it weighs most.
SCORE_WEIGHTS = (0.3, 0.3, 0.4)
SCORE_RULE = "得分=签收30%+送达30%+回执40%，看不到回执的单位按签收、送达折算"
FLAG_RULE = (
    "约谈只点名明显落后于其余单位的末位（并列不点名），"
    "未到截止时间（无截止时间的未满24小时）的推送不计入"
)
# Without a deadline a push is judged once it has had a full day.
GRACE_WITHOUT_DEADLINE = timedelta(hours=24)


def settled(push: Push, now: datetime) -> bool:
    """Whether a push has had its chance: its deadline (or 24 h without one) has passed."""
    return now >= (push.deadline or push.created_at + GRACE_WITHOUT_DEADLINE)


def unsettled(reports: Sequence[PushCoverage], now: datetime) -> int:
    """How many of `reports` are still too young to judge a unit on."""
    return sum(not settled(r.push, now) for r in reports)


def _unit_rates(
    reports: Sequence[PushCoverage],
) -> dict[str, tuple[int, tuple[float | None, ...]]]:
    totals: dict[str, list[int]] = {}
    for report in reports:
        for u in report.units:
            t = totals.setdefault(u.unit, [0, 0, 0, 0, 0, 0, 0])
            t[0] += 1
            t[1] += u.signed
            t[2] += u.pushers
            t[3] += u.delivered
            t[4] += u.groups
            if u.unit not in report.unseen_acks:
                t[5] += u.acks
                t[6] += u.households
    return {
        unit: (t[0], (rate(t[1], t[2]), rate(t[3], t[4]), rate(t[5], t[6])))
        for unit, t in totals.items()
    }


def flag_bottom(points: Sequence[float], count: int) -> list[bool]:
    """Which of `points` (the displayed scores) are flagged as the bottom `count` (约谈).

    A unit is flagged only when it is strictly worse than every unit not flagged: a unit
    tied with an unflagged one is never flagged, nor anyone when all are equal, nor a full
    score, nor anyone when there are no more units than `count` (a ranking needs someone
    above).
    """
    if count <= 0 or len(points) <= count:
        return [False] * len(points)
    return [p < 100.0 and sum(q <= p for q in points) <= count for p in points]


def rank_units(
    reports: Sequence[PushCoverage], *, bottom: int = 0, now: datetime | None = None
) -> list[UnitRank]:
    """Rank units over several pushes by a weighted score of sign, delivery and ack rates.

    A rate that cannot be measured (nothing to count, or acks the bot cannot see) is left
    out and the other weights are scaled up, rather than counted as full or zero marks.
    Ties on the displayed score share a rank (1, 2, 2, 4).

    With `bottom` > 0 the last units are flagged 约谈 (see `flag_bottom`), and pushes that
    are not `settled` at `now` are left out of the whole ranking, not only out of the flag:
    a flag must follow from the scores printed beside it, and a unit should never be called
    in over a push it still has time to finish. Rankings without flags (day, week) keep the
    young pushes, since there they show work in progress.
    """
    if bottom > 0:
        if now is None:
            raise ValueError("rank_units: flagging needs `now`")
        reports = [r for r in reports if settled(r.push, now)]
    ranks = []
    for unit, (pushes, rates) in _unit_rates(reports).items():
        known = [(w, r) for w, r in zip(SCORE_WEIGHTS, rates, strict=True) if r is not None]
        weight = sum(w for w, _ in known)
        score = sum(w * r for w, r in known) / weight if weight else 0.0
        sign, deliver, ack = rates
        ranks.append(UnitRank(unit, pushes, sign, deliver, ack, round(score, 4)))
    ranks.sort(key=lambda r: (-r.points, r.unit))
    points = [r.points for r in ranks]
    flags = flag_bottom(points, bottom)
    return [
        replace(r, rank=1 + sum(q > r.points for q in points), flagged=flag)
        for r, flag in zip(ranks, flags, strict=True)
    ]
