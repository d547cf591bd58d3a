"""Who hears of a tip, worked out for every unit at once: the same people in the same order
as asking unit by unit (its supervisors, then the supervisors in its groups; 片警 first)."""

from __future__ import annotations

from bot.cli.sample import generate_county, generate_town
from bot.domain.desk import is_police, tip_recipients
from bot.domain.followup import supervisors_of
from bot.domain.model import Level, Member, Org, Role


def _one_unit(org: Org, unit: str | None) -> list[Member]:
    # The rule read unit by unit, as tip_recipients worked it out before.
    people = supervisors_of(org, [unit]) if unit else []
    served = {g.id for g in org.groups if g.level is not Level.COMMAND and g.unit == unit}
    known = {m.wechat for m in people}
    people += [
        m
        for m in org.with_role(Role.SUPERVISOR)
        if m.wechat not in known and served.intersection(m.groups)
    ]
    people.sort(key=lambda m: not is_police(m, org))
    return people or [m for m in org.members if m.role is Role.OFFICE]


def test_tip_recipients_of_every_unit_match_the_unit_by_unit_rule() -> None:
    police = 0  # 片警 serving villages through their groups
    for org in (generate_town(1), generate_county(1, towns=3, groups_per_town=8, households=600)):
        units = {m.unit for m in org.members} | {g.unit for g in org.groups} | {"外镇"}
        police += sum(is_police(m, org) for m in org.with_role(Role.SUPERVISOR))
        for unit in units:
            got = [m.wechat for m in tip_recipients(org, unit)]
            assert got == [m.wechat for m in _one_unit(org, unit)], unit
            assert got
    assert police
