"""The pure 预警劝阻单 rules: the state machine, deadlines and steps, reading replies, masking,
the monthly figures — and the store round trip on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import SHANGHAI
from bot.domain.privacy import mask_id_number, mask_name
from bot.domain.warnings import (
    SIGN_ESCALATE,
    SIGN_REMIND,
    VISIT_ESCALATE,
    VISIT_REMIND,
    WarningError,
    WarningEvent,
    WarningNotice,
    WarningPolicy,
    deadlines,
    evaluate,
    give_feedback,
    masked,
    on_time,
    read_reply,
    sign,
    step_due,
    steps,
    visit,
)
from bot.schedule.warnings import tally
from bot.store import open_store
from tests.pgserver import new_database

T0 = datetime.fromisoformat("2026-11-23T09:00:00+08:00")
POLICY = WarningPolicy()


def fresh(at: datetime = T0) -> WarningNotice:
    sign_by, visit_by = deadlines(at, POLICY)
    return WarningNotice(
        id=1,
        issued_at=at,
        issuer="web:police1",
        issuer_label="police1（派出所）",
        victim_name="张三",
        victim_phone="13800001234",
        detected="涉诈APP",
        risk="高",
        assignee="lj_p1",
        sign_by=sign_by,
        visit_by=visit_by,
        unit="李家村",
        victim_id_number="110101199001011234",
    )


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def test_chain_moves_forward_only() -> None:
    w = fresh()
    assert (w.sign_by, w.visit_by) == (minutes(30), minutes(24 * 60))
    signed = sign(w, minutes(5))
    with pytest.raises(WarningError, match="已于11-23 09:05签收"):
        sign(signed, minutes(6))
    with pytest.raises(WarningError, match="请先回复劝阻方式和结果"):
        give_feedback(signed, minutes(7), "已处理")
    with pytest.raises(WarningError, match="劝阻结果只能是"):
        visit(signed, minutes(8), "上门", "还行")
    done = visit(signed, minutes(60), "上门", "已劝阻")
    with pytest.raises(WarningError, match="劝阻情况已登记"):
        visit(done, minutes(61), "电话", "已劝阻")
    with pytest.raises(WarningError, match="尚未反馈"):
        evaluate(done, minutes(62), "满意", "", "x")
    fed = give_feedback(done, minutes(70), " 已卸载APP ")
    assert fed.state == "已反馈" and fed.feedback == "已卸载APP" and not fed.open
    with pytest.raises(WarningError, match="评价只能是"):
        evaluate(fed, minutes(80), "优秀", "", "x")
    final = evaluate(fed, minutes(80), "不满意", "照片缺失", "police1")
    assert final.state == "已评价" and final.grade_note == "照片缺失"
    with pytest.raises(WarningError, match="已评价（不满意）"):
        evaluate(final, minutes(81), "满意", "", "x")


def test_visit_without_signature_signs_too() -> None:
    w = visit(fresh(), minutes(3), "电话", "未接通")
    assert w.state == "已劝阻" and w.signed_at == w.visited_at == minutes(3)


def test_steps_follow_the_state() -> None:
    w = fresh()
    kinds = [(s.kind, s.at) for s in steps(w, POLICY)]
    assert kinds == [
        (SIGN_REMIND, minutes(30)),
        (SIGN_ESCALATE, minutes(60)),
        (VISIT_REMIND, minutes(22 * 60)),
        (VISIT_ESCALATE, minutes(24 * 60)),
    ]
    assert steps(w, POLICY)[0].job == "预警1:签收提醒"
    signed = sign(w, minutes(40))
    assert [s.kind for s in steps(signed, POLICY)] == [VISIT_REMIND, VISIT_ESCALATE]
    assert not step_due(signed, SIGN_ESCALATE) and step_due(signed, VISIT_REMIND)
    done = visit(signed, minutes(50), "上门", "拒绝")
    assert steps(done, POLICY) == [] and not step_due(done, VISIT_ESCALATE)
    no_early = WarningPolicy(remind_before_minutes=0)
    assert [s.kind for s in steps(w, no_early)] == [SIGN_REMIND, SIGN_ESCALATE, VISIT_ESCALATE]


def test_deadline_status_words() -> None:
    assert on_time(minutes(10), minutes(30), minutes(90)) == "按时"
    assert on_time(minutes(95), minutes(30), minutes(100)) == "超时1小时5分钟"
    assert on_time(None, minutes(30), minutes(20)) == "未到期"
    assert on_time(None, minutes(30), minutes(45)) == "已逾期15分钟"


@pytest.mark.parametrize(
    ("text", "number", "ack", "method", "result"),
    [
        ("收到", None, True, None, None),
        ("签收", None, True, None, None),
        ("没收到", None, False, None, None),
        ("预警3 已上门劝阻", 3, False, "上门", "已劝阻"),
        ("预警 3：收到", 3, True, None, None),
        ("收到，已电话劝阻", None, True, "电话", "已劝阻"),
        ("电话没人接", None, False, "电话", "未接通"),
        ("未接通", None, False, "电话", "未接通"),
        ("上门了，对方不听，坚持要投资", None, False, "上门", "拒绝"),
        ("上门发现已经被骗了", None, False, "上门", "已被骗"),
        ("上门去了", None, False, "上门", None),
        ("签收 第3期", None, False, None, None),
        ("3号推送已签收", None, False, None, None),
        ("今日工作：上门走访3户，劝阻1人", None, False, None, None),
    ],
)
def test_reading_replies(
    text: str, number: int | None, ack: bool, method: str | None, result: str | None
) -> None:
    said = read_reply(text)
    assert (said.number, said.ack, said.method, said.result) == (number, ack, method, result)
    assert said.feedback is None


def test_feedback_and_quote() -> None:
    said = read_reply("反馈：对方已卸载APP")
    assert said.feedback == "对方已卸载APP"
    quoted = read_reply("收到", "【预警劝阻单】第12号（风险：高）\n对象：…")
    assert quoted.number == 12 and quoted.ack


def test_masking() -> None:
    assert mask_name("张三") == "张*" and mask_name("欧阳娜娜") == "欧阳**"
    assert mask_id_number("110101199001011234") == "110101********1234"
    assert mask_id_number("12345") == "*****"
    m = masked(fresh())
    assert (m.victim_name, m.victim_phone) == ("张*", "138****1234")
    assert m.victim_id_number == "110101********1234" and m.detected == "涉诈APP"


def test_monthly_tally_counts_without_names() -> None:
    on_time_visit = give_feedback(
        visit(sign(fresh(), minutes(10)), minutes(120), "上门", "已劝阻"), minutes(130), "好"
    )
    late = replace(visit(sign(fresh(), minutes(45)), minutes(25 * 60), "电话", "已被骗"), id=2)
    waiting = replace(fresh(), id=3)
    rated = evaluate(on_time_visit, minutes(200), "满意", "", "police1")
    lines = tally([rated, late, waiting])
    assert lines == [
        "下发预警劝阻单 3 张；签收 2 张，其中按时签收 1 张（33%）。",
        "完成劝阻 2 张，其中按时 1 张（33%）；电话 1 张、上门 1 张。",
        "劝阻结果：已劝阻 1，未接通 0，拒绝 0，已被骗 1。",
        "评价：满意 1，基本满意 0，不满意 0。",
        "尚未办结（未反馈）2 张。",
    ]
    assert not any("张三" in line for line in lines)


def _round_trip(target: str | Path) -> None:
    store = open_store(target, SHANGHAI)
    try:
        new_id = store.add_warning(fresh())
        second = store.add_warning(replace(fresh(minutes(60)), assignee="wj_p", unit="王家村"))
        assert (new_id, second) == (1, 2)
        w = store.get_warning(new_id)
        assert w is not None and w == replace(fresh(), id=1)
        done = give_feedback(visit(w, minutes(20), "上门", "已劝阻"), minutes(30), "已处理")
        store.save_warning(replace(done, photo="/tmp/p.png"))
        store.add_warning_event(new_id, WarningEvent(minutes(20), "李一", "劝阻", "已上门劝阻"))
        back = store.get_warning(new_id)
        assert back is not None and back.state == "已反馈" and back.visited_at == minutes(20)
        assert back.photo == "/tmp/p.png" and back.events[0].text == "已上门劝阻"
        assert [x.id for x in store.warnings()] == [2, 1]
        assert [x.id for x in store.warnings(open_only=True)] == [2]
        assert [x.id for x in store.warnings(unit="李家村")] == [1]
        assert [x.id for x in store.warnings(assignee="wj_p")] == [2]
        assert [x.id for x in store.warnings_issued(minutes(30), minutes(90))] == [2]
    finally:
        store.close()


def test_store_round_trip_sqlite(tmp_path: Path) -> None:
    _round_trip(tmp_path / "bot.db")


def test_store_round_trip_postgres(postgres_server: str) -> None:
    _round_trip(new_database(postgres_server))
