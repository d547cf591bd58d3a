"""通报 composition: 日报, 周报 and 月度排名 as text plus the data for a chart. Pure.

Everything here takes its data and `now`; gathering it (store, roster) and drawing the chart
happen elsewhere. Bulletins name pushers and units, never households or phone numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.domain.coverage import (
    FLAG_RULE,
    SCORE_RULE,
    PushCoverage,
    UnitRank,
    flag_bottom,
    percent,
    rank_units,
    rate,
    settled,
)
from bot.domain.desk import TipTally
from bot.domain.desk_texts import tip_count_lines
from bot.domain.model import Group, Member, UnitTally, WorkReport
from bot.domain.periods import DAILY, MONTHLY, WEEKLY, Period, month_day
from bot.domain.texts import push_name

SECTION_NUMBERS = "一二三四五六七八九十"
REPORT_PREVIEW_CHARS = 60


@dataclass(frozen=True)
class Laggard:
    """A pusher who still owes something on the period's pushes."""

    member: Member
    unsigned: tuple[int, ...]
    undelivered: tuple[tuple[int, str], ...]


def collect_laggards(
    per_push: Sequence[tuple[int, Sequence[Member], Sequence[tuple[Group, Sequence[Member]]]]],
) -> list[Laggard]:
    """Per pusher: pushes not signed and (push, group) not delivered, in first-seen order.

    `per_push` holds, for each push id, its unsigned pushers and its undelivered groups
    with the pushers responsible for each.
    """
    order: dict[str, Member] = {}
    unsigned: dict[str, list[int]] = {}
    undelivered: dict[str, list[tuple[int, str]]] = {}
    for push_id, people, groups in per_push:
        for m in people:
            order.setdefault(m.wechat, m)
            unsigned.setdefault(m.wechat, []).append(push_id)
        for group, pushers in groups:
            for m in pushers:
                order.setdefault(m.wechat, m)
                undelivered.setdefault(m.wechat, []).append((push_id, group.name))
    return [
        Laggard(m, tuple(unsigned.get(w, ())), tuple(undelivered.get(w, ())))
        for w, m in order.items()
    ]


@dataclass(frozen=True)
class BulletinData:
    """Everything a bulletin is composed from."""

    town: str
    period: Period
    reports: tuple[PushCoverage, ...]
    laggards: tuple[Laggard, ...]
    units: tuple[str, ...]
    work_reports: tuple[WorkReport, ...]
    report_days: tuple[date, ...]
    names: Mapping[str, str]
    now: datetime
    # Households' fraud reports (线索) of the day: numbers only.
    tips: TipTally = field(default_factory=TipTally)
    # Sections other workflows add (发案, 预警, 回访, campaigns): see bot.schedule.sections.
    extra: tuple[Section, ...] = ()


@dataclass(frozen=True)
class Section:
    """One titled block of a bulletin, contributed by a workflow other than the relay."""

    title: str
    lines: tuple[str, ...]
    # Its own chart, published as one more image after the bulletin's text.
    chart: ChartSpec | None = None


@dataclass(frozen=True)
class ChartSpec:
    """What to draw: one horizontal bar group per label, values in percent (0–100) on a
    fixed axis, or (`percent` False) counts or rates on an axis fitted to the largest value,
    printed with `decimals` places.

    A value of None is a metric the bot cannot see: no bar, labelled "—".
    """

    title: str
    labels: tuple[str, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]
    flagged: tuple[str, ...] = ()
    flag_note: str = ""
    percent: bool = True
    decimals: int = 0


@dataclass(frozen=True)
class Draft:
    """A composed bulletin, before it is stored and sent."""

    kind: str
    period: Period
    text: str
    chart: ChartSpec | None
    flagged: tuple[str, ...] = ()
    # Charts the sections carry (`Section.chart`), published after `chart`.
    section_charts: tuple[ChartSpec, ...] = ()

    @property
    def charts(self) -> tuple[ChartSpec, ...]:
        """Every chart of the bulletin, in the order the images go out."""
        return ((self.chart,) if self.chart is not None else ()) + self.section_charts


def section_charts(data: BulletinData) -> tuple[ChartSpec, ...]:
    """The charts of the contributed sections, in section order."""
    return tuple(x.chart for x in data.extra if x.chart is not None)


def unit_totals(reports: Sequence[PushCoverage]) -> dict[str, UnitTally]:
    """Per-unit counters summed over several pushes."""
    sums: dict[str, list[int]] = {}
    for report in reports:
        for u in report.units:
            s = sums.setdefault(u.unit, [0] * 7)
            for i, value in enumerate(
                (u.pushers, u.signed, u.groups, u.delivered, u.households, u.reached, u.acks)
            ):
                s[i] += value
    return {unit: UnitTally(unit, *s) for unit, s in sums.items()}


