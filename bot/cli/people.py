"""Made-up people for the sample rosters, drawn from a `random.Random`.

Names follow the rough frequencies of common surnames (and a village named after a family,
李家村, is mostly 李); contact ids and phone numbers are unique across one roster.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence

from bot.domain.model import Member, Role

__all__ = ["People", "village_clan"]

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


_PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "177", "180", "182", "186", "187", "188",
    "189", "191", "199",
)  # fmt: skip


class People:
    """Draws names, contact ids and phone numbers, unique where they must be."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.wechats: set[str] = set()
        self.phones: set[str] = set()
        self.names_by_unit: dict[str | None, set[str]] = {}

    def raw_name(self, clan: str | None = None) -> str:
        """A surname and a one- or two-character given name; may repeat."""
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
        """A contact id not drawn before."""
        while True:
            wechat = f"wx_{self.rng.getrandbits(40):010x}"
            if wechat not in self.wechats:
                self.wechats.add(wechat)
                return wechat

    def phone(self) -> str:
        """A mobile number not drawn before."""
        while True:
            phone = self.rng.choice(_PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def cadre(self, role: Role, unit: str | None, groups: Sequence[str]) -> Member:
        """A leader, office staff, supervisor or pusher, with a phone number."""
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
        """`count` households of one group (no phone numbers)."""
        groups = (group_id,)
        return [
            Member(self.name(unit, clan), Role.HOUSEHOLD, unit, self.wechat(), groups)
            for _ in range(count)
        ]


def village_clan(village: str) -> str | None:
    """李家村 → 李: such villages really are dominated by one surname."""
    if len(village) >= 3 and village[1] == "家" and village[0] in _SURNAME_NAMES:
        return village[0]
    return None
