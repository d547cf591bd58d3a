"""发案统计: each unit's monthly fraud cases and losses, ranked for the 月度排名. Pure.

The plans ask: "每月要对各村的网络电信诈骗发案数、经济损失数、万人发案数等情况进行排名通报，
对三项指标连续两个月处于最高位的…约谈", and for the 无诈村组 assessment "发案数与去年同比下降
10%以上的，评为达标村组".

Rules decided here (and documented in the README):
- A month "has figures" once any unit's figure for it was entered; a unit without a figure
  in such a month counts as 0 起 / 0 元 (the office usually enters only the villages with
  cases). A month with no figure at all is "未填报" and is not ranked.
- Ranks are competition ranks (1, 1, 3): the highest value is rank 1. A unit is "at the top"
  of a month when it holds rank 1 in 发案数, 损失 and 万人发案数 alike with at least one case;
  at the top in the month and in the month before → 约谈.
- 同比 compares with the same month (and the same January-to-month stretch) of last year.
  The 无诈村组 assessment uses the year to date: 达标 when cases fell by ≥ 10 %. A zero base
  (no case last year): still zero this year is 达标 (零发案保持), any case is 未达标 (上升,
  no percentage). No figure at all last year: 无去年同期数据, not assessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from bot.domain.model import Level, Org, Role

PER_PEOPLE = 10_000
TARGET_DROP = 0.10
MAX_CASES = 100_000
MAX_LOSS_FEN = 10**14  # 一万亿元: past this a figure is a typo

SOURCE_ORG = "组织文件"
SOURCE_SET = "办公室设定"
SOURCE_ROSTER = "名册户数"

_MONTH = re.compile(r"(\d{4})\s*(?:[-/.年])\s*(\d{1,2})(?:\s*月)?(?:[-/.]\d{1,2}.*)?")
_AMOUNT = re.compile(r"([0-9][0-9,，]*(?:\.[0-9]+)?)\s*(万元|万|元)?")


class FigureError(ValueError):
    """A typed value that is not a month, a case count or an amount (message in Chinese)."""


@dataclass(frozen=True)
class CaseFigure:
    """One unit's cases and loss in one month, as entered."""

    unit: str
    month: str  # "2026-11"
    cases: int
    loss_fen: int  # 分, so 1.5万元 and 1234.56元 are both exact
    by: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class Population:
    """The figure 万人发案数 divides by, and where it came from."""

    people: int
    source: str


@dataclass(frozen=True)
class YearOnYear:
    """This period against the same period of last year (None: no figures last year)."""

    now: int
    before: int | None

    @property
    def change(self) -> float | None:
        """(now − before) / before; None without a base or with a zero base."""
        if not self.before:
            return None
        return (self.now - self.before) / self.before

    @property
    def target_met(self) -> bool | None:
        """发案同比下降 ≥ 10 %: None without figures last year; zero base: met iff still 0."""
        if self.before is None:
            return None
        if self.before == 0:
            return self.now == 0
        change = self.change
        return change is not None and change <= -TARGET_DROP + 1e-9


@dataclass(frozen=True)
class UnitCases:
    """One unit's row of a month's 发案 ranking."""

    unit: str
    cases: int
    loss_fen: int
    population: Population
    rank_cases: int
    rank_loss: int
    rank_rate: int
    top: bool  # at the top of all three this month
    interview: bool  # and in the month before: 约谈
    month_yoy: YearOnYear
    ytd_yoy: YearOnYear

    @property
    def per_10k(self) -> float | None:
        """万人发案数 (None when the population is unknown)."""
        if self.population.people <= 0:
            return None
        return self.cases * PER_PEOPLE / self.population.people


@dataclass(frozen=True)
class MonthRanking:
    """A month's 发案 ranking (empty `rows` when no figure was entered for it)."""

    month: str
    rows: tuple[UnitCases, ...]

    @property
    def entered(self) -> bool:
        """Whether any figure exists for the month."""
        return bool(self.rows)

    @property
    def interviews(self) -> tuple[str, ...]:
        """Units at the top of all three indicators two months running (约谈)."""
        return tuple(r.unit for r in self.rows if r.interview)


