"""The content library: the shipped items, front-matter errors and search."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.model import Content
from bot.formats.content import ContentError, load_library, parse_item, search

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "content"

GOOD = """+++
id = 1
title = "刷单返利都是骗局"
fraud_types = ["刷单返利"]
audiences = ["全体村民", "青年"]
+++
先垫钱的兼职都是诈骗。拿不准就打 96110。
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def errors_for(tmp_path: Path, text: str, name: str = "001-x.md") -> list[str]:
    path = write(tmp_path, name, text)
    with pytest.raises(ContentError) as info:
        load_library(tmp_path)
    assert all(str(path) in e for e in info.value.errors), info.value.errors
    return info.value.errors


# --- the shipped library ---------------------------------------------------------------


@pytest.fixture(scope="module")
def library() -> list[Content]:
    return load_library(LIBRARY)


def test_shipped_library_loads_sorted_by_id(library: list[Content]) -> None:
    assert len(library) >= 10
    ids = [item.id for item in library]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_shipped_files_are_named_by_id() -> None:
    for path in LIBRARY.glob("*.md"):
        if path.name.lower() == "readme.md":  # the folder's guide, skipped by the loader
            continue
        item = parse_item(path.read_text(encoding="utf-8"), str(path))
        assert path.name.startswith(f"{item.id:03d}-"), path.name


@pytest.mark.parametrize(
    "topic",
    [
        "刷单返利",
        "冒充公检法",
        "虚假投资理财",
        "杀猪盘",
        "冒充客服",
        "网络贷款",
        "冒充熟人领导",
        "国家反诈中心",
        "灵魂八问",
        "游戏交易",
        "养老诈骗",
    ],
)
def test_shipped_library_covers_required_topics(library: list[Content], topic: str) -> None:
    assert search(library, topic), topic


def test_shipped_items_are_phone_sized_and_end_with_a_call_to_action(
    library: list[Content],
) -> None:
    audiences = {"全体村民", "老年人", "学生家长", "青年", "财务人员", "企业职工"}
    for item in library:
        assert 200 <= len(item.body) <= 600, (item.id, len(item.body))
        last_line = item.body.splitlines()[-1]
        assert "96110" in last_line or "110" in last_line, item.id
        assert item.fraud_types, item.id
        assert item.audiences and set(item.audiences) <= audiences, item.id


# --- parsing ---------------------------------------------------------------------------


def test_parse_item_builds_content(tmp_path: Path) -> None:
    text = GOOD.replace("+++\n先", 'media = ["posters/shuadan.png"]\n+++\n\n先')
    write(tmp_path, "001-shuadan.md", text)
    write(tmp_path, "README.md", "# 说明，不是素材\n")
    assert load_library(tmp_path) == [
        Content(
            id=1,
            title="刷单返利都是骗局",
            body="先垫钱的兼职都是诈骗。拿不准就打 96110。",
            fraud_types=("刷单返利",),
            audiences=("全体村民", "青年"),
            media=("posters/shuadan.png",),
        )
    ]


def test_items_are_sorted_by_id_not_file_name(tmp_path: Path) -> None:
    write(tmp_path, "a.md", GOOD.replace("id = 1", "id = 12"))
    write(tmp_path, "b.md", GOOD.replace("id = 1", "id = 3"))
    assert [item.id for item in load_library(tmp_path)] == [3, 12]


def test_missing_front_matter(tmp_path: Path) -> None:
    (message,) = errors_for(tmp_path, "只有正文，没有头部。\n")
    assert "缺少头部信息" in message


def test_unclosed_front_matter(tmp_path: Path) -> None:
    (message,) = errors_for(tmp_path, '+++\nid = 1\ntitle = "x"\n')
    assert "缺少第二行 +++" in message


def test_toml_error_names_file_and_line(tmp_path: Path) -> None:
    (message,) = errors_for(tmp_path, GOOD.replace('title = "刷单返利都是骗局"', "title = 刷单"))
    assert "第 3 行" in message
    assert "TOML 语法错误" in message


