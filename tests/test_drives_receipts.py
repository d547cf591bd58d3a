"""专项行动 receipts: what counts as "I installed it" (traditional, emoji, quote replies) and
what does not ("还没装", "装不上", questions, plain "收到")."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.drives import (
    BEHIND,
    MISSED,
    ON_PACE,
    REACHED,
    Drive,
    DriveError,
    Milestone,
    is_drive_receipt,
    pace,
    parse_overrides,
    parse_targets,
    phrase_verbs,
    split_phrases,
    unit_progress,
)

PHRASES = ("已安装", "已注册", "装好了")
QUOTE = "「张主任：请大家自愿下载国家反诈中心APP」\n- - - - - - - - - - - - - - -\n"


@pytest.mark.parametrize(
    "text",
    [
        "已安装",
        "已经安装了",
        "安装好了",
        "装好了",
        "已注册",
        "注册成功",
        "已安裝",  # traditional
        "已註冊",
        "我家已注册👍",
        "✅已安装",
        "[强]已安装",
        "已下载安装",
        "全家都安装了",
        "老人还没装，我已安装",
        "装好了，就是不太会用",
        "@反诈助手 已安装",
        QUOTE + "已安装",
        "已安装" + "\n- - - - - - - - - - - - - - -\n「张主任：还没装的抓紧」",
        "收到，已安装",
    ],
)
def test_receipts_that_count(text: str) -> None:
    assert is_drive_receipt(text, PHRASES)


@pytest.mark.parametrize(
    "text",
    [
        "收到",
        "👍",
        "[强]",
        "收到，会注意的",
        "还没装",
        "没安装",
        "還沒裝",  # traditional
        "装不上",
        "安装不了",
        "注册不了",
        "安装失败",
        "没装好",
        "还没有注册",
        "不想装",
        "明天装",
        "打算安装",
        "怎么安装？",
        "已安装？",
        "装好了吗",
        "安装了吗",
        "装了没",
        "请大家安装",
        QUOTE + "还没装😅",
        QUOTE + "收到",  # the quoted notice's words are not the reply
        "",
    ],
)
def test_receipts_that_do_not_count(text: str) -> None:
    assert not is_drive_receipt(text, PHRASES)


def test_phrase_verbs_and_checks() -> None:
    assert phrase_verbs(PHRASES) == ("安装", "注册", "装")
    assert split_phrases("已安装、已注册，装好了 已安装") == PHRASES
    with pytest.raises(DriveError, match="只有语气词"):
        split_phrases("好了")
    with pytest.raises(DriveError, match="回执用语"):
        split_phrases("  ")


def test_targets_are_read_and_checked() -> None:
    start, end = date(2026, 12, 1), date(2026, 12, 31)
    assert parse_targets("15日50%，月底80%", start, end) == (
        Milestone(date(2026, 12, 15), 0.5),
        Milestone(date(2026, 12, 31), 0.8),
    )
    assert parse_targets("12月10日:30%；2026-12-31 100%", start, end)[1].rate == 1.0
    for bad, needle in [
        ("15日", "看不懂"),
        ("月底80%，15日50%", "应晚于"),
        ("15日150%", "1% 到 100%"),
        ("1月5日50%", "不在行动期间"),
        ("2月30日50%", "日期不存在"),
    ]:
        with pytest.raises(DriveError, match=needle):
            parse_targets(bad, start, end)
    units = ["李家村", "王家村"]
    over = parse_overrides("王家村：15日40%，月底70%\n\n李家村 月底90%", units, start, end)
    assert [u for u, _ in over] == ["王家村", "李家村"] and over[1][1][0].rate == 0.9
    with pytest.raises(DriveError, match=r"第1行.*没有“张家村”"):
        parse_overrides("张家村：月底50%", units, start, end)
    with pytest.raises(DriveError, match=r"分村目标第2行（王家村）"):
        parse_overrides("李家村：月底50%\n王家村：月底500%", units, start, end)


def test_pace_and_status() -> None:
    ms = (Milestone(date(2026, 12, 15), 0.5), Milestone(date(2026, 12, 31), 0.8))
    start = date(2026, 12, 1)
    assert pace(ms, start, date(2026, 12, 1)) == 0
    assert pace(ms, start, date(2026, 12, 8)) == pytest.approx(0.25)
    assert pace(ms, start, date(2026, 12, 15)) == pytest.approx(0.5)
    assert pace(ms, start, date(2026, 12, 23)) == pytest.approx(0.65)
    drive = Drive(
        1,
        "推广国家反诈中心APP",
        PHRASES,
        True,
        start,
        date(2026, 12, 31),
        ms,
        (("王家村", (Milestone(date(2026, 12, 31), 0.4),)),),
    )
    homes = {"李家村": 10, "王家村": 10, "中心小学": 0}
    counts = {"李家村": 2, "王家村": 2}
    got = {p.unit: p for p in unit_progress(drive, homes, counts, date(2026, 12, 8))}
    assert set(got) == {"李家村", "王家村"}  # a unit without households is left out
    assert got["李家村"].status == BEHIND and got["李家村"].target == ms[0]
    assert got["王家村"].status == ON_PACE  # its own, lower target
    done = unit_progress(drive, homes, {"李家村": 6, "王家村": 4}, date(2026, 12, 15))
    assert [p.status for p in done] == [REACHED, REACHED]
    late = unit_progress(drive, homes, {"李家村": 7, "王家村": 4}, date(2027, 1, 1))
    assert [p.status for p in late] == [MISSED, REACHED]
