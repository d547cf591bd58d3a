"""回访抽查, the pure part: reproducible per-village samples, sizes, exclusions, 知晓率."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.domain.callbacks import (
    KNOWN,
    UNKNOWN,
    UNREACHABLE,
    Awareness,
    SampleRule,
    awareness,
    draw_sample,
    outcome_of,
    rate_text,
    rule_error,
)
from bot.domain.model import Group, Level, Member, Org, Role


def village_town(sizes: dict[str, int], phoneless: int = 0) -> Org:
    """Villages of the given sizes; the first `phoneless` households of each have no phone."""
    groups = [Group("cmd", "指挥群", Level.COMMAND, None, None)]
    members = [Member("张主任", Role.OFFICE, None, "office", ("cmd",), "13900000000")]
    for v, (village, size) in enumerate(sizes.items()):
        groups.append(Group(f"v{v}", f"{village}村民群", Level.VILLAGE, "cmd", village))
        for i in range(size):
            phone = None if i < phoneless else f"138{v:02d}{i:06d}"
            members.append(
                Member(
                    f"{village}户{i}", Role.HOUSEHOLD, village, f"v{v}_h{i:03d}", (f"v{v}",), phone
                )
            )
    return Org("测试镇", tuple(groups), tuple(members))


TOWN = village_town({"李家村": 40, "王家村": 12, "农商银行": 3}, phoneless=2)
UNITS = ("李家村", "王家村", "农商银行")


def test_same_seed_and_roster_give_the_same_sample() -> None:
    rule = SampleRule(per_village=5)
    first = draw_sample(TOWN, UNITS, rule, 42, ())
    again = draw_sample(TOWN, UNITS, rule, 42, ())
    assert first == again
    other = draw_sample(TOWN, UNITS, rule, 43, ())
    assert [c.wechat for c in other.calls] != [c.wechat for c in first.calls]
    # The roster's member order does not matter; another village in the round changes nothing.
    shuffled = replace(TOWN, members=tuple(reversed(TOWN.members)))
    assert draw_sample(shuffled, UNITS, rule, 42, ()).calls == first.calls
    alone = draw_sample(TOWN, ("王家村",), rule, 42, ())
    assert [c.wechat for c in alone.calls] == [c.wechat for c in first.calls if c.unit == "王家村"]
    assert [c.ord for c in first.calls] == list(range(len(first.calls)))
    assert first.calls[0].groups == "李家村村民群" and first.calls[0].phone.startswith("138")


def test_sizes_per_village_count_percent_min_and_max() -> None:
    def sizes(rule: SampleRule) -> dict[str, int]:
        sample = draw_sample(TOWN, UNITS, rule, 7, ())
        return {u: sum(c.unit == u for c in sample.calls) for u in UNITS}

    # Eligible (with a phone): 李家村 38, 王家村 10, 农商银行 1.
    assert sizes(SampleRule(per_village=5)) == {"李家村": 5, "王家村": 5, "农商银行": 1}
    assert sizes(SampleRule(per_village=None, percent=10)) == {
        "李家村": 4,
        "王家村": 1,
        "农商银行": 1,
    }
    assert sizes(SampleRule(per_village=None, percent=10, minimum=3, maximum=3)) == {
        "李家村": 3,
        "王家村": 3,
        "农商银行": 1,
    }
    assert sizes(SampleRule(per_village=None, percent=50, maximum=8)) == {
        "李家村": 8,
        "王家村": 5,
        "农商银行": 1,
    }


def test_households_without_phone_and_recently_drawn_are_skipped_and_counted() -> None:
    rule = SampleRule(per_village=50)
    first = draw_sample(TOWN, ("王家村",), rule, 1, ())
    assert len(first.calls) == 10 and first.no_phone == 2 and first.recent == 0
    assert first.skips["王家村"].households == 12
    recent = {c.wechat for c in first.calls[:4]}
    second = draw_sample(TOWN, ("王家村",), rule, 1, recent)
    assert second.recent == 4 and second.no_phone == 2
    assert not recent & {c.wechat for c in second.calls} and len(second.calls) == 6


def test_rule_errors_are_chinese() -> None:
    assert rule_error(SampleRule()) == ""
    assert "每村抽取户数" in rule_error(SampleRule(per_village=0))
    assert "比例" in rule_error(SampleRule(per_village=None, percent=120))
    assert "抽取户数或抽取比例" in rule_error(SampleRule(per_village=None))
    assert "最多户数" in rule_error(SampleRule(minimum=5, maximum=2))
    assert "排除天数" in rule_error(SampleRule(exclude_days=-1))
    assert SampleRule(per_village=None, percent=10, minimum=2, maximum=8).describe() == (
        "每村 10%（至少 2 户，至多 8 户），排除近 30 天已抽到的户"
    )


@pytest.mark.parametrize(
    ("typed", "outcome"),
    [
        ("知晓", KNOWN),
        (" 知道 ", KNOWN),
        ("不 知道", UNKNOWN),
        ("不知晓", UNKNOWN),
        ("联系不上", UNREACHABLE),
        ("空号", UNREACHABLE),
        ("也许", None),
    ],
)
def test_outcome_words(typed: str, outcome: str | None) -> None:
    assert outcome_of(typed) == outcome


def test_awareness_excludes_unreachable() -> None:
    sample = draw_sample(TOWN, ("李家村", "王家村"), SampleRule(per_village=5), 3, ())
    outcomes = [KNOWN, KNOWN, KNOWN, UNKNOWN, UNREACHABLE, UNREACHABLE, UNREACHABLE, "", "", ""]
    calls = [replace(c, outcome=o) for c, o in zip(sample.calls, outcomes, strict=True)]
    li, wang = awareness(calls, ("李家村", "王家村"))
    assert (li.known, li.unknown, li.unreachable, li.pending, li.rate) == (3, 1, 1, 0, 0.75)
    assert (wang.unreachable, wang.pending, wang.rate) == (2, 3, None)
    assert rate_text(li) == "75%（知晓 3、不知晓 1、无法联系 1）"
    assert rate_text(wang) == "无有效回访（知晓 0、不知晓 0、无法联系 2、未回访 3）"
    assert Awareness("x", 3, 2, 1, 0).rate == pytest.approx(2 / 3)
