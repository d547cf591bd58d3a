"""Deterministic sample rosters: one realistic town for demos, one county for benchmarks.

Everything is drawn from `random.Random(seed)`, so the same seed always gives the same
`Org` (examples/town.toml is `dump_org(generate_town(1))`).
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.model import Group, Level, Member, Mode, Org, Role

__all__ = ["generate_county", "generate_town"]

TOWN_NAME = "演礼镇"
COUNTY_NAME = "示例县"
COMMAND_ID = "zhihui"

# Common surnames with rough relative frequencies; the long tail keeps names varied.
_SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 72),
    ("李", 70),
    ("张", 68),
    ("刘", 55),
    ("陈", 50),
    ("杨", 35),
    ("赵", 30),
    ("黄", 25),
    ("周", 24),
    ("吴", 23),
    ("徐", 16),
    ("孙", 15),
    ("胡", 14),
    ("朱", 14),
    ("高", 13),
    ("林", 12),
    ("何", 12),
    ("郭", 12),
    ("马", 12),
    ("罗", 10),
    ("梁", 9),
    ("宋", 9),
    ("郑", 9),
    ("谢", 8),
    ("韩", 8),
    ("唐", 8),
    ("冯", 8),
    ("于", 7),
    ("董", 7),
    ("程", 6),
    ("曹", 6),
    ("袁", 6),
    ("邓", 6),
    ("许", 6),
    ("傅", 5),
    ("沈", 5),
    ("曾", 5),
    ("彭", 5),
    ("吕", 5),
    ("苏", 5),
    ("卢", 5),
    ("蒋", 5),
    ("蔡", 5),
    ("贾", 4),
    ("丁", 4),
    ("魏", 4),
    ("薛", 4),
    ("叶", 4),
    ("阎", 4),
    ("余", 3),
    ("潘", 3),
    ("杜", 3),
    ("戴", 3),
    ("夏", 3),
    ("钟", 3),
    ("汪", 3),
    ("田", 3),
    ("任", 3),
    ("姜", 3),
    ("范", 3),
    ("方", 3),
    ("石", 3),
    ("姚", 3),
    ("谭", 2),
    ("廖", 2),
    ("邹", 2),
    ("熊", 2),
    ("金", 2),
    ("陆", 2),
    ("郝", 2),
    ("孔", 2),
    ("白", 2),
    ("崔", 2),
    ("康", 2),
    ("毛", 2),
    ("邱", 2),
    ("秦", 2),
    ("江", 2),
    ("史", 2),
    ("顾", 2),
    ("侯", 2),
    ("邵", 2),
    ("孟", 2),
    ("龙", 1),
    ("万", 1),
    ("段", 1),
    ("雷", 1),
    ("钱", 1),
    ("汤", 1),
    ("尹", 1),
    ("黎", 1),
    ("易", 1),
    ("常", 1),
    ("武", 1),
    ("乔", 1),
    ("贺", 1),
    ("赖", 1),
    ("龚", 1),
    ("文", 1),
    ("姬", 1),
)
_SURNAME_NAMES = tuple(s for s, _ in _SURNAMES)
_SURNAME_CUM = tuple(itertools.accumulate(w for _, w in _SURNAMES))
_SURNAME_TOTAL = _SURNAME_CUM[-1]

_GIVEN_CHARS = (
    "建国华明军平伟强文芳秀英兰玉红丽霞娟敏静海林春桂金德志勇永福贵荣生成刚辉杰涛斌鹏磊"
    "燕萍梅琴凤云翠淑素亮宝喜龙东晓雪俊峰超波宏新利民学忠振家斌翔宇浩然婷慧娜丹阳光明"
)

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

_PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "177", "180", "182", "186", "187", "188",
    "189", "191", "199",
)  # fmt: skip


class _People:
    """Draws names, contact ids and phone numbers, unique where they must be."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.wechats: set[str] = set()
        self.phones: set[str] = set()
        self.names_by_unit: dict[str | None, set[str]] = {}

    def raw_name(self, clan: str | None = None) -> str:
        # Hand-rolled instead of rng.choices: this runs 200,000 times for a county.
        random_ = self.rng.random
        if clan is not None and random_() < 0.35:
            surname = clan
        else:
            surname = _SURNAME_NAMES[bisect.bisect(_SURNAME_CUM, random_() * _SURNAME_TOTAL)]
        given = _GIVEN_CHARS[int(random_() * len(_GIVEN_CHARS))]
        if random_() < 0.7:
            given += _GIVEN_CHARS[int(random_() * len(_GIVEN_CHARS))]
        return surname + given

    def name(self, unit: str | None, clan: str | None = None) -> str:
        """A name not yet used in this unit; a suffix only if redrawing keeps colliding."""
        taken = self.names_by_unit.setdefault(unit, set())
        name = self.raw_name(clan)
        for _ in range(3):
            if name not in taken:
                break
            name = self.raw_name(clan)
        base, number = name, 2
        while name in taken:
            name = f"{base}（{number}）"
            number += 1
        taken.add(name)
        return name

    def wechat(self) -> str:
        while True:
            wechat = f"wx_{self.rng.getrandbits(40):010x}"
            if wechat not in self.wechats:
                self.wechats.add(wechat)
                return wechat

    def phone(self) -> str:
        while True:
            phone = self.rng.choice(_PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def cadre(self, role: Role, unit: str | None, groups: Sequence[str]) -> Member:
        return Member(
            name=self.name(unit),
            role=role,
            unit=unit,
            wechat=self.wechat(),
            groups=tuple(groups),
            phone=self.phone(),
        )

    def households(
        self, count: int, unit: str, group_id: str, clan: str | None = None
    ) -> list[Member]:
        groups = (group_id,)
        return [
            Member(self.name(unit, clan), Role.HOUSEHOLD, unit, self.wechat(), groups)
            for _ in range(count)
        ]


def _clan(village: str) -> str | None:
    """李家村 → 李: such villages really are dominated by one surname."""
    if len(village) >= 3 and village[1] == "家" and village[0] in _SURNAME_NAMES:
        return village[0]
    return None


def _split(total: int, weights: Sequence[float]) -> list[int]:
    """Integer shares of `total` proportional to `weights`, summing exactly to `total`."""
    scale = total / sum(weights)
    shares = [int(w * scale) for w in weights]
    for i in range(total - sum(shares)):
        shares[i % len(shares)] += 1
    return shares


def generate_town(seed: int = 1) -> Org:
    """A realistic town (演礼镇): 8 villages (2 with grid groups), 4 units, ~1,200 households.

    The command group holds the 2 leaders, 2 office staff and every supervisor and
    pusher. Each village group holds its 网格长 and 片警 (supervisors), 1–2 网格员
    (pushers) and its households — except in gridded villages, where households sit in
    the grid groups (each with its own pusher) and the village group holds the cadres.
    Unit groups hold the 主要领导 (supervisor), the 联络员 (pusher) and staff (households).
    """
    rng = random.Random(seed)
    people = _People(rng)
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
        groups.append(Group(vid, f"{village}反诈宣传群", Level.VILLAGE, COMMAND_ID, village))
        in_village = [COMMAND_ID, vid]
        cadres.append(people.cadre(Role.SUPERVISOR, village, in_village))  # 网格长
        for _ in range(rng.randint(1, 2)):
            cadres.append(people.cadre(Role.PUSHER, village, in_village))  # 网格员
        cadres.append(people.cadre(Role.SUPERVISOR, village, in_village))  # 片警
        clan = _clan(village)
        if index not in gridded:
            households.extend(people.households(size, village, vid, clan))
            continue
        grid_count = rng.randint(2, 3)
        for number, grid_size in enumerate(_split(size, [1.0] * grid_count), start=1):
            gid = f"{vid}-wg{number}"
            grid_name = f"{village}第{_GRID_NUMERALS[number - 1]}网格群"
            groups.append(Group(gid, grid_name, Level.GRID, vid, village))
            # The grid's 网格员 sits in the village group too: that is where they sign.
            cadres.append(people.cadre(Role.PUSHER, village, [COMMAND_ID, vid, gid]))
            households.extend(people.households(grid_size, village, gid, clan))

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
    people = _People(rng)
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
