"""Deterministic sample rosters: one realistic town for demos, one county for benchmarks.

Everything is drawn from `random.Random(seed)`, so the same seed always gives the same
`Org` (examples/town.toml is `dump_org(generate_town(1))`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from bot.cli.people import People, village_clan
from bot.domain.model import Group, Level, Member, Mode, Org, Role

__all__ = ["generate_county", "generate_town"]

TOWN_NAME = "演礼镇"
COUNTY_NAME = "示例县"
COMMAND_ID = "zhihui"

# Plausible villages/communities of a north-China plain town: (name, group id).
_VILLAGE_POOL: tuple[tuple[str, str], ...] = (
    ("演礼社区", "yanli"),
    ("李家村", "lijia"),
    ("王家坝村", "wangjiaba"),
    ("清河社区", "qinghe"),
    ("河西村", "hexi"),
    ("东庄村", "dongzhuang"),
    ("南坪村", "nanping"),
    ("柳树湾村", "liushuwan"),
    ("石桥村", "shiqiao"),
    ("马家岭村", "majialing"),
    ("杨柳村", "yangliu"),
    ("张家堡村", "zhangjiabu"),
)
# The town seat and the villages the docs use as examples are always present.
_FIXED_VILLAGES = 4
_VILLAGES_PER_TOWN = 8
_GRID_VILLAGES = 2
_GRID_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class _UnitSpec:
    name: str
    id: str
    group_name: str
    mode: Mode
    staff: tuple[int, int]


# The school's group is evidence mode: the pusher forwards to the parents' class groups,
# which the bot cannot join, and proves it with screenshots.
_UNITS: tuple[_UnitSpec, ...] = (
    _UnitSpec("中心小学", "xiaoxue", "中心小学家校反诈群", Mode.EVIDENCE, (45, 60)),
    _UnitSpec("农商银行网点", "nongshang", "农商银行网点反诈群", Mode.FORWARD, (12, 18)),
    _UnitSpec("卫生院", "weishengyuan", "卫生院反诈宣传群", Mode.RELAY, (35, 50)),
    _UnitSpec("派出所", "paichusuo", "派出所反诈宣传群", Mode.RELAY, (15, 25)),
)


def _split(total: int, weights: Sequence[float]) -> list[int]:
    """Integer shares of `total` proportional to `weights`, summing exactly to `total`."""
    scale = total / sum(weights)
    shares = [int(w * scale) for w in weights]
    for i in range(total - sum(shares)):
        shares[i % len(shares)] += 1
    return shares


def _add_village(
    people: People,
    village: str,
    vid: str,
    size: int,
    gridded: bool,
    groups: list[Group],
    cadres: list[Member],
    households: list[Member],
) -> None:
    """A village group, its cadres and households; a gridded village's sit in 2–3 grids."""
    # Residents (万人发案数): the roster holds the households in the groups, about one in
    # three of the village's homes, three people each. No draw from `rng`.
    population = round(size * 9, -1)
    name = f"{village}反诈宣传群"
    groups.append(Group(vid, name, Level.VILLAGE, COMMAND_ID, village, Mode.RELAY, population))
    in_village = [COMMAND_ID, vid]
    cadres.append(people.cadre(Role.SUPERVISOR, village, in_village))  # 网格长
    for _ in range(people.rng.randint(1, 2)):
        cadres.append(people.cadre(Role.PUSHER, village, in_village))  # 网格员
    cadres.append(people.cadre(Role.SUPERVISOR, village, in_village))  # 片警
    clan = village_clan(village)
    if not gridded:
        households.extend(people.households(size, village, vid, clan))
        return
    grid_count = people.rng.randint(2, 3)
    for number, grid_size in enumerate(_split(size, [1.0] * grid_count), start=1):
        gid = f"{vid}-wg{number}"
        grid_name = f"{village}第{_GRID_NUMERALS[number - 1]}网格群"
        groups.append(Group(gid, grid_name, Level.GRID, vid, village))
        # The grid's 网格员 sits in the village group too: that is where they sign.
        cadres.append(people.cadre(Role.PUSHER, village, [COMMAND_ID, vid, gid]))
        households.extend(people.households(grid_size, village, gid, clan))


def generate_town(seed: int = 1) -> Org:
    """A realistic town (演礼镇): 8 villages (2 with grid groups), 4 units, ~1,200 households.

    The command group holds the 2 leaders, 2 office staff and every supervisor and
    pusher. Each village group holds its 网格长 and 片警 (supervisors), 1–2 网格员
    (pushers) and its households — except in gridded villages, where households sit in
    the grid groups (each with its own pusher) and the village group holds the cadres.
    Unit groups hold the 主要领导 (supervisor), the 联络员 (pusher) and staff (households).
    """
    rng = random.Random(seed)
    people = People(rng)
    groups: list[Group] = [Group(COMMAND_ID, f"{TOWN_NAME}反诈指挥群", Level.COMMAND, None, None)]
    cadres: list[Member] = [
        people.cadre(role, None, [COMMAND_ID])
        for role in (Role.LEADER, Role.LEADER, Role.OFFICE, Role.OFFICE)
    ]
    households: list[Member] = []

    optional = range(_FIXED_VILLAGES, len(_VILLAGE_POOL))
    picked = [
        *range(_FIXED_VILLAGES),
        *sorted(rng.sample(optional, _VILLAGES_PER_TOWN - _FIXED_VILLAGES)),
    ]
    villages = [_VILLAGE_POOL[i] for i in picked]
    staff = [rng.randint(*unit.staff) for unit in _UNITS]
    village_total = rng.randint(1150, 1250) - sum(staff)
    # Communities (社区) are denser than villages.
    weights = [
        rng.uniform(0.6, 1.4) * (1.5 if name.endswith("社区") else 1) for name, _ in villages
    ]
    sizes = _split(village_total, weights)
    gridded = set(sorted(range(len(villages)), key=lambda i: -sizes[i])[:_GRID_VILLAGES])

    for index, ((village, vid), size) in enumerate(zip(villages, sizes, strict=True)):
        _add_village(people, village, vid, size, index in gridded, groups, cadres, households)

    for unit, count in zip(_UNITS, staff, strict=True):
        groups.append(
            Group(unit.id, unit.group_name, Level.UNIT, COMMAND_ID, unit.name, unit.mode)
        )
        in_unit = [COMMAND_ID, unit.id]
        cadres.append(people.cadre(Role.SUPERVISOR, unit.name, in_unit))  # 主要领导
        cadres.append(people.cadre(Role.PUSHER, unit.name, in_unit))  # 联络员
        households.extend(people.households(count, unit.name, unit.id))

    return Org(town=TOWN_NAME, groups=tuple(groups), members=tuple(cadres + households))


