"""The org file: loading the shipped example, round trips and every validation error."""

from __future__ import annotations

import copy
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.domain.model import Group, Level, Member, Mode, Org, Role
from bot.formats.checks import toml_string
from bot.formats.orgdump import dump_org, org_to_data
from bot.formats.orgfile import OrgError, load_org, parse_org

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "town.toml"
SOURCE = "组织文件 town.toml"


def small() -> dict[str, Any]:
    """A minimal valid org: command, one village with one grid, one unit."""
    return {
        "town": {"name": "演礼镇"},
        "groups": [
            {"id": "zhihui", "name": "演礼镇反诈指挥群", "level": "command"},
            {
                "id": "lijia",
                "name": "李家村反诈宣传群",
                "level": "village",
                "parent": "zhihui",
                "unit": "李家村",
            },
            {
                "id": "lijia-wg1",
                "name": "李家村第一网格群",
                "level": "grid",
                "parent": "lijia",
                "unit": "李家村",
            },
            {
                "id": "xiaoxue",
                "name": "中心小学家校反诈群",
                "level": "unit",
                "parent": "zhihui",
                "unit": "中心小学",
                "mode": "evidence",
            },
        ],
        "members": [
            {
                "name": "郭敏",
                "role": "leader",
                "wechat": "wx_leader",
                "groups": ["zhihui"],
                "phone": "13800138000",
            },
            {
                "name": "王芳",
                "role": "pusher",
                "unit": "李家村",
                "wechat": "wx_wangfang",
                "groups": ["zhihui", "lijia", "lijia-wg1"],
            },
            {
                "name": "李大山",
                "role": "household",
                "unit": "李家村",
                "wechat": "wx_lidashan",
                "groups": ["lijia-wg1"],
            },
        ],
    }


def errors_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(OrgError) as info:
        parse_org(data, SOURCE)
    return info.value.errors


def only_error(data: dict[str, Any]) -> str:
    errors = errors_of(data)
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{SOURCE}：")
    return errors[0]


# --- valid input -----------------------------------------------------------------------


def test_small_org_parses_into_domain_objects() -> None:
    org = parse_org(small())
    assert org.town == "演礼镇"
    assert org.command_group == Group("zhihui", "演礼镇反诈指挥群", Level.COMMAND, None, None)
    assert org.group("xiaoxue") == Group(
        "xiaoxue", "中心小学家校反诈群", Level.UNIT, "zhihui", "中心小学", Mode.EVIDENCE
    )
    assert org.group("lijia") is not None
    assert org.group("lijia").mode is Mode.RELAY  # type: ignore[union-attr]
    assert org.member("wx_wangfang") == Member(
        "王芳", Role.PUSHER, "李家村", "wx_wangfang", ("zhihui", "lijia", "lijia-wg1")
    )
    assert org.member("wx_leader") == Member(
        "郭敏", Role.LEADER, None, "wx_leader", ("zhihui",), "13800138000"
    )


def test_shipped_example_loads_with_the_documented_shape() -> None:
    org = load_org(EXAMPLE)
    levels = Counter(g.level for g in org.groups)
    assert levels[Level.COMMAND] == 1
    assert levels[Level.VILLAGE] == 8
    assert levels[Level.UNIT] == 4
    assert org.command_group.name == "演礼镇反诈指挥群"

    villages_with_grids = {org.group(g.parent) for g in org.groups if g.level is Level.GRID}
    assert len(villages_with_grids) == 2
    assert all(v is not None and v.level is Level.VILLAGE for v in villages_with_grids)

    households = [m for m in org.members if m.role is Role.HOUSEHOLD]
    assert 1100 <= len(households) <= 1300

    pushers_by_unit = Counter(m.unit for m in org.members if m.role is Role.PUSHER)
    for group in org.groups:
        if group.level in (Level.VILLAGE, Level.UNIT):
            assert pushers_by_unit[group.unit] >= 1, group


def test_round_trip_of_the_example_is_exact() -> None:
    org = load_org(EXAMPLE)
    assert parse_org(tomllib.loads(dump_org(org))) == org
    assert dump_org(org) == EXAMPLE.read_text(encoding="utf-8")


