"""Issue 8 chat flows: one numbering (第N期 / 素材N), signing that says what it signed,
queries over every open push, big pushes confirmed, and 撤回 within ten minutes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.clock import SimClock
from bot.config import Config
from bot.nlp.quote import split_quote
from bot.runtime import Runtime, build
from tests.chat import advance, cov, say
from tests.conftest import make_config, small_town
from tests.test_lifecycle import NOTICE

NOTICE_WJ = "推送\n范围：王家村\n" + NOTICE.split("\n", 1)[1]
OTHER = (
    "推送\n【警惕冒充客服退款诈骗】近期有人冒充电商客服，以“商品质量问题”“快递丢失”为由主动"
    "联系退款，诱导下载会议软件共享屏幕、提供验证码。官方退款无需额外操作，请挂断后到官方"
    "平台核实。"
)


@pytest.fixture
def strict_config(tmp_path: Path) -> Config:
    """The default policy: a push to the whole town waits for 确认."""
    base = make_config(tmp_path)
    return replace(base, policy=replace(base.policy, confirm_over_groups=-1))


@pytest.fixture
async def strict(strict_config: Config, clock: SimClock) -> Runtime:
    runtime = build(strict_config, clock, org=small_town())
    return runtime


# -- 4. one meaning for the numbers ------------------------------------------------------


async def test_material_numbers_are_su_cai_and_old_hash_form_is_explained(
    rt: Runtime,
) -> None:
    item = rt.app.library[0]
    (announce,) = await say(rt, "office", f"推送 素材{item.id}", "cmd")
    assert announce.text.startswith(f"【第1期】{item.title}")
    note, announce2 = await say(rt, "office", f"推送 #{item.id}", "cmd")
    assert note.text == f"（“#{item.id}”已按素材{item.id}理解；今后请写“推送 素材{item.id}”。）"
    assert announce2.text.startswith(f"【第2期】{item.title}")


async def test_push_numbers_are_qi_and_old_hash_form_is_explained(rt: Runtime) -> None:
    await say(rt, "office", NOTICE, "cmd")
    (answer,) = await say(rt, "leader", "进度 第1期", "cmd")
    assert answer.text.startswith("第1期《警惕刷单返利诈骗》进度")
    note, answer2 = await say(rt, "leader", "进度 #1", "cmd")
    assert note.text == "（“#1”已按第1期理解；今后请写“进度 第1期”。）"
    assert answer2.text == answer.text
    (missing,) = await say(rt, "leader", "进度 第9期", "cmd")
    assert missing.text == "没有第9期推送。"


async def test_search_results_name_materials_the_same_way(rt: Runtime) -> None:
    (answer,) = await say(rt, "leader", "查 刷单", "cmd")
    assert "素材" in answer.text and "#" not in answer.text
    assert "推送 素材3" in answer.text


# -- 5. signing says what was signed -----------------------------------------------------


async def test_signing_with_several_open_pushes_names_the_push_and_the_rest(
    rt: Runtime, clock: SimClock
) -> None:
    await say(rt, "office", NOTICE, "cmd")
    advance(clock, 1)
    await say(rt, "office", OTHER, "cmd")
    advance(clock, 1)
    sent = await say(rt, "wj_p", "收到", "cmd")
    confirm = [s for s in sent if s.conversation == "cmd"]
    assert confirm[0].text == (
        "@王网格员 已签收第2期《警惕冒充客服退款诈骗》。"
        "仍未签收：第1期《警惕刷单返利诈骗》，请回复“签收 第1期”。"
    )
    assert confirm[0].mentions == ("wj_p",)
    sent = await say(rt, "wj_p", "收到", "cmd")
    confirm = [s for s in sent if s.conversation == "cmd"]
    assert confirm[0].text == "@王网格员 已签收第1期《警惕刷单返利诈骗》。您的推送已全部签收。"
    assert cov(rt, 1)["sign_rate"] == cov(rt, 2)["sign_rate"] == 0.2


async def test_one_open_push_signs_quietly(rt: Runtime) -> None:
    await say(rt, "office", NOTICE, "cmd")
    sent = await say(rt, "wj_p", "收到", "cmd")
    assert [s.conversation for s in sent] == ["wj"]  # the relay, no extra chatter


async def test_a_quote_reply_signs_the_quoted_push(rt: Runtime, clock: SimClock) -> None:
    (first,) = await say(rt, "office", NOTICE, "cmd")
    advance(clock, 1)
    await say(rt, "office", OTHER, "cmd")
    quoted = f"「反诈助手：{first.text[:40]}」\n- - - - - - - - - - - - - - -\n收到"
    sent = await say(rt, "wj_p", quoted, "cmd")
    confirm = [s for s in sent if s.conversation == "cmd"]
    assert confirm[0].text.startswith("@王网格员 已签收第1期《警惕刷单返利诈骗》。仍未签收：第2期")
    assert cov(rt, 1)["sign_rate"] == 0.2 and cov(rt, 2)["sign_rate"] == 0.0


async def test_a_quote_of_a_relay_without_number_is_matched_by_title(
    rt: Runtime, clock: SimClock
) -> None:
    await say(rt, "office", NOTICE, "cmd")
    advance(clock, 1)
    await say(rt, "office", OTHER, "cmd")
    quoted = "收到\n「反诈助手：【反诈提醒】警惕刷单返利诈骗 近期有不法分子」"
    await say(rt, "wj_p", quoted, "cmd")
    assert cov(rt, 1)["sign_rate"] == 0.2 and cov(rt, 2)["sign_rate"] == 0.0


def test_quote_split_judges_the_reply_only() -> None:
    q = split_quote("「张三：我没收到通知」\n- - - - - -\n收到了")
    assert (q.reply, q.quoted, q.author) == ("收到了", "我没收到通知", "张三")
    assert split_quote("收到了").quoted is None


async def test_household_quoting_a_negative_still_acknowledges(rt: Runtime) -> None:
    await say(rt, "office", NOTICE_WJ, "cmd")
    await say(rt, "wj_p", "收到", "cmd")
    await say(rt, "wj_h0", "「王户1：我没收到」\n- - - - - -\n收到", "wj")
    await say(rt, "wj_h1", "「王户0：收到」\n- - - - - -\n我没收到", "wj")
    assert {u["unit"]: u for u in cov(rt)["units"]}["王家村"]["acks"] == 1  # type: ignore[attr-defined]


# -- 6. queries cover what is open -------------------------------------------------------


async def test_queries_without_a_number_cover_every_open_push(
    rt: Runtime, clock: SimClock
) -> None:
    await say(rt, "office", NOTICE, "cmd")
    advance(clock, 1)
    await say(rt, "office", OTHER, "cmd")
    (progress,) = await say(rt, "leader", "进度", "cmd")
    lines = progress.text.splitlines()
    assert lines[0].startswith("未完成的推送共2期")
    assert lines[1].startswith("· 第2期《警惕冒充客服退款诈骗》：签收 0/5 人，送达 0/6 个群")
    assert lines[2].startswith("· 第1期《警惕刷单返利诈骗》")
    (unsigned,) = await say(rt, "leader", "未签收", "cmd")
    assert unsigned.text.splitlines()[1].startswith("· 第2期《警惕冒充客服退款诈骗》 5人：")
    (undelivered,) = await say(rt, "leader", "未转发", "cmd")
    assert "第1期《警惕刷单返利诈骗》 6个群" in undelivered.text
    reminders = await say(rt, "leader", "催办", "cmd")
    assert [r.text.split("》")[0] for r in reminders] == [
        "【催办】第2期《警惕冒充客服退款诈骗",
        "【催办】第1期《警惕刷单返利诈骗",
    ]


async def test_a_finished_push_leaves_the_open_list(rt: Runtime, clock: SimClock) -> None:
    await say(rt, "office", NOTICE_WJ, "cmd")
    advance(clock, 1)
    await say(rt, "office", OTHER, "cmd")
    await say(rt, "wj_p", "签收 第1期", "cmd")  # 王家村's only group is delivered
    (progress,) = await say(rt, "leader", "进度", "cmd")
    assert progress.text.startswith("第2期《警惕冒充客服退款诈骗》进度")  # one open: in full


# -- 7. big pushes are confirmed, and can be withdrawn -----------------------------------


async def test_a_whole_town_push_waits_for_confirmation(strict: Runtime, clock: SimClock) -> None:
    (summary,) = await say(strict, "office", NOTICE + "\n截止：18:00", "cmd")
    assert summary.text.splitlines() == [
        "【待确认】即将推送《警惕刷单返利诈骗》",
        "范围：全镇（4个村/单位）",
        "目标群：6 个；户数：18 户",
        "截止：今天18:00",
        "请在10分钟内回复“确认”发出，回复“取消”放弃。",
    ]
    assert strict.store.latest_push() is None
    assert await say(strict, "leader", "确认", "cmd") != []  # not his push: nothing pending
    assert strict.store.latest_push() is None
    advance(clock, 9)
    (announce,) = await say(strict, "office", "确认", "cmd")
    assert announce.text.startswith("【第1期】警惕刷单返利诈骗")
    assert await say(strict, "office", "确认", "cmd") == []  # a second 确认: already sent


async def test_confirmation_expires_and_can_be_cancelled(strict: Runtime, clock: SimClock) -> None:
    await say(strict, "office", NOTICE, "cmd")
    advance(clock, 11)
    (late,) = await say(strict, "office", "确认", "cmd")
    assert "超过10分钟未确认" in late.text
    assert strict.store.latest_push() is None
    await say(strict, "office", NOTICE, "cmd")
    (cancelled,) = await say(strict, "office", "取消", "cmd")
    assert cancelled.text == "已取消，这条推送不会发出。"
    assert await say(strict, "office", "确认", "cmd") != []
    assert strict.store.latest_push() is None


async def test_a_pushers_confirm_is_not_a_command(strict: Runtime) -> None:
    await say(strict, "office", NOTICE, "cmd")
    assert await say(strict, "wj_p", "确认", "cmd") == []  # no refusal, no push
    assert strict.store.latest_push() is None


async def test_a_small_push_needs_no_confirmation(strict: Runtime) -> None:
    (announce,) = await say(strict, "office", NOTICE_WJ, "cmd")
    assert announce.text.startswith("【第1期】")


async def test_confirmation_survives_a_restart(
    strict_config: Config, clock: SimClock, strict: Runtime
) -> None:
    await say(strict, "office", NOTICE, "cmd")
    strict.store.close()
    again = build(strict_config, clock, org=small_town())
    (announce,) = await say(again, "office", "确认", "cmd")
    assert announce.text.startswith("【第1期】")
    again.store.close()


async def test_withdraw_cancels_unsent_and_tells_the_command_group(
    rt: Runtime, clock: SimClock
) -> None:
    await say(rt, "office", NOTICE, "cmd")
    await say(rt, "lj_p1", "收到", "cmd")  # lj and lj1 are delivered
    # 王网格员 signs, but the relay into 王家村 is still queued when the push is withdrawn.
    await rt.app.handle(rt.simulator.message("wj_p", "收到", "cmd"))
    advance(clock, 5)
    (notice,) = await say(rt, "office", "撤回第1期", "cmd")
    assert notice.conversation == "cmd"
    assert notice.text.splitlines() == [
        "【撤回】第1期《警惕刷单返利诈骗》已由张主任撤回，请勿再签收、转发。",
        "尚未发出的 1 条消息已取消。",
        "已送达的 2 个群，请负责的推送员在群里撤回或说明。",
    ]
    push = rt.store.get_push(1)
    assert push is not None and push.status == "withdrawn"
    assert await say(rt, "lj_p2", "收到", "cmd") == []  # nothing left to sign or relay
    assert rt.store.latest_push() is None
    (answer,) = await say(rt, "leader", "进度", "cmd")
    assert answer.text == "还没有任何推送。"
    assert [a for a in rt.store.audit_log() if a[2] == "撤回"]


async def test_withdraw_after_ten_minutes_is_refused(rt: Runtime, clock: SimClock) -> None:
    await say(rt, "office", NOTICE, "cmd")
    advance(clock, 11)
    (refused,) = await say(rt, "office", "撤回", "cmd")
    assert "超过10分钟，不能撤回" in refused.text
    push = rt.store.get_push(1)
    assert push is not None and push.status == "open"


async def test_only_office_and_leaders_withdraw(rt: Runtime) -> None:
    await say(rt, "office", NOTICE, "cmd")
    (refusal,) = await say(rt, "lj_sup", "撤回第1期", "cmd")
    assert refusal.text.startswith("抱歉，只有镇反诈办")