_TOWN_POOL = (
    "演礼镇", "龙泉镇", "高岗镇", "太安镇", "鱼泉镇", "青石镇", "白马镇", "新店镇",
    "永兴镇", "双河镇", "金山镇", "长乐镇", "三合镇", "桃园镇", "安平镇", "大河镇",
    "凤鸣镇", "石门镇", "兴隆镇", "柳林镇", "临河镇", "东城镇", "西关镇", "南湖镇",
)  # fmt: skip
_PLACE_HEADS = (
    "李家", "王家", "张家", "刘家", "陈家", "杨家", "赵家", "周家", "马家", "郭家", "孙家",
    "胡家", "高家", "何家", "东", "西", "南", "北", "上", "下", "前", "后", "大", "小",
    "清河", "柳树", "石桥", "杏花", "枣园", "新华", "红旗", "丰收", "太平", "长寿",
)  # fmt: skip
_PLACE_TAILS = ("村", "庄", "坝村", "岭村", "湾村", "沟村", "堡村", "营村", "社区")
_COUNTY_UNITS = ("中心小学", "卫生院", "派出所", "农商银行网点")


def _place_names(rng: random.Random, count: int) -> list[str]:
    combos = [head + tail for head in _PLACE_HEADS for tail in _PLACE_TAILS]
    # A city's towns hold more villages than the names above: number the rest (李家2村).
    rounds = 2
    while len(combos) < count:
        combos += [f"{head}{rounds}{tail}" for head in _PLACE_HEADS for tail in _PLACE_TAILS]
        rounds += 1
    return rng.sample(combos, count)


def generate_county(
    seed: int, towns: int = 20, groups_per_town: int = 40, households: int = 200_000
) -> Org:
    """A county-sized org for benchmarks: `towns × groups_per_town` groups, `households`.

    One command group ("县反诈指挥群") roots the tree; each town has a hub group (level
    unit, its `unit` is the town's name: `Level` has no town level) holding the town's
    supervisor and pusher, and under it village and unit groups with one supervisor, one
    pusher and an even share of the households. The command group takes one of the first
    town's slots so the total is exactly `towns × groups_per_town`.
    """
    slots = towns * groups_per_town - 1 - towns
    if towns < 1 or groups_per_town < 2 or slots < towns:
        raise ValueError("每个镇至少要有 2 个群（镇工作群和一个村群）")
    rng = random.Random(seed)
    people = People(rng)
    groups: list[Group] = [Group("county", "县反诈指挥群", Level.COMMAND, None, None)]
    cadres: list[Member] = [
        people.cadre(role, None, ["county"])
        for role in (Role.LEADER, Role.LEADER, Role.OFFICE, Role.OFFICE)
    ]
    leaf_groups: list[Group] = []
    per_town = _split(slots, [1.0] * towns)
    # The first town gives up a slot to the command group.
    per_town.sort()

    for t, leaf_count in enumerate(per_town):
        town = _TOWN_POOL[t % len(_TOWN_POOL)]
        if t >= len(_TOWN_POOL):
            town = f"{town[:-1]}{t // len(_TOWN_POOL) + 1}镇"
        hub = f"t{t:02d}"
        groups.append(Group(hub, f"{town}反诈工作群", Level.UNIT, "county", town))
        cadres.append(people.cadre(Role.SUPERVISOR, town, ["county", hub]))
        cadres.append(people.cadre(Role.PUSHER, town, ["county", hub]))
        unit_count = min(len(_COUNTY_UNITS), leaf_count // 4)
        names = _place_names(rng, leaf_count - unit_count) + list(_COUNTY_UNITS[:unit_count])
        for v, place in enumerate(names):
            gid = f"{hub}-{v:02d}"
            level = Level.UNIT if v >= leaf_count - unit_count else Level.VILLAGE
            unit = f"{town}{place}"
            group = Group(gid, f"{unit}反诈宣传群", level, hub, unit)
            groups.append(group)
            leaf_groups.append(group)
            cadres.append(people.cadre(Role.SUPERVISOR, unit, [hub, gid]))
            cadres.append(people.cadre(Role.PUSHER, unit, [hub, gid]))

    members = cadres
    for group, count in zip(
        leaf_groups, _split(households, [1.0] * len(leaf_groups)), strict=True
    ):
        assert group.unit is not None
        members.extend(people.households(count, group.unit, group.id))
    return Org(town=COUNTY_NAME, groups=tuple(groups), members=tuple(members))