def test_round_trip_keeps_awkward_strings() -> None:
    awkward = 'He said "收到"\\ok\n\ttab\r\x01\x7f 🙂'
    org = Org(
        town='演"礼"镇',
        groups=(
            Group("c", awkward, Level.COMMAND, None, None),
            Group("v", "村\\群", Level.VILLAGE, "c", "李家村", Mode.FORWARD),
        ),
        members=(
            Member(awkward.strip(), Role.PUSHER, "李家村", 'wx_"q"', ("c", "v"), "13912345678"),
        ),
    )
    text = dump_org(org)
    assert parse_org(tomllib.loads(text)) == org
    assert tomllib.loads(text) == org_to_data(org)


def test_toml_string_escapes_quotes_backslashes_and_control_characters() -> None:
    assert toml_string('a"b') == '"a\\"b"'
    assert toml_string("a\\b") == '"a\\\\b"'
    assert toml_string("a\nb\x00") == '"a\\nb\\u0000"'
    assert toml_string("中文") == '"中文"'


def test_mode_defaults_to_relay_and_phone_is_optional() -> None:
    org = parse_org(small())
    assert org.group("lijia-wg1") == Group(
        "lijia-wg1", "李家村第一网格群", Level.GRID, "lijia", "李家村", Mode.RELAY
    )
    assert org.member("wx_lidashan").phone is None  # type: ignore[union-attr]


def test_a_bom_from_notepad_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "town.toml"
    path.write_bytes(b"\xef\xbb\xbf" + dump_org(parse_org(small())).encode())
    assert load_org(path) == parse_org(small())


# --- file-level errors -----------------------------------------------------------------


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "town.toml"
    path.write_text('[town]\nname = "演礼镇"\nlevel = \n', encoding="utf-8")
    with pytest.raises(OrgError) as info:
        load_org(path)
    (message,) = info.value.errors
    assert str(path) in message
    assert "第 3 行" in message
    assert "TOML 语法错误" in message


def test_unterminated_string_is_reported_at_end_of_file(tmp_path: Path) -> None:
    path = tmp_path / "town.toml"
    path.write_text('[town]\nname = "演礼镇\n', encoding="utf-8")
    with pytest.raises(OrgError) as info:
        load_org(path)
    assert "town.toml" in str(info.value)
    assert "第 2 行" in str(info.value) or "文件末尾" in str(info.value)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(OrgError, match=r"找不到组织文件 .*nope\.toml"):
        load_org(tmp_path / "nope.toml")


def test_non_utf8_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "town.toml"
    path.write_bytes('[town]\nname = "演礼镇"\n'.encode("gbk"))
    with pytest.raises(OrgError, match="UTF-8"):
        load_org(path)


def test_errors_from_load_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "town.toml"
    path.write_text(dump_org(parse_org(small())).replace('"village"', '"villag"'), "utf-8")
    with pytest.raises(OrgError) as info:
        load_org(path)
    assert info.value.errors == [
        f'组织文件 {path}：第 2 个群（id=lijia）字段 level 的值 "villag" 无效，'
        "应为 command、village、unit、grid 之一"
    ]


# --- one test per kind of problem ------------------------------------------------------


def test_error_is_a_value_error_and_str_joins_all_errors() -> None:
    data = small()
    data["groups"][1]["level"] = "villag"
    data["members"][1]["role"] = "boss"
    with pytest.raises(ValueError) as info:
        parse_org(data, SOURCE)
    error = info.value
    assert isinstance(error, OrgError)
    assert str(error) == "\n".join(error.errors)
    assert len(error.errors) == 2


def test_invalid_level_lists_allowed_values() -> None:
    data = small()
    data["groups"][1]["level"] = "villag"
    assert only_error(data) == (
        f'{SOURCE}：第 2 个群（id=lijia）字段 level 的值 "villag" 无效，'
        "应为 command、village、unit、grid 之一"
    )


