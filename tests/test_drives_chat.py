"""专项行动 end to end on the sandbox: households' receipts counted once, in their group or
privately; never a message to a household unasked; reminders only to the units behind; the
进度 answer and the 日报/月度排名 section."""

from __future__ import annotations

from datetime import date, timedelta

from bot.clock import SimClock
from bot.context import Context
from bot.domain.drives import Drive, Milestone
from bot.domain.model import MessageKind, Role
from bot.runtime import Runtime
from bot.schedule.bulletins import compose
from bot.schedule.drives import drive_reminders
from tests.chat import say

PHRASES = ("已安装", "已注册", "装好了")
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def new_drive(rt: Runtime, screenshot: bool = True) -> Drive:
    """推广国家反诈中心APP, 11-23..11-30: 50% by the 25th, 75% by the 30th; 王家村 25% by the
    30th. Its announcement in the command group is read here."""
    drive = Drive(
        0,
        "推广国家反诈中心APP",
        PHRASES,
        screenshot,
        date(2026, 11, 23),
        date(2026, 11, 30),
        (Milestone(date(2026, 11, 25), 0.5), Milestone(date(2026, 11, 30), 0.75)),
        (("王家村", (Milestone(date(2026, 11, 30), 0.25),)),),
        created_by="张主任",
    )
    ctx = rt.app.context(rt.app.clock.now())
    stored = rt.app.chat.drives.create(ctx, drive)
    return stored


async def settle(rt: Runtime) -> list[str]:
    await rt.app.settle()
    assert rt.simulator is not None
    return [f"{line.conversation}:{line.text}" for line in rt.simulator.pop_sent()]


def households(rt: Runtime) -> set[str]:
    return {m.wechat for m in rt.app.org.members if m.role is Role.HOUSEHOLD}


async def test_receipts_counted_once_in_group_or_privately(rt: Runtime) -> None:
    drive = new_drive(rt)
    (announce,) = await settle(rt)
    assert announce.startswith("cmd:【专项行动】推广国家反诈中心APP（11月23日—11月30日）")
    assert "自愿" in announce and "“已安装”/“已注册”/“装好了”" in announce
    assert rt.store.audit_log()[0].action == "专项行动"
    sent = []
    for who, text, group in [
        ("lj1_h0", "已安装", "lj1"),
        ("lj1_h0", "装好了", "lj1"),  # the same household again: once
        ("lj1_h1", "還沒裝，過兩天", "lj1"),  # traditional "not yet"
        ("lj1_h2", "装不上怎么办", "lj1"),
        ("lj1_h3", "「张主任：请大家自愿安装」\n- - - - - - - - - - - - - - -\n已安裝✅", "lj1"),
        ("lj2_h0", "收到", "lj2"),  # an ordinary ack is not a drive receipt
        ("wj_h0", "👍已注册", "wj"),
    ]:
        sent += await say(rt, who, text, group)
    assert sent == []  # nothing is ever said in a household group
    private = await say(rt, "wj_h1", "我已经安装好了")
    assert [(s.conversation, s.text) for s in private] == [
        ("wj_h1", "谢谢您的支持！已记下您参加“推广国家反诈中心APP”。")
    ]
    assert await say(rt, "wj_h1", "已注册") == []  # thanked once
    assert rt.store.drive_counts(drive.id) == {"李家村": 2, "王家村": 2}
    receipts = rt.store.drive_receipts(drive.id)
    assert [(r.wechat, r.group_id, r.via) for r in receipts] == [
        ("lj1_h0", "lj1", "文字"),
        ("lj1_h3", "lj1", "文字"),
        ("wj_h0", "wj", "文字"),
        ("wj_h1", None, "文字"),
    ]
    assert rt.store.tips() == []  # "装不上怎么办" is no fraud report


async def test_screenshots_in_group_count_private_ones_stay_questions(rt: Runtime) -> None:
    drive = new_drive(rt)
    await settle(rt)
    shot = {"kind": MessageKind.IMAGE, "data": PNG, "filename": "a.png"}
    assert await say(rt, "wj_h2", "", "wj", **shot) == []
    asked = await say(rt, "wj_h3", "", None, **shot)  # privately: "is this a scam?"
    assert asked[0].conversation == "wj_h3" and asked[0].text.startswith("收到您的截图")
    assert [(r.wechat, r.via) for r in rt.store.drive_receipts(drive.id)] == [("wj_h2", "截图")]
    # A pusher's screenshot privately is still 佐证 for a push.
    await say(rt, "office", "推送 素材1", "cmd")
    await settle(rt)
    await say(rt, "school_p", "收到", "cmd")
    proof = await say(rt, "school_p", "", None, **shot)
    assert "中心小学家长群" in proof[0].text and len(rt.store.evidence(1)) == 1
    await settle(rt)
    assert len(rt.store.drive_receipts(drive.id)) == 1


async def test_no_screenshot_when_the_drive_takes_none(rt: Runtime) -> None:
    drive = new_drive(rt, screenshot=False)
    await settle(rt)
    assert await say(rt, "wj_h2", "", "wj", kind=MessageKind.IMAGE, data=PNG) == []
    assert rt.store.drive_receipts(drive.id) == []


