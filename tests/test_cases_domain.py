"""发案统计, pure: typed values, populations, the three rankings, 约谈 after two months at the
top, 同比 and the 无诈村组 assessment (zero base included)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.domain.cases import (
    SOURCE_ORG,
    SOURCE_ROSTER,
    SOURCE_SET,
    CaseFigure,
    FigureError,
    Population,
    YearOnYear,
    competition_ranks,
    parse_cases,
    parse_loss,
    parse_month,
    populations,
    rank_month,
    shift_month,
    yuan_plain,
    yuan_text,
)
from bot.domain.cases_texts import ranking_lines
from tests.conftest import small_town

UNITS = ("李家村", "王家村", "农商银行")
POPS = {
    "李家村": Population(2000, SOURCE_ORG),
    "王家村": Population(500, SOURCE_SET),
    "农商银行": Population(0, SOURCE_ROSTER),
}


def fig(unit: str, month: str, cases: int, loss_yuan: int = 0) -> CaseFigure:
    return CaseFigure(unit, month, cases, loss_yuan * 100)


def test_typed_values() -> None:
    assert parse_month("2026-11") == parse_month("2026年11月") == "2026-11"
    assert parse_month("2026/3") == parse_month("2026-03-01 00:00:00") == "2026-03"
    assert parse_cases("3") == parse_cases("3起") == 3 and parse_cases("") == 0
    assert parse_loss("1.5万") == parse_loss("1.5万元") == parse_loss("15,000元") == 1_500_000
    assert parse_loss("1234.56") == 123456 and parse_loss("") == 0
    for bad, parse in (
        ("2026-13", parse_month),
        ("十一月", parse_month),
        ("-1", parse_cases),
        ("2.5", parse_cases),
        ("一万", parse_loss),
        ("1.234", parse_loss),
        ("-5元", parse_loss),
    ):
        with pytest.raises(FigureError):
            parse(bad)
    assert yuan_text(1_500_000) == "1.5万元" and yuan_text(86000) == "860元"
    assert [yuan_plain(f) for f in (8_600_000_00, 123456, 150, 0)] == [
        "8600000",
        "1234.56",
        "1.5",
        "0",
    ]
    assert shift_month("2026-01", -1) == "2025-12" and shift_month("2026-11", -12) == "2025-11"


def test_population_sources() -> None:
    org = small_town()
    groups = tuple(replace(g, population=2650) if g.id == "lj" else g for g in org.groups)
    pops = populations(replace(org, groups=groups), {"王家村": 800, "李家村": 1})
    assert pops["李家村"] == Population(2650, SOURCE_ORG)  # the org file wins
    assert pops["王家村"] == Population(800, SOURCE_SET)
    assert pops["农商银行"] == Population(3, SOURCE_ROSTER)  # households in the roster


def test_ranks_and_interview_after_two_months_at_the_top() -> None:
    assert competition_ranks([3, 5, 3, 1]) == [2, 1, 2, 4]
    figures = [
        fig("李家村", "2026-10", 3, 20000),
        fig("王家村", "2026-10", 1, 500),
        fig("李家村", "2026-11", 4, 30000),
        fig("王家村", "2026-11", 2, 1000),
        fig("农商银行", "2026-11", 1, 100),
    ]
    ranking = rank_month(figures, "2026-11", UNITS, POPS)
    assert [r.unit for r in ranking.rows] == ["李家村", "王家村", "农商银行"]
    li, wang, bank = ranking.rows
    assert (li.rank_cases, li.rank_loss) == (1, 1)
    # 万人发案数: 王家村 2/500 = 40 beats 李家村 4/2000 = 20, so 李家村 is not top in all three.
    assert wang.per_10k == 40 and li.per_10k == 20 and bank.per_10k is None
    assert (li.rank_rate, wang.rank_rate) == (2, 1)
    assert not li.top and ranking.interviews == ()
    # With a bigger population for 王家村, 李家村 tops all three in both months: 约谈.
    pops = {**POPS, "王家村": Population(5000, SOURCE_SET)}
    ranking = rank_month(figures, "2026-11", UNITS, pops)
    assert ranking.interviews == ("李家村",)
    # Only one month at the top: flagged as top, not interviewed.
    once = rank_month(figures[2:], "2026-11", UNITS, pops)
    assert once.rows[0].top and once.interviews == ()
    # A month without any figure is not ranked; a missing unit in a month with figures is 0.
    assert not rank_month(figures, "2026-12", UNITS, pops).entered
    assert rank_month(figures, "2026-10", UNITS, pops).rows[-1].cases == 0


def test_year_on_year_and_the_assessment() -> None:
    figures = [
        fig("李家村", "2025-03", 5),
        fig("李家村", "2025-11", 5),
        fig("王家村", "2025-11", 0),
        fig("农商银行", "2025-06", 2),
        fig("李家村", "2026-11", 9),
        fig("王家村", "2026-05", 1),
        fig("农商银行", "2026-11", 1),
    ]
    li, bank, wang = rank_month(figures, "2026-11", UNITS, POPS).rows
    assert li.month_yoy == YearOnYear(9, 5) and li.month_yoy.change == pytest.approx(0.8)
    assert li.ytd_yoy == YearOnYear(9, 10) and li.ytd_yoy.target_met is True  # -10 %: 达标
    assert wang.ytd_yoy == YearOnYear(1, 0) and wang.ytd_yoy.target_met is False
    assert bank.ytd_yoy == YearOnYear(1, 2) and bank.ytd_yoy.target_met is True
    assert YearOnYear(0, 0).target_met is True  # zero base kept at zero
    assert YearOnYear(3, None).target_met is None  # nothing entered last year
    assert YearOnYear(19, 20).target_met is False  # -5 %
    lines = ranking_lines(rank_month(figures, "2026-11", UNITS, POPS))
    assert lines[0] == (
        "2026年11月全镇发案 10 起，经济损失 0元。"
        "按发案数、经济损失、万人发案数排名（第1名为最高）："
    )
    assert lines[1].startswith("1. 李家村：发案 9 起（第1），损失 0元（第1），万人发案 45.00（第")
    assert lines[1].endswith("同比+80%")
    assert "达标 2 个：李家村、农商银行" in lines
    assert "未达标 1 个：王家村（去年同期零发案，今年有发案）" in lines


def test_org_file_population_key() -> None:
    from bot.formats.orgdump import dump_org
    from bot.formats.orgfile import parse_org
    from tests.orgfile_cases import only_error, small

    data = small()
    data["groups"][1]["population"] = 2650
    org = parse_org(data)
    assert org.group("lijia").population == 2650  # type: ignore[union-attr]
    import tomllib

    assert parse_org(tomllib.loads(dump_org(org))) == org
    for value, message in (
        ("2650", "字段 population 应为整数，不要加引号（写成 population = 2650）"),
        (0, "字段 population 应为正整数，实际为 0"),
        (1.5, "字段 population 的类型应为整数"),
    ):
        data["groups"][1]["population"] = value
        assert message in only_error(data)
    data["groups"][1]["population"] = 2650
    data["groups"][2]["population"] = 100
    assert "是 grid 级，不能有字段 population" in only_error(data)
