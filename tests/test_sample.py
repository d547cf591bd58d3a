"""The sample town and county generators."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bot.cli.sample import generate_county, generate_town
from bot.domain.model import Level, Mode, Org, Role
from bot.formats.orgdump import dump_org, org_to_data
from bot.formats.orgfile import parse_org

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def town() -> Org:
    return generate_town(1)


@pytest.fixture(scope="module")
def county() -> Org:
    return generate_county(7)


def test_town_is_valid_and_deterministic(town: Org) -> None:
    assert parse_org(org_to_data(town)) == town
    assert generate_town(1) == town
    assert generate_town(2) != town


def test_shipped_example_is_generate_town_1(town: Org) -> None:
    shipped = (ROOT / "examples" / "town.toml").read_text(encoding="utf-8")
    assert shipped == dump_org(town), "examples/town.toml is stale: regenerate it"


@pytest.mark.parametrize("seed", [1, 2, 3, 42])
def test_town_shape(seed: int) -> None:
    org = generate_town(seed)
    levels = Counter(g.level for g in org.groups)
    assert levels[Level.COMMAND] == 1
    assert levels[Level.VILLAGE] == 8
    assert levels[Level.UNIT] == 4
    assert org.command_group.name == "演礼镇反诈指挥群"

    grid_parents = Counter(g.parent for g in org.groups if g.level is Level.GRID)
    assert len(grid_parents) == 2
    assert all(2 <= n <= 3 for n in grid_parents.values())

    roles = Counter(m.role for m in org.members)
    assert roles[Role.LEADER] == 2
    assert roles[Role.OFFICE] == 2
    assert 1100 <= roles[Role.HOUSEHOLD] <= 1300


def test_units_have_the_requested_modes(town: Org) -> None:
    modes = {g.unit: g.mode for g in town.groups if g.level is Level.UNIT}
    assert modes == {
        "中心小学": Mode.EVIDENCE,
        "农商银行网点": Mode.FORWARD,
        "卫生院": Mode.RELAY,
        "派出所": Mode.RELAY,
    }


def test_every_supervisor_and_pusher_is_in_the_command_group(town: Org) -> None:
    command = town.command_group.id
    cadres = [m for m in town.members if m.role in (Role.SUPERVISOR, Role.PUSHER)]
    assert cadres
    assert all(command in m.groups for m in cadres)
    assert all(m.phone for m in town.members if m.role is not Role.HOUSEHOLD)


def test_village_cadres(town: Org) -> None:
    for group in town.groups:
        if group.level is not Level.VILLAGE:
            continue
        members = town.members_of(group.id)
        supervisors = [m for m in members if m.role is Role.SUPERVISOR]
        assert len(supervisors) == 2, group  # 网格长 + 片警
        village_pushers = [m for m in members if m.role is Role.PUSHER and len(m.groups) == 2]
        assert 1 <= len(village_pushers) <= 2, group


def test_gridded_villages_keep_households_in_grid_groups(town: Org) -> None:
    grids = [g for g in town.groups if g.level is Level.GRID]
    for village_id in {g.parent for g in grids}:
        assert village_id is not None
        assert not [m for m in town.members_of(village_id) if m.role is Role.HOUSEHOLD]
    for grid in grids:
        members = town.members_of(grid.id)
        pushers = [m for m in members if m.role is Role.PUSHER]
        assert len(pushers) == 1, grid
        assert grid.parent in pushers[0].groups  # signs in the village group
        assert sum(m.role is Role.HOUSEHOLD for m in members) > 20
        assert all(m.unit == grid.unit for m in members)


def test_every_village_and_unit_has_a_pusher_and_households(town: Org) -> None:
    pushers = Counter(m.unit for m in town.members if m.role is Role.PUSHER)
    households = Counter(m.unit for m in town.members if m.role is Role.HOUSEHOLD)
    for unit in town.units:
        assert pushers[unit] >= 1, unit
        assert households[unit] >= 10, unit


def test_unit_groups_hold_leader_liaison_and_staff(town: Org) -> None:
    for group in town.groups:
        if group.level is Level.UNIT:
            roles = Counter(m.role for m in town.members_of(group.id))
            assert roles[Role.SUPERVISOR] == 1
            assert roles[Role.PUSHER] == 1
            assert roles[Role.HOUSEHOLD] >= 10


def test_names_are_unique_within_a_unit_and_look_chinese(town: Org) -> None:
    by_unit = Counter((m.unit, m.name) for m in town.members)
    assert max(by_unit.values()) == 1
    for member in town.members:
        base = member.name.split("（")[0]
        assert 2 <= len(base) <= 3
        assert all("\u4e00" <= ch <= "\u9fff" for ch in base), member.name


def test_contact_ids_and_phones(town: Org) -> None:
    wechats = [m.wechat for m in town.members]
    assert len(set(wechats)) == len(wechats)
    assert all(w.startswith("wx_") and len(w) <= 16 for w in wechats)
    phones = [m.phone for m in town.members if m.phone]
    assert len(set(phones)) == len(phones)


def test_county_shape(county: Org) -> None:
    assert len(county.groups) == 800
    assert sum(g.level is Level.COMMAND for g in county.groups) == 1
    assert county.command_group.name == "县反诈指挥群"
    assert sum(m.role is Role.HOUSEHOLD for m in county.members) == 200_000
    hubs = county.children(county.command_group.id)
    assert len(hubs) == 20
    assert len({h.unit for h in hubs}) == 20


def test_county_is_valid(county: Org) -> None:
    assert parse_org(org_to_data(county)) == county
    per_group = Counter(g for m in county.members if m.role is Role.HOUSEHOLD for g in m.groups)
    assert max(per_group.values()) < 500  # WeChat's group-size cap


def test_county_parameters() -> None:
    org = generate_county(3, towns=3, groups_per_town=5, households=1000)
    assert len(org.groups) == 15
    assert sum(m.role is Role.HOUSEHOLD for m in org.members) == 1000
    assert parse_org(org_to_data(org)) == org


def test_default_county_is_the_benchmark_size() -> None:
    # How long it takes to build is a benchmark figure (bench: county_generate_s), not a test.
    org = generate_county(1)
    assert len(org.groups) == 800
    assert sum(m.role is Role.HOUSEHOLD for m in org.members) == 200_000