# -- parsing typed values ----------------------------------------------------------------


def parse_month(text: str) -> str:
    """ "2026-11", "2026年11月", "2026/11", an Excel date "2026-11-01 00:00:00" → "2026-11"."""
    match = _MONTH.fullmatch(text.strip())
    if match is None:
        raise FigureError(f"月份 {text!r} 无法识别，请写成 2026-11 或 2026年11月")
    year, month = int(match.group(1)), int(match.group(2))
    if not 2000 <= year <= 2100 or not 1 <= month <= 12:
        raise FigureError(f"月份 {text!r} 不是有效的年月")
    return f"{year:04d}-{month:02d}"


def parse_cases(text: str) -> int:
    """A case count: a whole number ≥ 0 ("3", "3起"); blank is 0."""
    value = text.strip().removesuffix("起").strip()
    if not value:
        return 0
    if not value.isdigit():
        raise FigureError(f"发案数 {text!r} 应为不小于 0 的整数")
    cases = int(value)
    if cases > MAX_CASES:
        raise FigureError(f"发案数 {text!r} 过大（上限 {MAX_CASES}）")
    return cases


def parse_loss(text: str) -> int:
    """A loss in 分: "12000", "12,000元", "1.5万", "1.5万元", "1234.56"; blank is 0."""
    value = text.strip()
    if not value:
        return 0
    match = _AMOUNT.fullmatch(value)
    if match is None:
        raise FigureError(f"经济损失 {text!r} 无法识别，请写成 12000、12000元 或 1.2万")
    try:
        amount = Decimal(re.sub("[,，]", "", match.group(1)))
    except InvalidOperation:
        raise FigureError(f"经济损失 {text!r} 无法识别") from None
    if match.group(2) in ("万", "万元"):
        amount *= 10_000
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise FigureError(f"经济损失 {text!r} 最多精确到分")
    if fen > MAX_LOSS_FEN:
        raise FigureError(f"经济损失 {text!r} 过大，请核对单位（元/万元）")
    return int(fen)


def yuan_text(fen: int) -> str:
    """An amount as the bulletin writes it: "3.25万元" from 1 万元 up, else "860元"."""
    if fen >= 1_000_000:
        return f"{Decimal(fen) / 1_000_000:.2f}".rstrip("0").rstrip(".") + "万元"
    return f"{Decimal(fen) / 100:.2f}".rstrip("0").rstrip(".") + "元"


def yuan_plain(fen: int) -> str:
    """An amount in 元 as typed into a form: "86000", "1234.56" (never "8.6e+04")."""
    return str(Decimal(fen) / 100)


def change_text(change: float | None) -> str:
    """ "+50%", "-20%", "持平"."""
    if change is None:
        return "—"
    if abs(change) < 0.0005:
        return "持平"
    return f"{change * 100:+.0f}%"


# -- months --------------------------------------------------------------------------------


def month_of(day: datetime) -> str:
    """The month key of a moment ("2026-11")."""
    return f"{day.year:04d}-{day.month:02d}"


def shift_month(month: str, by: int) -> str:
    """The month `by` months after (before, when negative) `month`."""
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + mon - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_label(month: str) -> str:
    """ "2026-11" → "2026年11月"."""
    return f"{int(month[:4])}年{int(month[5:7])}月"


# -- population ----------------------------------------------------------------------------


def populations(org: Org, configured: Mapping[str, int]) -> dict[str, Population]:
    """Per unit: the org file's `population`, else the office's figure, else roster households."""
    households: dict[str, int] = {}
    for m in org.members:
        if m.role is Role.HOUSEHOLD and m.unit:
            households[m.unit] = households.get(m.unit, 0) + 1
    from_file: dict[str, int] = {}
    for g in org.groups:
        if g.unit and g.population and g.level in (Level.VILLAGE, Level.UNIT):
            from_file.setdefault(g.unit, g.population)
    result = {}
    for unit in org.units:
        if unit in from_file:
            result[unit] = Population(from_file[unit], SOURCE_ORG)
        elif configured.get(unit):
            result[unit] = Population(configured[unit], SOURCE_SET)
        else:
            result[unit] = Population(households.get(unit, 0), SOURCE_ROSTER)
    return result


