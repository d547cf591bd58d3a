"""The whole push lifecycle on the sandbox, through App.handle(), over a SQLite file."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from bot.clock import SimClock
from bot.config import Config
from bot.domain.model import MessageKind
from bot.runtime import Runtime, build
from tests.chat import advance, cov, say
from tests.conftest import small_town

NOTICE = (
    "推送\n【警惕刷单返利诈骗】近期有不法分子在网上招募“兼职刷单员”，先让你做几单小额任务"
    "并返还本金和佣金，骗取信任后再以“任务未完成”“账户被冻结”为由，诱导你不断加大投入，"
    "最后拉黑跑路。记住：所有刷单都是诈骗！遇到可疑情况请拨打96110咨询。"
)
BODY = NOTICE.split("\n", 1)[1]


async def test_full_push_lifecycle(rt: Runtime, clock: SimClock) -> None:
    sent = await say(rt, "office", NOTICE, "cmd")
    assert len(sent) == 1
    announce = sent[0]
    assert announce.conversation == "cmd"
    assert announce.text.startswith("【第1期】")
    assert set(announce.mentions) == {"lj_p1", "lj_p2", "wj_p", "bank_p", "school_p"}
    assert "@李一" in announce.text

    advance(clock, 5)
    sent = await say(rt, "lj_p1", "收到", "cmd")
    # 李一 signs: 李家村干部群 first, then his grid group below it; not 李二's grid group.
    assert [s.conversation for s in sent] == ["lj", "lj1"]
    assert all("刷单返利" in s.text for s in sent)

    advance(clock, 5)
    assert [s.conversation for s in await say(rt, "lj_p2", "签收 #1", "cmd")] == ["lj2"]
    assert [s.conversation for s in await say(rt, "wj_p", "好的，收到", "cmd")] == ["wj"]
    # Forward-mode and evidence-mode groups are never posted by the bot.
    assert await say(rt, "bank_p", "收到", "cmd") == []
    sent = await say(rt, "school_p", "已签收", "cmd")
    assert [s.text for s in sent] == ["第1期《警惕刷单返利诈骗》已全部签收（5/5）。"]

    advance(clock, 10)
    assert await say(rt, "lj1_h0", "收到", "lj1") == []  # households get no group replies
    await say(rt, "lj1_h1", "没收到", "lj1")
    await say(rt, "lj1_h2", "收到一个诈骗电话怎么办", "lj1")
    await say(rt, "lj2_h0", "收到？", "lj2")
    await say(rt, "wj_h0", "已阅👍", "wj")
    await say(rt, "wj_h0", "收到了", "wj")  # a second ack by the same household counts once
    await say(rt, "stranger", "收到", "wj")  # not on the roster

    c = cov(rt)
    assert c["sign_rate"] == 1.0
    assert c["delivery_rate"] == round(4 / 6, 4)  # lj, lj1, lj2, wj of 6 target groups
    assert c["reach"] == round(12 / 18, 4)
    assert c["ack_rate"] == round(2 / 18, 4)
    units = {u["unit"]: u for u in c["units"]}  # type: ignore[attr-defined]
    assert units["李家村"] == {
        "unit": "李家村",
        "pushers": 2,
        "signed": 2,
        "groups": 3,
        "delivered": 3,
        "households": 8,
        "reached": 8,
        "acks": 1,
    }
    assert units["王家村"]["acks"] == 1

    sent = await say(rt, "leader", "进度", "cmd")
    assert len(sent) == 1
    text = sent[0].text
    assert "签收：5/5 人（100.0%）" in text
    assert "送达群：4/6 个（66.7%）" in text
    assert "回执：2/18 户" in text
    assert "农商银行职工群" in text and "中心小学家长群" in text
    assert "户0" not in text  # never household names


async def test_forward_detected_in_forward_group(rt: Runtime, clock: SimClock) -> None:
    await say(rt, "office", NOTICE, "cmd")
    await say(rt, "bank_p", "收到", "cmd")
    await say(
        rt,
        "bank_p",
        "各位同事大家好，转发一条重要提醒：\n你好，近期有不法分子在网上招募兼职刷单员",
        "bank",
    )
    assert cov(rt)["delivery_rate"] == 0.0  # a short, partial text is not the notice
    forward = "各位同事，镇反诈办提醒👇 " + BODY[: int(len(BODY) * 0.8)].replace("，", " ")
    assert await say(rt, "bank_p", forward, "bank") == []
    units = {u["unit"]: u for u in cov(rt)["units"]}  # type: ignore[attr-defined]
    assert units["农商银行"]["delivered"] == 1
    assert units["农商银行"]["reached"] == 3
    await say(rt, "bank_h0", "收到", "bank")
    assert {u["unit"]: u for u in cov(rt)["units"]}["农商银行"]["acks"] == 1  # type: ignore[attr-defined]


async def test_screenshot_evidence_stored(rt: Runtime, config: Config) -> None:
    await say(rt, "office", NOTICE, "cmd")
    await say(rt, "school_p", "收到", "cmd")
    shot = bytes(range(256)) * 40
    sent = await say(rt, "school_p", "", None, kind=MessageKind.IMAGE, data=shot, filename="a.png")
    assert len(sent) == 1 and sent[0].conversation == "school_p"
    assert "中心小学家长群" in sent[0].text
    (ev,) = rt.store.evidence(1)
    assert Path(ev.path).read_bytes() == shot
    assert ev.sha256 == hashlib.sha256(shot).hexdigest()
    assert Path(ev.path).is_relative_to(config.data_dir)
    units = {u["unit"]: u for u in cov(rt)["units"]}  # type: ignore[attr-defined]
    assert units["中心小学"]["delivered"] == 1
    # A second screenshot with nothing left to prove is not recorded.
    sent = await say(rt, "school_p", "", None, kind=MessageKind.IMAGE, data=b"x", filename="b.png")
    assert "没有需要截图佐证" in sent[0].text
    assert len(rt.store.evidence(1)) == 1


SCRIPT = [
    ("office", NOTICE, "cmd"),
    ("lj_p1", "收到", "cmd"),
    ("wj_p", "收到", "cmd"),
    ("lj1_h0", "收到", "lj1"),
    ("lj1_h1", "好的", "lj1"),
    ("wj_h2", "👍", "wj"),
]


async def play_script(cfg: Config, clock: SimClock, copies: int) -> dict[str, object]:
    """SCRIPT on a fresh bot with each event delivered `copies` times; coverage and sends."""
    c = SimClock(clock.now())
    runtime = build(cfg, c, org=small_town())
    for i, (who, text, group) in enumerate(SCRIPT):
        c.advance(60)
        msg = runtime.simulator.message(who, text, group, message_id=f"x{i}")  # type: ignore[union-attr]
        for _ in range(copies):
            await runtime.app.handle(msg)
            await runtime.app.settle()
    result = cov(runtime)
    sent = len(runtime.simulator.pop_sent())  # type: ignore[union-attr]
    assert runtime.store.message_count() == len(SCRIPT)
    runtime.store.close()
    return {"coverage": result, "sent": sent}


async def test_each_event_three_times_counts_once(config: Config, clock: SimClock) -> None:
    def own_folder(sub: str) -> Config:
        return replace(config, bot=replace(config.bot, data_dir=str(config.data_dir / sub)))

    once = await play_script(own_folder("once"), clock, 1)
    thrice = await play_script(own_folder("thrice"), clock, 3)
    assert once == thrice
    assert once["coverage"]["ack_rate"] == round(3 / 18, 4)  # type: ignore[index]


async def test_restart_mid_fanout_sends_rest_exactly_once(config: Config, clock: SimClock) -> None:
    rt1 = build(config, clock, org=small_town())
    await say(rt1, "office", NOTICE, "cmd")
    for who in ("lj_p1", "lj_p2"):
        await rt1.app.handle(rt1.simulator.message(who, "收到", "cmd"))
    await rt1.app.handle(rt1.simulator.message("wj_p", "收到", "cmd"))
    # Fan-out under way: lj, wj queued (lj1, lj2 follow lj). Stop after one send.
    stopped = asyncio.Event()
    rt1.simulator.subscribe(lambda line: stopped.set())
    await rt1.app.start()
    await stopped.wait()
    await rt1.app.stop()
    first = rt1.simulator.pop_sent()
    assert len(first) == 1
    rt1.store.close()

    clock.advance(30)
    rt2 = build(config, clock, org=small_town())
    await rt2.app.settle()
    second = rt2.simulator.pop_sent()
    delivered = sorted(line.conversation for line in first + second)
    assert delivered == ["lj", "lj1", "lj2", "wj"]
    await rt2.app.settle()
    assert rt2.simulator.pop_sent() == []
    assert cov(rt2)["delivery_rate"] == round(4 / 6, 4)
    rt2.store.close()


async def test_permissions_and_quiet_household_groups(rt: Runtime) -> None:
    assert await say(rt, "lj1_h0", "推送\n我也来推送一条", "lj1") == []
    assert await say(rt, "lj_p1", "进度", "cmd") != []  # explicit: a refusal that says why
    refusal = rt.simulator.transcript[-1].text
    assert "仅限" in refusal
    assert await say(rt, "lj_p1", "/推送\n测试", "cmd") != []
    assert rt.store.latest_push() is None
    assert await say(rt, "leader", "进度", "lj1") == []  # no answers in household groups
    sent = await say(rt, "leader", "进度")  # private chat
    assert sent[0].conversation == "leader" and "还没有任何推送" in sent[0].text


async def test_remind_capped_at_three_per_day(rt: Runtime, clock: SimClock) -> None:
    await say(rt, "office", NOTICE, "cmd")
    await say(rt, "lj_p1", "收到", "cmd")
    for n in range(1, 4):
        clock.advance(600)
        (sent,) = await say(rt, "office", "催办", "cmd")
        assert f"24小时内第{n}/3次催办" in sent.text
        assert "lj_p1" not in sent.mentions  # signed, and his groups are delivered
        assert {"lj_p2", "wj_p", "bank_p", "school_p"} <= set(sent.mentions)
    (sent,) = await say(rt, "office", "催办", "cmd")
    assert "已达上限" in sent.text
    clock.advance(timedelta(hours=24).total_seconds())
    (sent,) = await say(rt, "office", "/催办 第1期", "cmd")
    assert "24小时内第1/3次催办" in sent.text
    assert len(rt.store.reminders(1)) == 4


async def test_push_errors_are_explained(rt: Runtime) -> None:
    (sent,) = await say(rt, "office", "推送\n测试内容\n范围:李家村,张家村", "cmd")
    assert "张家村" in sent.text and "推送未发起" in sent.text
    (sent,) = await say(rt, "office", "推送\n测试内容\n截止:25:00", "cmd")
    assert "截止时间" in sent.text
    assert rt.store.latest_push() is None
    sent = await say(rt, "office", "推送\n只推王家村的测试内容\n范围:王家村\n截止:18:00", "cmd")
    assert sent[0].mentions == ("wj_p",)
    push = rt.store.latest_push()
    assert push is not None and push.scope == ("王家村",)
    assert push.deadline is not None and push.deadline.hour == 18
    assert cov(rt)["units"] == [
        {
            "unit": "王家村",
            "pushers": 1,
            "signed": 0,
            "groups": 1,
            "delivered": 0,
            "households": 4,
            "reached": 0,
            "acks": 0,
        }
    ]


async def test_unsent_outbox_rows_retry_after_transport_failure(
    rt: Runtime, clock: SimClock
) -> None:
    rt.simulator.fail_next(1)
    assert await say(rt, "office", NOTICE, "cmd") == []
    assert rt.store.outbox("pending")[0].attempts == 1
    clock.advance(31)  # the first retry waits retry_seconds
    sent = await say(rt, "leader", "帮助", "cmd")
    assert sent[0].text.startswith("【第1期】")


async def test_cadre_pasting_the_notice_in_a_relay_group_delivers_it(
    rt: Runtime, clock: SimClock
) -> None:
    await say(rt, "office", NOTICE, "cmd")
    clock.advance(120)
    assert await say(rt, "wj_p", "大家注意：\n" + BODY, "wj") == []
    # Already in the group: his signature must not make the bot post it a second time.
    assert await say(rt, "wj_p", "收到", "cmd") == []
    (d,) = [d for d in rt.store.deliveries(1) if d.group_id == "wj"]
    assert d.via == "forward" and d.delivered_at == clock.now()
