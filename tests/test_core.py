"""The pure core: planning, relay readiness, coverage, ranking, deadlines, intents."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bot.clock import SHANGHAI
from bot.domain.coverage import coverage, rank_units
from bot.domain.intent import (
    CommandIntent,
    DeadlineError,
    EvidenceIntent,
    ForwardIntent,
    ReceiptIntent,
    Refusal,
    SignIntent,
    classify,
    parse_deadline,
)
from bot.domain.model import IncomingMessage, MessageKind, Org, Push, Signature, UnitTally
from bot.domain.relay import ScopeError, plan_push, ready_relays, resolve_scope

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


def test_plan_push_whole_town(town: Org) -> None:
    plan = plan_push(town, [])
    assert plan.scope == ("李家村", "王家村", "农商银行", "中心小学")
    assert [d.group_id for d in plan.deliveries] == ["lj", "lj1", "lj2", "wj", "bank", "school"]
    lj = plan.tallies[0]
    assert (lj.pushers, lj.groups, lj.households) == (2, 3, 8)
    assert {w for w, _ in plan.assignments} == {"lj_p1", "lj_p2", "wj_p", "bank_p", "school_p"}


def test_scope_matching_and_errors(town: Org) -> None:
    assert resolve_scope(town, ["王家"]) == ("王家村",)
    assert resolve_scope(town, ["中心小学", "李家村"]) == ("李家村", "中心小学")
    with pytest.raises(ScopeError) as err:
        resolve_scope(town, ["张家村", "李家村"])
    assert "张家村" in str(err.value) and "李家村" not in str(err.value).split("；")[0]


def test_ready_relays_follow_the_tree(town: Org) -> None:
    plan = plan_push(town, [])
    deliveries = [replace(d, push_id=1) for d in plan.deliveries]
    assert ready_relays(town, deliveries, set()) == []
    ready = [d.group_id for d in ready_relays(town, deliveries, {"lj_p1"})]
    assert ready == ["lj"]  # grid group waits for its parent
    delivered = [replace(d, delivered_at=NOW) if d.group_id == "lj" else d for d in deliveries]
    assert [d.group_id for d in ready_relays(town, delivered, {"lj_p1"})] == ["lj1"]
    # forward and evidence groups are never the bot's to post
    assert ready_relays(town, delivered, {"bank_p", "school_p"}) == []


def _push(created: datetime = NOW) -> Push:
    return Push(1, "标题", "正文", created, "office", ("a", "b"))


def test_coverage_rates_and_medians() -> None:
    tallies = [
        UnitTally(
            "a", pushers=2, signed=1, groups=2, delivered=1, households=10, reached=6, acks=3
        ),
        UnitTally(
            "b", pushers=1, signed=1, groups=1, delivered=1, households=5, reached=5, acks=5
        ),
    ]
    sigs = [Signature(1, "x", NOW + timedelta(minutes=m)) for m in (4, 10)]
    cov = coverage(_push(), tallies, sigs, [])
    j = cov.as_json()
    assert (j["sign_rate"], j["delivery_rate"], j["reach"], j["ack_rate"]) == (
        round(2 / 3, 4),
        round(2 / 3, 4),
        round(11 / 15, 4),
        round(8 / 15, 4),
    )
    assert j["median_sign_minutes"] == 7.0
    assert j["median_deliver_minutes"] is None
    empty = coverage(_push(), [UnitTally("a", 0, 0, 0, 0, 0, 0, 0)], [], []).as_json()
    assert empty["sign_rate"] is None


def test_rank_units_orders_by_weighted_score() -> None:
    good = UnitTally("好村", 1, 1, 1, 1, 10, 10, 9)
    bad = UnitTally("差村", 1, 0, 1, 0, 10, 0, 0)
    mid = UnitTally("中村", 1, 1, 1, 1, 10, 10, 2)
    ranks = rank_units([coverage(_push(), [bad, good, mid], [], [])])
    assert [r.unit for r in ranks] == ["好村", "中村", "差村"]
    assert ranks[0].score == round(0.3 + 0.3 + 0.4 * 0.9, 4)
    assert ranks[-1].score == 0.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18:00", datetime(2026, 11, 23, 18, 0)),
        ("18：30", datetime(2026, 11, 23, 18, 30)),
        ("8:00", datetime(2026, 11, 24, 8, 0)),  # already past today → tomorrow
        ("明天18:00", datetime(2026, 11, 24, 18, 0)),
        ("11月25日18:00", datetime(2026, 11, 25, 18, 0)),
        ("2026-11-25 18:00", datetime(2026, 11, 25, 18, 0)),
        ("18点半", datetime(2026, 11, 23, 18, 30)),
        ("今天17点", datetime(2026, 11, 23, 17, 0)),
    ],
)
def test_parse_deadline(text: str, expected: datetime) -> None:
    assert parse_deadline(text, NOW, SHANGHAI) == expected.replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize("text", ["25:00", "下班前", "11月31日18:00", "今天8:00"])
def test_parse_deadline_rejects(text: str) -> None:
    with pytest.raises(DeadlineError):
        parse_deadline(text, NOW, SHANGHAI)


def _msg(text: str, group: str | None, kind: MessageKind = MessageKind.TEXT) -> IncomingMessage:
    return IncomingMessage("m", NOW, "x", text, group, kind)


def test_classify_by_role_and_place(town: Org) -> None:
    def c(who: str, text: str, group: str | None, kind: MessageKind = MessageKind.TEXT) -> object:
        return classify(
            _msg(text, group, kind), town.member(who), town.group(group) if group else None
        )

    assert c("lj_p1", "收到", "cmd") == SignIntent(None)
    assert c("lj_p1", "签收 #7", "cmd") == SignIntent(7)
    assert c("lj_p1", "3号推送已签收", "cmd") == SignIntent(3)
    assert c("lj_p1", "＃12已转发", "cmd") == SignIntent(12)
    assert c("lj_p1", "第2期收到", None) == SignIntent(2)
    assert c("lj_p1", "#3没收到", "cmd") is None
    assert c("lj_p1", "没收到", "cmd") is None
    assert c("lj1_h0", "收到", "lj1") == ReceiptIntent("lj1")
    assert c("lj1_h0", "收到？", "lj1") is None
    assert c("lj1_h0", "收到", None) is None  # a household's private ack proves nothing
    assert isinstance(c("leader", "进度", "cmd"), CommandIntent)
    assert c("leader", "进度", "lj1") is None
    assert isinstance(c("lj_p1", "/进度", "cmd"), Refusal)
    assert c("lj_p1", "查一下今天的进度", "cmd") is None  # free phrasing: stay quiet
    assert c("lj1_h0", "/推送\n测试", "lj1") is None
    assert isinstance(
        c("bank_p", "各位同事请注意，近期刷单诈骗高发，请大家提高警惕不要上当", "bank"),
        ForwardIntent,
    )
    assert c("school_p", "", None, MessageKind.IMAGE) == EvidenceIntent()
    assert c("school_p", "", "cmd", MessageKind.IMAGE) is None
    assert classify(_msg("收到", "cmd"), None, town.group("cmd")) is None


def test_rank_leaves_out_acks_the_bot_cannot_see(town: Org) -> None:
    plan = plan_push(town, [])
    deliveries = [replace(d, push_id=1, delivered_at=NOW) for d in plan.deliveries]
    school = UnitTally("中心小学", 1, 1, 1, 1, 3, 3, 0)  # parents' group: evidence only
    bank = UnitTally("农商银行", 1, 1, 1, 1, 3, 3, 0)  # the bot sees this group: 0 acks is real
    cov = coverage(_push(), [school, bank], [], deliveries)
    assert cov.unseen_acks == frozenset({"中心小学"})
    ranks = {r.unit: r for r in rank_units([cov])}
    assert ranks["中心小学"].ack_rate is None
    assert ranks["中心小学"].score == 1.0  # judged on signing and delivery alone
    assert ranks["农商银行"].score == 0.6