def _numbered(sections: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
    lines: list[str] = []
    for i, (title, body) in enumerate(sections):
        lines += ["", f"{SECTION_NUMBERS[i]}、{title}", *body]
    return lines


def _push_line(cov: PushCoverage, with_day: bool) -> str:
    day = f"（{month_day(cov.push.created_at.date())}）" if with_day else ""
    return (
        f"· {push_name(cov.push)}{day}：签收 {cov.signed}/{cov.pushers} 人"
        f"（{percent(cov.sign_rate)}），送达 {cov.delivered}/{cov.groups} 个群"
        f"（{percent(cov.delivery_rate)}），回执 {cov.acks}/{cov.households} 户"
        f"（{percent(cov.ack_rate)}）"
    )


def _totals_line(reports: Sequence[PushCoverage]) -> str:
    t = [sum(getattr(r, a) for r in reports) for a in ("signed", "pushers", "delivered")]
    g = sum(r.groups for r in reports)
    acks, households = sum(r.acks for r in reports), sum(r.households for r in reports)
    return (
        f"合计：签收 {t[0]}/{t[1]} 人次（{percent(rate(t[0], t[1]))}），"
        f"送达 {t[2]}/{g} 群次（{percent(rate(t[2], g))}），"
        f"回执 {acks}/{households} 户次（{percent(rate(acks, households))}）"
    )


def _rank_lines(ranks: Sequence[UnitRank], totals: Mapping[str, UnitTally]) -> list[str]:
    lines = []
    for r in ranks:
        t = totals[r.unit]
        flag = " ⚠约谈" if r.flagged else ""
        acks = (
            f"回执 {t.acks}/{t.households}（{percent(r.ack_rate)}）"
            if r.ack_rate is not None or not t.households
            else "回执 —"
        )
        lines.append(
            f"{r.rank}. {r.unit} 得分{r.points:.1f}｜签收 {t.signed}/{t.pushers}"
            f"｜送达 {t.delivered}/{t.groups}｜{acks}{flag}"
        )
    return lines


def _laggard_lines(laggards: Sequence[Laggard], single_push: bool) -> list[str]:
    lines = []
    for lag in laggards:
        who = f"{lag.member.name}（{lag.member.unit}）" if lag.member.unit else lag.member.name
        parts = []
        if single_push:
            parts += [f"第{p}期未签收" for p in lag.unsigned]
            parts += [f"第{p}期{g}未送达" for p, g in lag.undelivered]
        else:
            if lag.unsigned:
                parts.append(f"未签收 {len(lag.unsigned)} 期")
            if lag.undelivered:
                parts.append(f"未送达 {len(lag.undelivered)} 个群次")
        lines.append(f"· {who}：{'；'.join(parts)}")
    return lines


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= REPORT_PREVIEW_CHARS:
        return flat
    return flat[:REPORT_PREVIEW_CHARS] + "…"


def _daily_reports(data: BulletinData) -> tuple[str, list[str]]:
    day = data.period.start.date()
    todays = [r for r in data.work_reports if r.day == day]
    by_unit: dict[str, list[WorkReport]] = {}
    for r in todays:
        by_unit.setdefault(r.unit, []).append(r)
    lines = []
    for unit in data.units:
        for r in by_unit.get(unit, []):
            lines.append(f"· {unit}（{data.names.get(r.member, r.member)}）：{_preview(r.text)}")
    missing = [u for u in data.units if u not in by_unit]
    if day not in data.report_days:
        title = "今日工作汇报（今天不是工作日，不作要求）"
    else:
        title = (
            f"今日工作汇报（已报 {len(data.units) - len(missing)}/{len(data.units)} 个村/单位）"
        )
        lines.append(f"未报：{'、'.join(missing)}" if missing else "各村/单位均已汇报。")
    if not lines:
        lines.append("无。")
    return title, lines


def _weekly_reports(data: BulletinData) -> tuple[str, list[str]]:
    expected = len(data.report_days)
    days: dict[str, set[date]] = {}
    for r in data.work_reports:
        if r.day in data.report_days:
            days.setdefault(r.unit, set()).add(r.day)
    counts = [f"{u} {len(days.get(u, ()))}/{expected}" for u in data.units]
    lines = ["、".join(counts)] if expected else ["本周没有需要汇报的工作日。"]
    if expected:
        full = [u for u in data.units if len(days.get(u, ())) == expected]
        lines.append(f"每个工作日都已汇报：{'、'.join(full) if full else '无'}")
    return f"工作汇报（应报 {expected} 天）", lines


def _rate_chart(title: str, ranks: Sequence[UnitRank]) -> ChartSpec:
    def pct(values: Sequence[float | None]) -> tuple[float | None, ...]:
        return tuple(None if v is None else round(v * 100, 1) for v in values)

    return ChartSpec(
        title=title,
        labels=tuple(r.unit for r in ranks),
        series=(
            ("签收率", pct([r.sign_rate for r in ranks])),
            ("送达率", pct([r.delivery_rate for r in ranks])),
            ("回执率", pct([r.ack_rate for r in ranks])),
        ),
    )


def compose_daily(data: BulletinData) -> Draft:
    """The 21:00 日报: today's pushes, units ranked, laggard pushers, work reports."""
    p = data.period
    head = [f"【反诈工作日报】{data.town} {p.label}", f"统计截至 {data.now:%H:%M}"]
    sections: list[tuple[str, Sequence[str]]] = []
    chart = None
    if data.reports:
        sections.append(
            (f"今日推送 {len(data.reports)} 期", [_push_line(r, False) for r in data.reports])
        )
        ranks = rank_units(data.reports)
        sections.append(
            (
                f"各村/单位完成情况（按得分排名；{SCORE_RULE}）",
                _rank_lines(ranks, unit_totals(data.reports)),
            )
        )
        sections.append(
            ("未完成的推送员", _laggard_lines(data.laggards, True) or ["无，全部完成。"])
        )
        chart = _rate_chart(f"{data.town}反诈工作日报 {p.label}", ranks)
    else:
        sections.append(("今日推送", ["今日无推送。"]))
    if data.tips.new:
        t = data.tips
        sections.append(("反诈线索", tip_count_lines(t.new, t.urgent, t.open)))
    sections.append(_daily_reports(data))
    sections.extend((x.title, x.lines) for x in data.extra)
    text = "\n".join(head + _numbered(sections))
    return Draft(DAILY, p, text, chart, section_charts=section_charts(data))


def compose_weekly(data: BulletinData) -> Draft:
    """The Monday 周报 over a week: pushes, ranking, laggards, report attendance."""
    p = data.period
    head = [f"【反诈工作周报】{data.town} {p.label}"]
    sections: list[tuple[str, Sequence[str]]] = []
    chart = None
    if data.reports:
        sections.append(
            (
                f"本周推送 {len(data.reports)} 期",
                [_totals_line(data.reports), *(_push_line(r, True) for r in data.reports)],
            )
        )
        ranks = rank_units(data.reports)
        sections.append(
            (f"各村/单位排名（{SCORE_RULE}）", _rank_lines(ranks, unit_totals(data.reports)))
        )
        sections.append(
            (
                f"未完成的推送员（截至{month_day(data.now.date())}{data.now:%H:%M}）",
                _laggard_lines(data.laggards, False) or ["无，全部完成。"],
            )
        )
        chart = _rate_chart(f"{data.town}反诈工作周报 {p.label}", ranks)
    else:
        sections.append(("本周推送", ["本周无推送。"]))
    sections.append(_weekly_reports(data))
    sections.extend((x.title, x.lines) for x in data.extra)
    text = "\n".join(head + _numbered(sections))
    return Draft(WEEKLY, p, text, chart, section_charts=section_charts(data))


def bottom_units(ranks: Sequence[UnitRank], count: int) -> list[str]:
    """The last `count` units to be called in (约谈), by the rule of `flag_bottom`."""
    flags = flag_bottom([r.points for r in ranks], count)
    return [r.unit for r, flag in zip(ranks, flags, strict=True) if flag]


def compose_monthly(data: BulletinData, bottom: int) -> Draft:
    """The 月度排名: units ranked over the month, the bottom ones flagged 约谈.

    Pushes whose deadline (or first 24 h) has not passed are left out (see `rank_units`).
    """
    p = data.period
    head = [f"【反诈工作月度排名】{data.town} {p.label}"]
    extra = [line for x in data.extra for line in (f"{x.title}：", *x.lines)]
    if not data.reports:
        text = "\n".join([*head, "本月无推送，不排名。", *extra])
        return Draft(MONTHLY, p, text, None, section_charts=section_charts(data))
    ranks = rank_units(data.reports, bottom=bottom, now=data.now)
    counted = [r for r in data.reports if settled(r.push, data.now)]
    flagged = [r.unit for r in ranks if r.flagged]
    pending = len(data.reports) - len(counted)
    lines = [*head, f"本月推送 {len(data.reports)} 期；{_totals_line(data.reports)}"]
    if pending:
        lines.append(f"其中 {pending} 期未到截止时间，不计入排名。")
    lines += [
        f"排名（{SCORE_RULE}；{FLAG_RULE}）：",
        *_rank_lines(ranks, unit_totals(counted)),
    ]
    if flagged:
        lines.append(
            f"按“月度排名、末位约谈”的要求，请镇反诈办约谈：{'、'.join(flagged)}"
            "（主要负责同志和联络员）。"
        )
    else:
        lines.append("本月没有需要约谈的村/单位。")
    lines += extra
    # No unit ranked yet (every push still open): nothing to draw.
    chart = (
        ChartSpec(
            title=f"{data.town}反诈工作月度排名 {p.label}",
            labels=tuple(r.unit for r in ranks),
            series=(("得分", tuple(r.points for r in ranks)),),
            flagged=tuple(flagged),
            flag_note="约谈",
        )
        if ranks
        else None
    )
    return Draft(MONTHLY, p, "\n".join(lines), chart, tuple(flagged), section_charts(data))
