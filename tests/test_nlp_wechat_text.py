"""WeChat text as it arrives: the normaliser, quote replies, emoji codes and 接龙 lists,
and the intent a household's 接龙 or quote reply gets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.intent import ReceiptIntent, SignIntent, classify
from bot.domain.model import Group, IncomingMessage, Level, Member, Role
from bot.nlp import is_acknowledgement
from bot.nlp.emoji import ACK_MARK, replace_emoji_codes
from bot.nlp.normalize import fold, join_spaced, normalize_reply
from bot.nlp.quote import split_quote
from bot.nlp.solitaire import parse_solitaire

RULE = "- - - - - - - - - - - - - - -"


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("ＯＫ，收到！", "OK,收到!"),
        ("已閱，謝謝", "已阅,谢谢"),
        ("@李四\u2005收到", "收到"),
        ("收到@王网格员\u2005", "收到"),
        ("@王网格员\u2005@李书记\u2005已阅", "已阅"),
        ("收 到", "收到"),
        ("收 到 了", "收到了"),
        ("已　阅", "已阅"),
        ("好 的 收 到", "好的收到"),
        ("O K", "OK"),
        ("Ｏ Ｋ", "OK"),
        ("收到 谢谢", "收到 谢谢"),
        ("收到 李四", "收到 李四"),
        ("收到 一个 诈骗 电话", "收到一个诈骗电话"),
        ("  收到\n\n谢谢  ", "收到 谢谢"),
    ],
)
def test_normalize_reply(raw: str, folded: str) -> None:
    assert normalize_reply(raw) == folded


def test_fold_and_join_keep_line_breaks() -> None:
    assert fold("#接龍\n１．李四 已讀") == "#接龙\n1.李四 已读"
    assert join_spaced("收 到\n谢 谢") == "收到\n谢谢"
    assert fold("①") == "1"


@pytest.mark.parametrize(
    "text",
    [
        f"「镇反诈办：请大家回复收到」\n{RULE}\n收到了",
        f"「镇反诈办:请大家回复收到」\n{RULE}\n收到了",
        f"「镇反诈办：第一条：不点链接\n第二条：不转账\n请大家回复收到」\n{RULE}\n收到了",
        f"收到了\n{RULE}\n「镇反诈办：请大家回复收到」",
        f"收到了\n{RULE}\n「镇反诈办：第一条：不点链接\n第二条：不转账\n请大家回复收到」",
        "收到了\n「镇反诈办：请大家回复收到」",
        "「镇反诈办：请大家回复收到」\n－ － － － － －\n收到了",
    ],
)
def test_quote_first_or_last_either_colon_multi_line(text: str) -> None:
    split = split_quote(text)
    assert split.reply == "收到了"
    assert split.author == "镇反诈办"
    assert split.quoted is not None and split.quoted.endswith("请大家回复收到")
    assert is_acknowledgement(text)


def test_quote_reply_is_judged_not_the_quote() -> None:
    assert not is_acknowledgement(f"「李四：收到」\n{RULE}\n你收到了吗")
    assert not is_acknowledgement(f"你收到了吗\n{RULE}\n「李四：收到」")
    assert is_acknowledgement(f"「王网格员：收到的扣1」\n{RULE}\n1")
    assert split_quote(f"「王网格员：请转发「反诈十不要」」\n{RULE}\n已转发").reply == "已转发"


@pytest.mark.parametrize(
    ("raw", "replaced"),
    [
        ("[强][OK][抱拳][握手][合十][好的][胜利][玫瑰]", ACK_MARK * 8),
        ("[疑问]", "?"),
        ("[发呆][捂脸]", "  "),
        ("/:strong/:ok/:share/:v/:@)/:rose", ACK_MARK * 6),
        ("/::)收到/:?", " 收到?"),
        ("/::|/::-|/::D", "   "),
    ],
)
def test_emoji_codes(raw: str, replaced: str) -> None:
    assert replace_emoji_codes(raw) == replaced


def test_legacy_code_with_at_sign_is_not_taken_for_a_mention() -> None:
    assert is_acknowledgement("已阅/:@)")
    assert not is_acknowledgement("/:@>")


SOLITAIRE = (
    "#接龙\n反诈宣传已读请接龙\n例：张三 已读\n\n1. 李四 已读\n2、王户1 还没看\n3 赵六 已读"
)


def test_solitaire_parsing() -> None:
    solitaire = parse_solitaire(SOLITAIRE)
    assert solitaire is not None
    assert solitaire.title == "反诈宣传已读请接龙"
    assert solitaire.entries == ("李四 已读", "王户1 还没看", "赵六 已读")
    assert solitaire.asks_for_reading
    assert solitaire.own_entry("王户1") == "还没看"
    assert solitaire.own_entry("王秀英") == "赵六 已读"
    assert solitaire.own_entry(None) == "赵六 已读"
    assert parse_solitaire("请大家接龙") is None
    talk = parse_solitaire("#接龙\n周末讲座报名\n1. 李四")
    assert talk == parse_solitaire("#接龙 周末讲座报名\n(1)李四")
    assert talk is not None and not talk.asks_for_reading


def test_solitaire_acknowledgement_is_the_senders_own_line() -> None:
    assert not is_acknowledgement(SOLITAIRE, sender="王户1")
    assert is_acknowledgement(SOLITAIRE, sender="赵六")
    assert is_acknowledgement(SOLITAIRE)
    names_only = "#接龙\n已读请接龙\n1. 李四\n2. 王户7"
    assert is_acknowledgement(names_only, sender="王户7")
    assert not is_acknowledgement("#接龙\n周末讲座报名\n1. 李四\n2. 王户7", sender="王户7")
    assert not is_acknowledgement("#接龙\n已读请接龙", sender="王户7")
    assert not is_acknowledgement("#接龙\n已读请接龙\n例：张三 已读", sender="张三")


def _message(text: str) -> IncomingMessage:
    return IncomingMessage("m1", datetime(2026, 11, 20, tzinfo=UTC), "wx_w1", text, "g_grid")


GRID = Group("g_grid", "一组户主群", Level.GRID, "g_village", "一组")


def test_household_solitaire_counts_by_its_senders_name() -> None:
    household = Member("王户1", Role.HOUSEHOLD, "一组", "wx_w1")
    assert classify(_message(SOLITAIRE), household, GRID) is None
    assert classify(_message(SOLITAIRE.replace("还没看", "已读")), household, GRID) == (
        ReceiptIntent("g_grid")
    )
    neighbour = Member("赵六", Role.HOUSEHOLD, "一组", "wx_w1")
    assert classify(_message(SOLITAIRE), neighbour, GRID) == ReceiptIntent("g_grid")


def test_pusher_quote_reply_in_traditional_signs_the_quoted_push() -> None:
    pusher = Member("王网格员", Role.PUSHER, "一组", "wx_w1")
    command = Group("g_cmd", "指挥群", Level.COMMAND, None, None)
    text = f"「镇反诈办：【反诈提醒】冒充客服退款」\n{RULE}\n@镇反诈办\u2005已簽收"
    assert classify(_message(text), pusher, command) == SignIntent(
        None, "【反诈提醒】冒充客服退款"
    )
