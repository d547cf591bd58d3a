"""Fair ranking: shared ranks for ties, 约谈 only for units strictly behind the rest and only
on pushes past their deadline, and "—" wherever the bot cannot see households' replies."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.cli.report import coverage_text
from bot.clock import SimClock
from bot.domain import texts
from bot.domain.bulletin import BulletinData, compose_daily, compose_monthly
from bot.domain.coverage import (
    SCORE_RULE,
    PushCoverage,
    coverage,
    flag_bottom,
    rank_units,
    settled,
)
from bot.domain.model import Delivery, Mode, Push, UnitTally
from bot.domain.periods import day_period
from bot.runtime import Runtime
from bot.schedule import chart

NOW = datetime.fromisoformat("2026-11-23T09:00:00+08:00")


def report(
    push_id: int,
    units: dict[str, tuple[int, int, int]],
    created: datetime = NOW - timedelta(days=3),
    deadline: datetime | None = None,
    evidence: tuple[str, ...] = (),
) -> PushCoverage:
    """Coverage of a push from (signed/1, delivered/1, acks/10) per unit; `evidence` units'
    groups are screenshot-only, so the bot cannot see their acks."""
    push = Push(push_id, f"第{push_id}期", "正文", created, "office", tuple(units), deadline)
    tallies = [UnitTally(u, 1, s, 1, d, 10, 10 * d, a) for u, (s, d, a) in units.items()]
    deliveries = [
        Delivery(push_id, f"g-{u}", u, Mode.EVIDENCE if u in evidence else Mode.RELAY, "cmd")
        for u in units
    ]
    return coverage(push, tallies, [], deliveries)


def test_ties_share_a_rank_on_the_displayed_score() -> None:
    ranks = rank_units(
        [report(1, {"甲村": (1, 1, 10), "乙村": (1, 1, 5), "丙村": (1, 1, 5), "丁村": (0, 0, 0)})]
    )
    assert [(r.unit, r.rank, r.points) for r in ranks] == [
        ("甲村", 1, 100.0),
        ("丙村", 2, 80.0),
        ("乙村", 2, 80.0),
        ("丁村", 4, 0.0),
    ]


def test_scores_that_print_the_same_are_tied() -> None:
    # 73.32 and 73.34 both print as 73.3: the reader sees a tie, so the ranks tie
    push = Push(1, "第1期", "正文", NOW - timedelta(days=3), "office", ("甲村", "乙村"))
    tallies = [
        UnitTally("甲村", 1, 1, 1, 1, 10000, 10000, 3330),
        UnitTally("乙村", 1, 1, 1, 1, 10000, 10000, 3335),
    ]
    ranks = rank_units([coverage(push, tallies, [], [])])
    assert ranks[0].score != ranks[1].score
    assert [(r.unit, r.rank, r.points) for r in ranks] == [("乙村", 1, 73.3), ("甲村", 1, 73.3)]


def test_flag_only_units_strictly_behind_the_rest() -> None:
    assert flag_bottom([90.0, 80.0, 70.0, 60.0], 2) == [False, False, True, True]
    # the second-last is tied with an unflagged unit: only the last is called in
    assert flag_bottom([90.0, 80.0, 80.0, 70.0], 2) == [False, False, False, True]
    # the two last are tied with each other and behind everyone else: both
    assert flag_bottom([90.0, 80.0, 70.0, 70.0], 2) == [False, False, True, True]
    # three tied at the bottom: none of them is worse than the others
    assert flag_bottom([90.0, 70.0, 70.0, 70.0], 2) == [False] * 4
    assert flag_bottom([50.0] * 5, 2) == [False] * 5
    assert flag_bottom([100.0, 100.0, 100.0], 2) == [False] * 3


def test_monthly_ranking_never_flags_a_unit_tied_with_an_unflagged_one() -> None:
    units = {"甲村": (1, 1, 9), "乙村": (1, 1, 5), "丙村": (1, 1, 5), "丁村": (0, 0, 0)}
    ranks = rank_units([report(1, units)], bottom=2, now=NOW)
    assert [r.unit for r in ranks if r.flagged] == ["丁村"]
    equal = {"甲村": (1, 1, 5), "乙村": (1, 1, 5), "丙村": (1, 1, 5)}
    assert not any(r.flagged for r in rank_units([report(1, equal)], bottom=2, now=NOW))


def test_young_pushes_never_count_towards_a_flag() -> None:
    old = report(1, {"甲村": (1, 1, 9), "乙村": (1, 1, 8), "丙村": (1, 1, 7)})
    bad_for_bing = {"甲村": (1, 1, 9), "乙村": (1, 1, 8), "丙村": (0, 0, 0)}
    no_deadline = report(2, bad_for_bing, created=NOW - timedelta(hours=23))
    open_deadline = report(
        3, bad_for_bing, created=NOW - timedelta(days=2), deadline=NOW + timedelta(hours=1)
    )
    assert not settled(no_deadline.push, NOW) and not settled(open_deadline.push, NOW)
    for young in (no_deadline, open_deadline):
        ranks = rank_units([old, young], bottom=1, now=NOW)
        assert {r.unit: r.pushes for r in ranks} == {"甲村": 1, "乙村": 1, "丙村": 1}
        assert [r.unit for r in ranks if r.flagged] == ["丙村"]  # on the old push alone
        assert ranks[-1].points == 88.0
    # once the deadline (or the first 24 h) has passed, the push counts
    later = NOW + timedelta(hours=2)
    assert settled(no_deadline.push, later) and settled(open_deadline.push, later)
    ranks = rank_units([old, open_deadline], bottom=1, now=later)
    assert ranks[-1].unit == "丙村" and ranks[-1].points == 44.0
    # rankings without flags (day, week) still show work in progress
    assert {r.pushes for r in rank_units([old, no_deadline])} == {2}


def test_unseen_acks_show_a_dash_and_are_never_flagged_on() -> None:
    # 中心小学's parents' group is screenshot-only: 0 acks there are not a failure.
    cov = report(
        1,
        {"甲村": (1, 1, 9), "乙村": (1, 1, 6), "中心小学": (1, 1, 0)},
        evidence=("中心小学",),
    )
    ranks = rank_units([cov], bottom=1, now=NOW)
    school = next(r for r in ranks if r.unit == "中心小学")
    assert school.ack_rate is None and school.points == 100.0 and not school.flagged
    assert [r.unit for r in ranks if r.flagged] == ["乙村"]
    text = texts.ranking(ranks, "month", 1)
    assert SCORE_RULE in text
    assert "中心小学  得分100.0  签收100.0% 送达100.0% 回执—" in text
    assert "乙村  得分84.0  签收100.0% 送达100.0% 回执60.0% ⚠约谈" in text


def _data(reports: tuple[PushCoverage, ...], now: datetime) -> BulletinData:
    return BulletinData("测试镇", day_period(now), reports, (), (), (), (), {}, now)


def test_bulletins_and_charts_show_a_dash_for_unseen_acks() -> None:
    cov = report(1, {"甲村": (1, 1, 9), "中心小学": (1, 1, 0)}, evidence=("中心小学",))
    draft = compose_daily(_data((cov,), NOW))
    assert "1. 中心小学 得分100.0｜签收 1/1｜送达 1/1｜回执 —" in draft.text
    assert SCORE_RULE in draft.text
    assert draft.chart is not None
    acks = dict(draft.chart.series)["回执率"]
    assert acks == (None, 90.0)  # no bar at zero for a metric the bot cannot see
    assert draft.chart.labels == ("中心小学", "甲村")
    assert chart.bar_labels(acks) == ["—", "90"]


def test_monthly_bulletin_leaves_out_young_pushes_and_says_how_it_scores() -> None:
    units = {"甲村": (1, 1, 9), "乙村": (1, 1, 8), "丙村": (1, 1, 7)}
    bad = {"甲村": (1, 1, 9), "乙村": (1, 1, 8), "丙村": (0, 0, 0)}
    now = datetime.fromisoformat("2026-11-01T09:00:00+08:00")
    young = report(2, bad, created=now - timedelta(hours=2), deadline=now + timedelta(days=1))
    old = report(1, units, created=now - timedelta(days=3))
    draft = compose_monthly(_data((old, young), now), bottom=2)
    assert "其中 1 期未到截止时间，不计入排名。" in draft.text
    assert SCORE_RULE in draft.text
    # scores come from the settled push only (丙村 would have 44.0 with the young one)
    assert draft.flagged == ("乙村", "丙村")
    assert "3. 丙村 得分88.0｜签收 1/1｜送达 1/1｜回执 7/10（70.0%） ⚠约谈" in draft.text


async def test_chat_ranking_shares_ranks_and_explains_the_score(rt: Runtime) -> None:
    office = rt.app.org.member("office")
    assert office is not None and isinstance(rt.app.clock, SimClock)
    rt.app.create_push("测试", "反诈测试正文，请注意防范。", office, rt.app.clock.now())
    await rt.app.settle()
    rt.simulator.pop_sent()
    await rt.app.handle(rt.simulator.message("leader", "本月排名", "cmd"))
    await rt.app.settle()
    (answer,) = rt.simulator.pop_sent()
    # the only push is an hour old: the monthly ranking (which may flag 约谈) waits for it
    assert answer.text == "本月的 1 次推送都未到截止时间，暂不排名。"
    await rt.app.handle(rt.simulator.message("leader", "本周排名", "cmd"))
    await rt.app.settle()
    (answer,) = rt.simulator.pop_sent()
    lines = answer.text.splitlines()
    assert lines[0] == f"本周排名（1次推送；{SCORE_RULE}）："
    assert "⚠约谈" not in answer.text
    # nobody signed yet: all four units tie; the school's acks are unseen
    assert [line.split(".")[0] for line in lines[1:]] == ["1", "1", "1", "1"]
    assert any(line.startswith("1. 中心小学") and line.endswith("回执—") for line in lines)


def test_the_terminal_report_shows_a_dash_for_unseen_acks() -> None:
    cov = report(1, {"李家村": (1, 1, 4), "中心小学": (1, 1, 0)}, evidence=("中心小学",))
    rows = [line.split() for line in coverage_text([cov]).splitlines() if line.strip()]
    lines = {row[0]: row for row in rows}
    assert lines["李家村"][-2:] == ["4", "40.0%"]
    assert lines["中心小学"][-2:] == ["—", "—"]