def test_invalid_mode_lists_allowed_values() -> None:
    data = small()
    data["groups"][3]["mode"] = "screenshot"
    message = only_error(data)
    assert "第 4 个群（id=xiaoxue）字段 mode" in message
    assert "relay、forward、evidence 之一" in message


def test_invalid_role_lists_allowed_values() -> None:
    data = small()
    data["members"][2]["role"] = "villager"
    message = only_error(data)
    assert "第 3 个成员（李大山）字段 role" in message
    assert "leader、office、supervisor、pusher、household 之一" in message


def test_missing_group_key() -> None:
    data = small()
    del data["groups"][1]["name"]
    assert only_error(data) == f"{SOURCE}：第 2 个群（id=lijia）缺少必填字段 name"


def test_missing_member_key() -> None:
    data = small()
    del data["members"][2]["wechat"]
    assert only_error(data) == f"{SOURCE}：第 3 个成员（李大山）缺少必填字段 wechat"


def test_unknown_group_key_suggests_the_right_one() -> None:
    data = small()
    data["groups"][1]["prent"] = data["groups"][1].pop("parent")
    errors = errors_of(data)
    assert any("第 2 个群（id=lijia）有未知字段 prent（是不是 parent？" in e for e in errors)
    assert any("第 2 个群（id=lijia）缺少必填字段 parent" in e for e in errors)


def test_unknown_member_key() -> None:
    data = small()
    data["members"][0]["mobile"] = "13800138000"
    message = only_error(data)
    assert "第 1 个成员（郭敏）有未知字段 mobile" in message
    assert "phone" in message


def test_unknown_top_level_and_town_keys() -> None:
    data = small()
    data["member"] = []
    data["town"]["county"] = "某县"
    errors = errors_of(data)
    assert any("顶层有未知字段 member（是不是 members？" in e for e in errors)
    assert any("[town] 有未知字段 county" in e for e in errors)


def test_missing_town() -> None:
    data = small()
    del data["town"]
    assert "缺少 [town] 表" in only_error(data)


def test_groups_written_as_a_single_table() -> None:
    data = small()
    data["groups"] = {"id": "zhihui"}
    assert "groups 应写成 [[groups]] 数组表，实际为表" in " ".join(errors_of(data))


def test_wrong_type_for_a_string_field() -> None:
    data = small()
    data["members"][0]["phone"] = 13800138000
    message = only_error(data)
    assert "第 1 个成员（郭敏）字段 phone 的类型应为字符串，实际为整数 13800138000" in message
    assert "引号" in message


def test_wrong_type_for_groups_list() -> None:
    data = small()
    data["members"][2]["groups"] = "lijia-wg1"
    message = only_error(data)
    assert "第 3 个成员（李大山）字段 groups 的类型应为字符串数组" in message
    assert '字符串 "lijia-wg1"' in message


def test_wrong_type_inside_groups_list() -> None:
    data = small()
    data["members"][2]["groups"] = ["lijia-wg1", 7]
    assert "第 3 个成员（李大山）字段 groups 的第 2 项应为非空字符串，实际为整数 7" in (
        only_error(data)
    )


def test_empty_and_padded_strings() -> None:
    data = small()
    data["groups"][1]["name"] = "  "
    data["members"][2]["unit"] = "李家村 "
    errors = errors_of(data)
    assert any("第 2 个群（id=lijia）字段 name 不能为空" in e for e in errors)
    assert any("第 3 个成员（李大山）字段 unit" in e and "首尾不能有空白" in e for e in errors)


def test_no_command_group() -> None:
    data = small()
    data["groups"][0]["level"] = "unit"
    errors = errors_of(data)
    assert any("没有指挥群" in e for e in errors)


def test_two_command_groups() -> None:
    data = small()
    data["groups"].append({"id": "zhihui2", "name": "第二指挥群", "level": "command"})
    message = only_error(data)
    assert "有 2 个指挥群" in message
    assert "id=zhihui" in message and "id=zhihui2" in message


def test_command_group_with_parent() -> None:
    data = small()
    data["groups"][0]["parent"] = "lijia"
    assert "第 1 个群（id=zhihui）是指挥群，不能有字段 parent" in only_error(data)


