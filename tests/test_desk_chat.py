"""The safety desk end to end on the sandbox: tips from household groups reach the 片警 and
网格长 privately (urgent when money moved), nothing is said in the group; a household's
private "这是不是诈骗" gets library items and 96110/110."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.clock import SimClock
from bot.config import Config
from bot.domain.model import Member, MessageKind, Org, Role
from bot.runtime import Runtime, build
from tests.chat import say
from tests.conftest import small_town


def police_town() -> Org:
    """The small town with a 片警 of the 派出所 sitting in 李家村's and 王家村's groups."""
    town = small_town()
    police = Member("赵警官", Role.SUPERVISOR, "派出所", "police", ("cmd", "lj", "lj1", "wj"))
    return replace(town, members=(*town.members, police))


@pytest.fixture
async def prt(config: Config, clock: SimClock) -> AsyncIterator[Runtime]:
    runtime = build(config, clock, org=police_town())
    yield runtime
    runtime.store.close()
    assert runtime.simulator is not None
    assert not runtime.simulator.unread


async def test_urgent_tip_goes_privately_to_police_first(prt: Runtime) -> None:
    sent = await say(prt, "lj1_h0", "我被骗了，刚转了5000元给一个自称公安的人", "lj1")
    assert [line.conversation for line in sent] == ["police", "lj_sup", "lj1_h0"]
    assert all(line.conversation != "lj1" for line in sent)
    to_police = sent[0].text
    assert to_police.startswith("【线索·紧急】第1条 已被骗")
    assert "李一户0" in to_police and "李家村·李家村一网格群" in to_police
    assert "转了5000元" in to_police and "/tips/1" in to_police
    assert "110" in sent[2].text and "96110" in sent[2].text
    tip = prt.store.get_tip(1)
    assert tip is not None and tip.urgent and tip.status == "新" and tip.unit == "李家村"
    audit = prt.store.audit_log()
    assert audit[0].action == "线索" and "第1条（紧急·已被骗）" in audit[0].detail


async def test_plain_tip_is_not_urgent_and_household_hears_nothing(prt: Runtime) -> None:
    sent = await say(prt, "wj_h1", "接到一个冒充公安的电话", "wj")
    assert [line.conversation for line in sent] == ["police"]
    assert sent[0].text.startswith("【线索】第1条 冒充公检法")
    tip = prt.store.get_tip(1)
    assert tip is not None and not tip.urgent


async def test_chat_ack_and_quoted_notice_make_no_tip(prt: Runtime) -> None:
    sent = await say(prt, "office", "推送 素材2", "cmd")
    assert sent
    for line in (
        "收到，会注意的",
        "骗子真多",
        "大家注意冒充公安的电话",
        "对方自称“公安局”“检察院”“法院”的工作人员，能准确说出你的姓名、身份证号，"
        "说你的银行卡涉嫌洗钱",
    ):
        assert await say(prt, "lj1_h1", line, "lj1") == []
    assert prt.store.tips() == []


async def test_private_question_gets_library_items_and_hotlines(prt: Runtime) -> None:
    sent = await say(prt, "lj2_h2", "有人打电话说是公安局的，说我涉嫌洗钱，这是不是诈骗？")
    assert [line.conversation for line in sent] == ["lj2_h2"]
    answer = sent[0].text
    assert "《“警察”打电话说你涉案？先挂电话》" in answer
    assert "公检法机关不会通过电话" in answer
    assert "96110" in answer and "110" in answer
    assert prt.store.tips() == []


async def test_private_link_and_screenshot_get_answers(prt: Runtime) -> None:
    link = "刷单点赞日结300元，宝妈在家轻松赚\nhttps://example.com/job?id=1"
    sent = await say(prt, "wj_h2", link, kind=MessageKind.LINK)
    assert "刷单返利" in sent[0].text and "96110" in sent[0].text
    shot = await say(prt, "wj_h2", "", kind=MessageKind.IMAGE, data=b"\x89PNG", filename="a.png")
    assert shot[0].text.startswith("收到您的截图") and "110" in shot[0].text
    assert await say(prt, "wj_h2", "谢谢") == []


async def test_private_report_of_loss_is_a_tip_too(prt: Runtime) -> None:
    sent = await say(prt, "wj_h3", "我已经转账了怎么办")
    convs = [line.conversation for line in sent]
    assert convs[0] == "wj_h3" and "police" in convs and convs[-1] == "wj_h3"
    tip = prt.store.get_tip(1)
    assert tip is not None and tip.group_id is None and tip.unit == "王家村" and tip.urgent


async def test_daily_bulletin_counts_tips_without_names(prt: Runtime, clock: SimClock) -> None:
    from bot.domain.periods import DAILY
    from bot.schedule.bulletins import compose

    before = compose(prt.app.context(clock.now()), DAILY, False).text
    assert "线索" not in before
    await say(prt, "lj1_h0", "我被骗了，刚转了5000元", "lj1")
    await say(prt, "wj_h1", "收到一个诈骗电话", "wj")
    text = compose(prt.app.context(clock.now()), DAILY, False).text
    assert "反诈线索" in text
    assert "今日新线索 2 条（其中涉及转账的紧急线索 1 条）；尚未处理完的共 2 条。" in text
    assert "李一户0" not in text and "王户1" not in text


def test_police_with_their_own_group_still_hear_of_their_villages() -> None:
    from bot.domain.desk import tip_recipients
    from bot.domain.model import Group, Level

    town = small_town()
    station = Group("pcs", "派出所群", Level.UNIT, "cmd", "派出所")
    police = Member("赵警官", Role.SUPERVISOR, "派出所", "police", ("cmd", "pcs", "wj"))
    town = replace(town, groups=(*town.groups, station), members=(*town.members, police))
    assert [m.wechat for m in tip_recipients(town, "王家村")] == ["police"]
    assert [m.wechat for m in tip_recipients(town, "李家村")] == ["lj_sup"]
    assert [m.wechat for m in tip_recipients(town, "中心小学")] == ["office"]


async def test_quoted_or_forwarded_notice_is_not_a_tip(prt: Runtime) -> None:
    sent = await say(prt, "office", "推送 素材2", "cmd")
    assert sent
    notice = "【反诈提醒】“警察”打电话说你涉案？先挂电话\n\n我被骗了？对方自称公安，已经转账"
    quoted = f"「反诈助手：{notice}」\n- - - - - - -\n骗子真多"
    assert await say(prt, "lj1_h2", quoted, "lj1") == []
    assert await say(prt, "lj1_h2", notice, "lj1") == []
    assert prt.store.tips() == []
