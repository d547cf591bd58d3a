"""The org file's members: unique contact ids, groups that exist, units, phone numbers, and
rosters as towns write them (town bodies without groups, issue 8)."""

from __future__ import annotations

import tomllib
from typing import Any

from bot.formats.orgdump import dump_org
from bot.formats.orgfile import parse_org
from tests.orgfile_cases import SOURCE, only_error, small


def test_duplicate_wechat_ids() -> None:
    data = small()
    data["members"][2]["wechat"] = "wx_wangfang"
    assert only_error(data) == (
        f'{SOURCE}：第 3 个成员（李大山）字段 wechat 的值 "wx_wangfang" 与第 2 个成员（王芳）重复'
    )


def test_member_groups_must_exist() -> None:
    data = small()
    data["members"].append(
        {
            "name": "王芳",
            "role": "household",
            "unit": "李家村",
            "wechat": "wx_wf2",
            "groups": ["lijia2"],
        }
    )
    assert (
        only_error(data) == f'{SOURCE}：第 4 个成员（王芳）字段 groups 引用了不存在的群 "lijia2"'
    )


def test_member_groups_listed_twice() -> None:
    data = small()
    data["members"][2]["groups"] = ["lijia-wg1", "lijia-wg1"]
    assert '第 3 个成员（李大山）字段 groups 重复列出了群 "lijia-wg1"' in only_error(data)


def test_unit_required_for_supervisor_pusher_household() -> None:
    for index in (1, 2):
        data = small()
        del data["members"][index]["unit"]
        message = only_error(data)
        assert "缺少必填字段 unit" in message
        assert data["members"][index]["name"] in message


def test_leader_needs_no_unit() -> None:
    assert parse_org(small()).member("wx_leader").unit is None  # type: ignore[union-attr]


def test_member_unit_must_belong_to_some_group() -> None:
    data = small()
    data["members"][2]["unit"] = "李家"
    assert only_error(data) == (
        f'{SOURCE}：第 3 个成员（李大山）字段 unit 的值 "李家" '
        "不是任何群的 unit（是不是 李家村？）"
    )


def test_invalid_phone() -> None:
    for phone in ("1380013800", "23800138000", "138-0013-800", "138001380001"):
        data = small()
        data["members"][0]["phone"] = phone
        message = only_error(data)
        assert f'第 1 个成员（郭敏）字段 phone 的值 "{phone}" 不是有效的手机号' in message


def test_pusher_must_be_in_a_non_command_group() -> None:
    data = small()
    data["members"][1]["groups"] = ["zhihui"]
    message = only_error(data)
    assert "第 2 个成员（王芳）是推送员（pusher）" in message
    assert "groups" in message


# --- rosters as towns write them (issue 8) ------------------------------------------------


def _town_bodies() -> dict[str, Any]:
    """The small org plus town staff in bodies without groups and a 片警 of the 派出所."""
    data = small()
    town_staff = [
        ("党委书记", "leader", "镇党委", "wx_sj"),
        ("镇长", "leader", "镇政府", "wx_zz"),
        ("综治专干", "office", "镇综治中心", "wx_zz2"),
        ("平安办主任", "office", "平安办", "wx_pa"),
    ]
    for name, role, unit, wechat in town_staff:
        entry = {"name": name, "role": role, "unit": unit, "wechat": wechat}
        data["members"].append({**entry, "groups": ["zhihui"]})
    data["members"].append(
        {"name": "办事员", "role": "office", "wechat": "wx_bs", "groups": ["zhihui"]}
    )
    data["members"].append(
        {
            "name": "片警老赵",
            "role": "supervisor",
            "unit": "派出所",
            "wechat": "wx_pj",
            "groups": ["zhihui", "lijia"],
        }
    )
    return data


def test_town_bodies_without_groups_are_accepted_for_leaders_office_and_police() -> None:
    org = parse_org(_town_bodies(), SOURCE)
    units = {m.wechat: m.unit for m in org.members}
    assert units["wx_sj"] == "镇党委" and units["wx_pa"] == "平安办" and units["wx_bs"] is None
    assert units["wx_pj"] == "派出所"
    # Only units with groups are units of the tree (what coverage counts).
    assert org.units == ("李家村", "中心小学")
    # The dump reads back to the same roster.
    assert parse_org(tomllib.loads(dump_org(org)), SOURCE) == org


def test_a_town_body_is_not_a_place_for_pushers_or_households() -> None:
    data = _town_bodies()
    data["members"][1]["unit"] = "派出所"
    assert only_error(data).startswith(
        f'{SOURCE}：第 2 个成员（王芳）字段 unit 的值 "派出所" 不是任何群的 unit'
    )


def test_a_body_supervisor_must_serve_some_village_through_groups() -> None:
    data = _town_bodies()
    data["members"][-1]["groups"] = ["zhihui"]
    assert only_error(data) == (
        f'{SOURCE}：第 9 个成员（片警老赵）是监督员，所属单位 "派出所" 没有自己的群，'
        "字段 groups 必须至少包含一个所服务的村、单位或网格群"
    )


def test_a_typo_of_a_village_is_not_taken_for_a_town_body() -> None:
    data = _town_bodies()
    data["members"][-1]["unit"] = "李家"  # close to 李家村
    assert "不是任何群的 unit（是不是 李家村？）" in only_error(data)
    data["members"][-1]["unit"] = "王家村"  # a village needs a group of its own
    assert '"王家村" 是村（社区）名，但没有任何群的 unit 是它' in only_error(data)


def test_phone_digits_must_be_ascii() -> None:
    data = small()
    data["members"][0]["phone"] = "１３８００１３８０００"  # full-width: converted to ASCII
    assert parse_org(data).member("wx_leader").phone == "13800138000"  # type: ignore[union-attr]
    for phone in ("١٣٨٠٠١٣٨٠٠٠", "1٣8001380००"):
        data["members"][0]["phone"] = phone
        message = only_error(data)
        assert f'第 1 个成员（郭敏）字段 phone 的值 "{phone}" 含有非 ASCII 数字' in message
