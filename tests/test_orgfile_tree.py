"""The org file's group tree: exactly one command group, parents that exist and suit the
level, no cycles, unique ids."""

from __future__ import annotations

from tests.orgfile_cases import SOURCE, errors_of, only_error, small


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