def test_missing_key(tmp_path: Path) -> None:
    (message,) = errors_for(tmp_path, GOOD.replace('title = "刷单返利都是骗局"\n', ""))
    assert "缺少必填字段 title" in message


def test_unknown_key(tmp_path: Path) -> None:
    errors = errors_for(tmp_path, GOOD.replace("audiences =", "audience ="))
    assert len(errors) == 2
    assert "头部有未知字段 audience（" in errors[0]
    assert "缺少必填字段 audiences" in errors[1]


def test_wrongly_typed_id(tmp_path: Path) -> None:
    (message,) = errors_for(tmp_path, GOOD.replace("id = 1", 'id = "1"'))
    assert '字段 id 的类型应为整数，实际为字符串 "1"' in message


def test_wrongly_typed_list(tmp_path: Path) -> None:
    (message,) = errors_for(
        tmp_path, GOOD.replace('fraud_types = ["刷单返利"]', 'fraud_types = "刷单返利"')
    )
    assert "字段 fraud_types 的类型应为字符串数组" in message


def test_wrongly_typed_list_item(tmp_path: Path) -> None:
    (message,) = errors_for(tmp_path, GOOD.replace('"青年"]', "3]"))
    assert "字段 audiences 的第 2 项应为非空字符串，实际为整数 3" in message


def test_empty_body(tmp_path: Path) -> None:
    (message,) = errors_for(tmp_path, GOOD.split("+++\n先")[0] + "+++\n\n  \n")
    assert "正文为空" in message


def test_duplicate_ids_name_both_files(tmp_path: Path) -> None:
    first = write(tmp_path, "001-a.md", GOOD)
    second = write(tmp_path, "002-b.md", GOOD)
    with pytest.raises(ContentError) as info:
        load_library(tmp_path)
    (message,) = info.value.errors
    assert "id = 1 重复" in message
    assert str(first) in message and str(second) in message


def test_errors_in_several_files_are_collected(tmp_path: Path) -> None:
    write(tmp_path, "001-a.md", GOOD.replace("id = 1", "id = true"))
    write(tmp_path, "002-b.md", "没有头部")
    write(tmp_path, "003-c.md", GOOD.replace("id = 1", "id = 3"))
    with pytest.raises(ContentError) as info:
        load_library(tmp_path)
    assert len(info.value.errors) == 2
    assert str(info.value) == "\n".join(info.value.errors)
    assert isinstance(info.value, ValueError)


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="找不到素材目录"):
        load_library(tmp_path / "nope")


# --- search ----------------------------------------------------------------------------


def items() -> list[Content]:
    return [
        Content(1, "刷单返利", "垫钱的兼职都是骗局", ("刷单返利",), ("青年",)),
        Content(2, "安装反诈 APP", "国家反诈中心 App 免费", ("综合防范",), ("老年人",)),
        Content(3, "游戏交易", "只走官方平台", ("游戏交易",), ("学生家长",)),
    ]


def test_search_matches_title_body_types_and_audiences() -> None:
    assert [c.id for c in search(items(), "刷单")] == [1]
    assert [c.id for c in search(items(), "官方平台")] == [3]
    assert [c.id for c in search(items(), "综合防范")] == [2]
    assert [c.id for c in search(items(), "学生家长")] == [3]
    assert search(items(), "杀猪盘") == []


def test_search_is_case_insensitive_for_latin() -> None:
    assert [c.id for c in search(items(), "app")] == [2]
    assert [c.id for c in search(items(), "App")] == [2]


def test_search_with_several_keywords_needs_all() -> None:
    assert [c.id for c in search(items(), "  反诈   老年人 ")] == [2]
    assert search(items(), "反诈 青年") == []


def test_blank_search_returns_everything() -> None:
    assert search(items(), "  ") == items()