async def test_push_ack_and_drive_receipt_in_one_message(rt: Runtime) -> None:
    drive = new_drive(rt)
    await say(rt, "office", "推送 素材1", "cmd")
    await settle(rt)
    await say(rt, "wj_p", "收到", "cmd")
    await settle(rt)
    assert await say(rt, "wj_h0", "收到，已安装", "wj") == []
    assert await say(rt, "wj_h1", "收到", "wj") == []
    assert rt.store.drive_counts(drive.id) == {"王家村": 1}
    push = rt.store.get_push(1)
    assert push is not None
    acks = {u.unit: u.acks for u in rt.app.coverage(push).units}
    assert acks["王家村"] == 2


async def test_reminders_only_to_units_behind_and_never_to_households(
    rt: Runtime, clock: SimClock
) -> None:
    new_drive(rt)
    await settle(rt)
    await say(rt, "lj1_h0", "已安装", "lj1")
    for i in range(4):
        await say(rt, f"lj2_h{i}", "已安装", "lj2")  # 李家村 5/8: target reached
    clock.advance_to(clock.now().replace(hour=18))
    await drive_reminders(rt.app.context(clock.now()))
    # Day one: 王家村 (0/4) is not behind a 25%-by-the-30th pace yet (0% expected).
    assert await settle(rt) == []
    clock.advance(timedelta(days=1).total_seconds())
    await drive_reminders(rt.app.context(clock.now()))
    await rt.app.settle()
    assert rt.simulator is not None
    (line,) = rt.simulator.pop_sent()
    assert line.conversation == "cmd"
    assert "王家村 0/4户 0.0%（11月30日目标25%）落后" in line.text
    assert "农商银行 0/3户 0.0%（11月25日目标50%）落后" in line.text
    assert "中心小学" in line.text and "李家村" not in line.text  # 李家村 reached 50%
    assert set(line.mentions) == {"wj_p", "bank_p", "school_p"}  # their cadres only
    assert not any(h in line.text for h in ("王户", "职工", "家长"))  # no household named
    assert rt.store.audit_log()[0].detail == "第1项：王家村、农商银行、中心小学"
    # Volunteers bring every unit back on pace: no reminder the next day.
    for who, group in [("wj_h0", "wj"), ("bank_h0", "bank"), ("bank_h1", "bank")]:
        await say(rt, who, "已安装", group)
    for who in ("school_h0", "school_h1"):
        assert await say(rt, who, "已安装") != []  # (evidence group: privately, thanked)
    clock.advance(timedelta(days=1).total_seconds())
    await drive_reminders(rt.app.context(clock.now()))
    assert await settle(rt) == []
    # After the drive has ended nobody is reminded.
    clock.advance(timedelta(days=7).total_seconds())
    await drive_reminders(rt.app.context(clock.now()))
    assert await settle(rt) == []
    assert rt.simulator is not None
    bot = rt.app.config.bot.wechat
    sent_to = {line.conversation for line in rt.simulator.transcript if line.sender == bot}
    assert not sent_to & (households(rt) - {"school_h0", "school_h1"})


async def test_progress_and_bulletins_show_each_unit_against_target(
    rt: Runtime, clock: SimClock
) -> None:
    drive = new_drive(rt)
    await settle(rt)
    for who, group in [("lj1_h0", "lj1"), ("lj2_h1", "lj2"), ("bank_h0", "bank")]:
        await say(rt, who, "已注册", group)
    answer = [line.text for line in await say(rt, "leader", "进度", "cmd")]
    text = answer[-1]
    assert text.startswith("【专项行动】推广国家反诈中心APP（截至11月23日，全镇 3/18户 16.7%）")
    assert "李家村 2/8户 25.0%（11月25日目标50%）进度正常" in text
    assert "农商银行 1/3户 33.3%（11月25日目标50%）进度正常" in text
    assert "王家村 0/4户 0.0%（11月30日目标25%）进度正常" in text
    daily = compose(Context(rt.app, clock.now(), options={}), "日报", previous=False)
    assert "专项行动" in daily.text and "推广国家反诈中心APP：全镇 3/18户" in daily.text
    clock.advance(timedelta(days=9).total_seconds())  # 12-02: the month's ranking
    monthly = compose(Context(rt.app, clock.now(), options={}), "月度排名", previous=True)
    assert "李家村 2/8户 25.0%，未达到最终目标75%" in monthly.text
    assert drive.id == 1


async def test_office_starts_a_drive_in_the_command_group(rt: Runtime) -> None:
    text = "专项行动 推广国家反诈中心APP 回执:已安装、已注册、装好了 目标:25日50%,30日80% 截图"
    (announce,) = await say(rt, "office", text, "cmd")
    assert announce.conversation == "cmd" and "目标：11月25日前50%，11月30日前80%" in announce.text
    (drive,) = rt.store.drives()
    assert (drive.starts, drive.ends, drive.screenshot) == (
        date(2026, 11, 23),
        date(2026, 11, 30),
        True,
    )
    assert drive.created_by == "张主任"
    (bad,) = await say(rt, "leader", "专项行动 再来一项 回执:已安装 目标:30日80%，25日50%", "cmd")
    assert bad.text.startswith("抱歉，目标：“25日50%”应晚于前一个目标")
    private = await say(rt, "leader", "专项行动 推广反诈短信 回执:已订阅 目标:月底30%")
    assert [s.conversation for s in private] == ["cmd", "leader"]
    assert private[1].text == "已发起专项行动第2项“推广反诈短信”，并已通知指挥群。"
    # A pusher's "专项行动" is no command (and households are never told of a drive).
    assert await say(rt, "wj_p", "专项行动 x 回执:已安装 目标:月底80%", "cmd") == []
    assert len(rt.store.drives()) == 2
