"""Tests for command parsing in the command group."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from bot.commands import COMMAND_NAMES, HELP_TEXT, Command, parse

# (message, expected fields). Fields not listed must keep their defaults.
COMMANDS: list[tuple[str, dict[str, Any]]] = [
    # 帮助
    ("帮助", {"name": "帮助", "explicit": True}),
    ("/帮助", {"name": "帮助", "explicit": True}),
    ("help", {"name": "帮助", "explicit": True}),
    ("HELP", {"name": "帮助", "explicit": True}),
    ("怎么用", {"name": "帮助"}),
    ("机器人怎么用？", {"name": "帮助"}),
    ("有哪些命令", {"name": "帮助"}),
    # 进度
    ("进度", {"name": "进度", "explicit": True}),
    ("进度 #3", {"name": "进度", "push_id": 3, "explicit": True}),
    ("进度＃3", {"name": "进度", "push_id": 3, "explicit": True}),
    ("/进度 #3", {"name": "进度", "push_id": 3, "explicit": True}),
    ("／进度", {"name": "进度", "explicit": True}),
    ("#3进度", {"name": "进度", "push_id": 3, "explicit": True}),
    ("第12期进度", {"name": "进度", "push_id": 12, "explicit": True}),
    ("12号推送进度", {"name": "进度", "push_id": 12, "explicit": True}),
    ("第十二期的进度", {"name": "进度", "push_id": 12}),
    ("查一下今天的进度", {"name": "进度"}),
    ("进度怎么样了", {"name": "进度"}),
    ("进度如何？", {"name": "进度"}),
    ("现在进度多少", {"name": "进度"}),
    ("看看第3期的签收情况", {"name": "进度", "push_id": 3}),
    ("@反诈机器人\u2005进度", {"name": "进度", "explicit": True}),
    ("/查一下进度", {"name": "进度", "explicit": True}),
    # 未签收 / 未转发
    ("未签收", {"name": "未签收", "explicit": True}),
    ("未签收 #3", {"name": "未签收", "push_id": 3, "explicit": True}),
    ("哪些村没签收", {"name": "未签收"}),
    ("谁还没签收", {"name": "未签收"}),
    ("还有谁没签收？", {"name": "未签收"}),
    ("未转发", {"name": "未转发", "explicit": True}),
    ("/未转发 #7", {"name": "未转发", "push_id": 7, "explicit": True}),
    ("哪些村还没转发", {"name": "未转发"}),
    ("现在推送得怎么样了", {"name": "进度", "explicit": False}),
    ("覆盖率多少", {"name": "进度", "explicit": False}),
    ("回执率", {"name": "进度"}),
    ("还有谁没回复", {"name": "未签收", "explicit": False}),
    ("还有谁没转发", {"name": "未转发"}),
    ("第5期哪些村没转发", {"name": "未转发", "push_id": 5}),
    # 催办
    ("催办", {"name": "催办", "explicit": True}),
    ("催办#5", {"name": "催办", "push_id": 5, "explicit": True}),
    ("催一下", {"name": "催办"}),
    ("帮我催一下没签收的", {"name": "催办"}),
    (
        "催办 ＃5 范围：李家村 王家村",
        {"name": "催办", "push_id": 5, "scope": ("李家村", "王家村"), "explicit": True},
    ),
    # 排名
    ("排名", {"name": "排名", "explicit": True}),
    ("排名 本周", {"name": "排名", "period": "week", "explicit": True}),
    ("本月排名", {"name": "排名", "period": "month"}),
    ("月度排名", {"name": "排名", "period": "month"}),
    ("周排名", {"name": "排名", "period": "week"}),
    ("今日排名", {"name": "排名", "period": "day"}),
    ("各村排名", {"name": "排名"}),
    # 日报 / 周报
    ("日报", {"name": "日报", "explicit": True}),
    ("看看日报", {"name": "日报"}),
    ("周报", {"name": "周报", "explicit": True}),
    ("发一下周报", {"name": "周报"}),
    # 查
    ("查 刷单", {"name": "查", "keyword": "刷单", "explicit": True}),
    ("/查 冒充客服", {"name": "查", "keyword": "冒充客服", "explicit": True}),
    ("/查", {"name": "查", "explicit": True}),
    ("查一下刷单的素材", {"name": "查", "keyword": "刷单"}),
    ("查询冒充公检法", {"name": "查", "keyword": "冒充公检法"}),
    ("搜一下养老诈骗相关的内容", {"name": "查", "keyword": "养老诈骗"}),
]


@pytest.mark.parametrize(("text", "expected"), COMMANDS)
def test_parse_commands(text: str, expected: dict[str, Any]) -> None:
    command = parse(text)
    assert command is not None
    defaults = Command(name=expected["name"], raw=text)
    assert command == dataclasses.replace(defaults, **expected)


PUSHES: list[tuple[str, dict[str, Any]]] = [
    ("推送", {}),
    ("/推送", {}),
    ("推送 #3", {"content_id": 3}),
    ("推送＃3", {"content_id": 3}),
    ("推送 第3期", {"content_id": 3}),
    (
        "/推送 #3 范围:李家村,王家村 截止:18:00",
        {"content_id": 3, "scope": ("李家村", "王家村"), "deadline": "18:00"},
    ),
    (
        "推送\n范围：李家村、王家村\n截止：明天18:00\n各位村民请注意：\n近期刷单诈骗高发。",
        {
            "scope": ("李家村", "王家村"),
            "deadline": "明天18:00",
            "body": "各位村民请注意：\n近期刷单诈骗高发。",
        },
    ),
    (
        "推送 范围：李家村 王家村，李家村 截止：11月25日18:00\n正文第一行\n\n正文第二行",
        {
            "scope": ("李家村", "王家村"),
            "deadline": "11月25日18:00",
            "body": "正文第一行\n\n正文第二行",
        },
    ),
    ("推送\n截止：18：00\n正文", {"deadline": "18:00", "body": "正文"}),
    ("推送：各位村民请注意，近期刷单诈骗高发", {"body": "各位村民请注意，近期刷单诈骗高发"}),
    (
        "推送\n测试内容\n范围:李家村,张家村",
        {"scope": ("李家村", "张家村"), "body": "测试内容"},
    ),
    (
        "推送\n只推王家村的测试内容\n范围:王家村\n截止:18:00\n",
        {"scope": ("王家村",), "deadline": "18:00", "body": "只推王家村的测试内容"},
    ),
    (
        "推送\n各位村民：\n截止：目前全镇已有3人被骗\n近期进度排名靠后的村要加强宣传。",
        {"body": "各位村民：\n截止：目前全镇已有3人被骗\n近期进度排名靠后的村要加强宣传。"},
    ),
]


@pytest.mark.parametrize(("text", "expected"), PUSHES)
def test_parse_push(text: str, expected: dict[str, Any]) -> None:
    command = parse(text)
    assert command is not None
    want = Command(name="推送", explicit=True, raw=text, **expected)
    assert command == want
    assert command.push_id is None


NOT_COMMANDS = [
    "今天天气怎么样",
    "我还没回家",
    "收到请回复",
    "",
    "   ",
    # acknowledgements and signatures
    "收到",
    "收到，谢谢",
    "已转发",
    "已签收",
    "签收",
    "签收 #3",
    "签收#3",
    "好的",
    "OK",
    "👍",
    "我们村已经转发了",
    "我们村还没签收",
    "收到，马上催一下",
    # chat that mentions a command word
    "今天进度很快啊",
    "本月排名第一的是李家村",
    "我看了日报，写得很好",
    "周报里的数字不对吧",
    "推送的素材有问题",
    "推送得太晚了",
    "查到骗子了",
    "别催了",
    "怎么又是我们村垫底",
    "大家辛苦了",
    # long notices
    "近期电信诈骗案件高发，我镇反诈工作进度排名靠后，请各村加强宣传，确保每户都收到。",
    "各位村民请注意：\n近期刷单诈骗高发，本月全镇排名靠后。\n请查收并转发。",
    "进度\n今天很快",
]


@pytest.mark.parametrize("text", NOT_COMMANDS)
def test_not_commands(text: str) -> None:
    assert parse(text) is None


def test_free_phrasing_is_short() -> None:
    assert parse("查一下今天的进度") is not None
    assert parse("麻烦帮我查一下今天下午三点以后各村的进度怎么样了") is None


def test_option_lines_are_allowed_after_a_query() -> None:
    command = parse("进度\n截止：18:00")
    assert command is not None
    assert command.name == "进度"
    assert command.deadline == "18:00"


def test_command_is_frozen() -> None:
    command = parse("进度 #3")
    assert command is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        command.name = "排名"  # type: ignore[misc]


def test_raw_is_kept_verbatim() -> None:
    text = "  /进度 ＃3  "
    command = parse(text)
    assert command is not None
    assert command.raw == text


def test_help_text_lists_every_command_and_permissions() -> None:
    for name in COMMAND_NAMES:
        assert name in HELP_TEXT
    for role in ("办公室", "领导", "监督员"):
        assert role in HELP_TEXT
    assert "例" in HELP_TEXT
