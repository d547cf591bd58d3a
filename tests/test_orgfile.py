"""The org file: loading the shipped example, round trips and file-level errors."""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path

import pytest

from bot.domain.model import Group, Level, Member, Mode, Org, Role
from bot.formats.checks import toml_string
from bot.formats.orgdump import dump_org, org_to_data
from bot.formats.orgfile import OrgError, load_org, parse_org
from tests.orgfile_cases import small

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "town.toml"


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