# -- ranking -------------------------------------------------------------------------------


def competition_ranks(values: Sequence[float]) -> list[int]:
    """Rank 1 for the highest value; ties share a rank (1, 1, 3)."""
    return [1 + sum(1 for other in values if other > v) for v in values]


def _month_table(
    figures: Iterable[CaseFigure], month: str, units: Sequence[str]
) -> dict[str, CaseFigure] | None:
    found = {f.unit: f for f in figures if f.month == month}
    if not found:
        return None
    return {u: found.get(u, CaseFigure(u, month, 0, 0)) for u in units}


def _tops(table: Mapping[str, CaseFigure], pops: Mapping[str, Population]) -> set[str]:
    units = list(table)
    cases = [table[u].cases for u in units]
    loss = [table[u].loss_fen for u in units]
    rates = [_rate(table[u].cases, pops[u]) for u in units]
    return {
        u
        for u, rc, rl, rr in zip(
            units,
            competition_ranks(cases),
            competition_ranks(loss),
            competition_ranks(rates),
            strict=True,
        )
        if rc == rl == rr == 1 and table[u].cases > 0
    }


def _rate(cases: int, population: Population) -> float:
    return cases * PER_PEOPLE / population.people if population.people > 0 else 0.0


def _sum(figures: Sequence[CaseFigure], unit: str, first: str, last: str) -> tuple[int, bool]:
    """Cases of a unit over [first, last] months, and whether any unit has figures there."""
    inside = [f for f in figures if first <= f.month <= last]
    return sum(f.cases for f in inside if f.unit == unit), bool(inside)


def rank_month(
    figures: Sequence[CaseFigure],
    month: str,
    units: Sequence[str],
    pops: Mapping[str, Population],
) -> MonthRanking:
    """The month's ranking of `units` (figures may span last year's January to `month`).

    Rows are ordered by 发案数, then 损失, then 万人发案数 (worst first), then roster order.
    """
    table = _month_table(figures, month, units)
    if table is None:
        return MonthRanking(month, ())
    before = _month_table(figures, shift_month(month, -1), units)
    tops = _tops(table, pops)
    tops_before = _tops(before, pops) if before is not None else set()
    cases = [table[u].cases for u in units]
    loss = [table[u].loss_fen for u in units]
    rates = [_rate(table[u].cases, pops[u]) for u in units]
    last_year = shift_month(month, -12)
    january, january_before = f"{month[:4]}-01", f"{last_year[:4]}-01"
    rows = []
    for i, unit in enumerate(units):
        before_month, has_month = _sum(figures, unit, last_year, last_year)
        ytd, _ = _sum(figures, unit, january, month)
        ytd_before, has_ytd = _sum(figures, unit, january_before, last_year)
        rows.append(
            UnitCases(
                unit=unit,
                cases=cases[i],
                loss_fen=loss[i],
                population=pops[unit],
                rank_cases=competition_ranks(cases)[i],
                rank_loss=competition_ranks(loss)[i],
                rank_rate=competition_ranks(rates)[i],
                top=unit in tops,
                interview=unit in tops and unit in tops_before,
                month_yoy=YearOnYear(cases[i], before_month if has_month else None),
                ytd_yoy=YearOnYear(ytd, ytd_before if has_ytd else None),
            )
        )
    order = {u: i for i, u in enumerate(units)}
    rows.sort(key=lambda r: (-r.cases, -r.loss_fen, -(r.per_10k or 0.0), order[r.unit]))
    return MonthRanking(month, tuple(rows))


def figures_window(month: str) -> tuple[str, str]:
    """The months `rank_month` reads: last year's January up to `month`."""
    return f"{int(month[:4]) - 1:04d}-01", month
