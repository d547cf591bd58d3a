"""The org file: one test per kind of field problem (values, keys, types, blanks), and all
problems reported at once."""

from __future__ import annotations

import copy

import pytest

from bot.formats.orgfile import OrgError, parse_org
from tests.orgfile_cases import SOURCE, errors_of, only_error, small


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
    assert "relay、forward、evidence、task 之一" in message


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
