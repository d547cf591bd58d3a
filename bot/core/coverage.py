"""Coverage of pushes and ranking of units: pure functions over counters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import median
from typing import Any

from bot.core.model import Delivery, Mode, Push, Signature, UnitTally


def rate(part: int, whole: int) -> float | None:
    """part/whole rounded to 4 places; None when there is nothing to count."""
    return round(part / whole, 4) if whole else None


def percent(value: float | None) -> str:
    """A rate as "83.3%" (or "—" when undefined)."""
    return "—" if value is None else f"{value * 100:.1f}%"


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
        "acks": u.acks,
    }


@dataclass(frozen=True)
class PushCoverage:
    """Coverage of one push (see the foundation issue for the exact definitions)."""

    push: Push
    units: tuple[UnitTally, ...]
    median_sign_minutes: float | None
    median_deliver_minutes: float | None
    # Units whose every target group is evidence-only: the bot cannot see their
    # households' replies, so their ack rate says nothing about their work.
    unseen_acks: frozenset[str] = frozenset()

    def _sum(self, attr: str) -> int:
        return sum(getattr(u, attr) for u in self.units)

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
        """Households who acknowledged."""
        return self._sum("acks")

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
        """acks / households."""
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
        }


def _median_minutes(start: datetime, times: Sequence[datetime]) -> float | None:
    if not times:
        return None
    return round(median((t - start).total_seconds() / 60 for t in times), 1)


def coverage(
    push: Push,
    tallies: Sequence[UnitTally],
    signatures: Sequence[Signature],
    deliveries: Sequence[Delivery],
) -> PushCoverage:
    """Coverage of a push from its counters, signatures and deliveries."""
    delivered = [d.delivered_at for d in deliveries if d.delivered_at is not None]
    seen = {d.unit for d in deliveries if d.mode is not Mode.EVIDENCE}
    return PushCoverage(
        push=push,
        units=tuple(tallies),
        median_sign_minutes=_median_minutes(push.created_at, [s.at for s in signatures]),
        median_deliver_minutes=_median_minutes(push.created_at, delivered),
        unseen_acks=frozenset(
            d.unit for d in deliveries if d.unit is not None and d.unit not in seen
        ),
    )


@dataclass(frozen=True)
class UnitRank:
    """One unit's standing over a period."""

    unit: str
    pushes: int
    sign_rate: float | None
    delivery_rate: float | None
    ack_rate: float | None
    score: float


# Acknowledgement is what the campaign is judged on (知晓率), so it weighs most.
SCORE_WEIGHTS = (0.3, 0.3, 0.4)


def rank_units(reports: Sequence[PushCoverage]) -> list[UnitRank]:
    """Rank units over several pushes by a weighted score of sign, delivery and ack rates.

    A rate that cannot be measured (nothing to count, or acks the bot cannot see) is left
    out and the other weights are scaled up, rather than counted as full or zero marks.
    """
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
    ranks = []
    for unit, t in totals.items():
        rates = (rate(t[1], t[2]), rate(t[3], t[4]), rate(t[5], t[6]))
        known = [(w, r) for w, r in zip(SCORE_WEIGHTS, rates, strict=True) if r is not None]
        weight = sum(w for w, _ in known)
        score = sum(w * r for w, r in known) / weight if weight else 0.0
        ranks.append(UnitRank(unit, t[0], *rates, score=round(score, 4)))
    ranks.sort(key=lambda r: (-r.score, r.unit))
    return ranks