def test_missing_parent_for_non_command_group() -> None:
    data = small()
    del data["groups"][3]["parent"]
    assert only_error(data) == (
        f"{SOURCE}：第 4 个群（id=xiaoxue）缺少必填字段 parent（只有指挥群可以没有上级群）"
    )


def test_missing_unit_for_non_command_group() -> None:
    data = small()
    del data["groups"][3]["unit"]
    errors = errors_of(data)
    assert any("第 4 个群（id=xiaoxue）缺少必填字段 unit" in e for e in errors)


def test_parent_must_exist() -> None:
    data = small()
    data["groups"][1]["parent"] = "zhihiu"
    assert only_error(data) == (
        f'{SOURCE}：第 2 个群（id=lijia）字段 parent 引用了不存在的群 "zhihiu"'
    )


def test_parent_must_not_be_itself() -> None:
    data = small()
    data["groups"][3]["parent"] = "xiaoxue"
    assert "第 4 个群（id=xiaoxue）字段 parent 不能是它自己" in only_error(data)


def test_cycle_is_reported_once_with_its_chain() -> None:
    data = small()
    data["groups"] += [
        {"id": "a", "name": "A", "level": "village", "parent": "b", "unit": "甲村"},
        {"id": "b", "name": "B", "level": "village", "parent": "c", "unit": "乙村"},
        {"id": "c", "name": "C", "level": "unit", "parent": "a", "unit": "丙单位"},
    ]
    assert only_error(data) == f"{SOURCE}：第 5 个群（id=a）的上级关系形成了环：a → b → c → a"


def test_grid_parent_must_be_village_or_unit() -> None:
    data = small()
    data["groups"][2]["parent"] = "zhihui"
    message = only_error(data)
    assert "第 3 个群（id=lijia-wg1）是网格群，字段 parent 应指向 village 或 unit 级的群" in (
        message
    )
    assert "command 级" in message


def test_groups_cannot_hang_under_a_grid() -> None:
    data = small()
    data["groups"][3]["parent"] = "lijia-wg1"
    assert "第 4 个群（id=xiaoxue）是 unit 级，字段 parent 不能指向网格群" in only_error(data)


def test_grid_unit_must_match_its_parent() -> None:
    data = small()
    data["groups"][2]["unit"] = "中心小学"
    message = only_error(data)
    assert '第 3 个群（id=lijia-wg1）字段 unit 的值 "中心小学"' in message
    assert '上级群 "lijia" 的 unit "李家村" 不一致' in message


def test_duplicate_group_ids() -> None:
    data = small()
    data["groups"].append(
        {"id": "lijia", "name": "重复", "level": "village", "parent": "zhihui", "unit": "李家村"}
    )
    assert (
        only_error(data) == f"{SOURCE}：第 5 个群（id=lijia）字段 id 与第 2 个群（id=lijia）重复"
    )


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


def test_all_errors_are_collected_at_once() -> None:
    data = copy.deepcopy(small())
    data["town"]["nmae"] = "x"
    data["groups"][1]["level"] = "villag"
    data["groups"][2]["parent"] = "nowhere"
    data["groups"][3]["mode"] = "fast"
    data["members"][0]["phone"] = "123"
    data["members"][1]["groups"] = ["zhihui", "lijia2"]
    data["members"][2]["wechat"] = "wx_leader"
    errors = errors_of(data)
    assert len(errors) == 7, errors
    expected = [
        "[town] 有未知字段 nmae",
        "第 2 个群（id=lijia）字段 level",
        "第 3 个群（id=lijia-wg1）字段 parent 引用了不存在的群",
        "第 4 个群（id=xiaoxue）字段 mode",
        "第 1 个成员（郭敏）字段 phone",
        '第 2 个成员（王芳）字段 groups 引用了不存在的群 "lijia2"',
        "第 3 个成员（李大山）字段 wechat",
    ]
    for fragment in expected:
        assert any(fragment in e for e in errors), fragment
    assert all(e.startswith(f"{SOURCE}：") for e in errors)


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
