"""回访 rounds in the store, on SQLite and PostgreSQL alike: the round as drawn, outcomes,
completion, the exclusion window, and the audited actions of bot.callbacks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.callbacks import CallbackError, close_round, draw_round, month_awareness, record_outcomes
from bot.domain.callbacks import KNOWN, UNKNOWN, UNREACHABLE, OutcomeEntry, SampleRule
from bot.store import Store
from tests.test_callbacks_domain import TOWN
from tests.test_store import NOW, OPENERS


@pytest.fixture(params=sorted(OPENERS))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh, empty store of each implementation."""
    s = OPENERS[request.param](tmp_path, request)
    yield s
    s.close()


def test_round_is_stored_as_drawn_and_completes_with_its_last_outcome(store: Store) -> None:
    rule = SampleRule(per_village=None, percent=10, minimum=2, maximum=4, exclude_days=14)
    drawn = draw_round(store, TOWN, NOW, "张主任（办公室）", ["王家村", "李家村"], rule, 99)
    round_ = store.callback_round(drawn.round_id)
    assert round_ is not None
    assert (round_.seed, round_.rule, round_.created_by) == (99, rule, "张主任（办公室）")
    assert round_.units == ("李家村", "王家村")  # roster order
    assert round_.skips["王家村"].no_phone == 2 and round_.created_at == NOW
    calls = store.callback_calls(drawn.round_id)
    assert calls == list(drawn.sample.calls)
    assert [c.unit for c in calls] == ["李家村"] * 4 + ["王家村"] * 2
    assert [c.wechat for c in store.callback_calls(drawn.round_id, unit="王家村")] == [
        c.wechat for c in calls[4:]
    ]

    later = NOW + timedelta(days=2)
    first = [
        OutcomeEntry(calls[0].wechat, KNOWN, "知道96110"),
        OutcomeEntry(calls[1].wechat, UNKNOWN),
    ]
    assert (
        record_outcomes(store, drawn.round_id, first, later, "张主任（办公室）", "页面登记") == 2
    )
    (one, two, *_) = store.callback_calls(drawn.round_id)
    assert (one.outcome, one.note, one.recorded_at, one.recorded_by) == (
        KNOWN,
        "知道96110",
        later,
        "张主任（办公室）",
    )
    assert two.outcome == UNKNOWN
    assert store.callback_round(drawn.round_id).completed_at is None  # type: ignore[union-attr]
    assert store.callback_rounds(NOW, NOW + timedelta(days=30)) == []

    rest = [OutcomeEntry(c.wechat, UNREACHABLE) for c in calls[2:]]
    done = NOW + timedelta(days=3)
    record_outcomes(store, drawn.round_id, rest, done, "张主任（办公室）", "上传 名单.xlsx")
    completed = store.callback_rounds(NOW, NOW + timedelta(days=30))
    assert [r.id for r in completed] == [drawn.round_id] and completed[0].completed_at == done
    (li, wang) = month_awareness(store, NOW, NOW + timedelta(days=30))
    assert (li.unit, li.known, li.unknown, li.unreachable, li.rate) == ("李家村", 1, 1, 2, 0.5)
    assert (wang.unit, wang.unreachable, wang.rate) == ("王家村", 2, None)
    actions = [(e.action, e.detail) for e in store.audit_log()]
    assert actions[0] == (
        "回访登记",
        f"第{drawn.round_id}轮（上传 名单.xlsx）：4 户，知晓 0、不知晓 0、无法联系 4",
    )
    assert actions[2][0] == "回访抽取" and "随机种子 99" in actions[2][1]
    assert "无电话跳过 4 户" in actions[2][1]


def test_exclusion_window_and_bad_requests(store: Store) -> None:
    rule = SampleRule(per_village=6, exclude_days=30)
    first = draw_round(store, TOWN, NOW, "张主任", ["王家村"], rule, 1)
    assert len(first.sample.calls) == 6
    second = draw_round(store, TOWN, NOW + timedelta(days=10), "张主任", ["王家村"], rule, 1)
    assert second.sample.recent == 6 and len(second.sample.calls) == 4
    assert not {c.wechat for c in first.sample.calls} & {c.wechat for c in second.sample.calls}
    with pytest.raises(CallbackError, match="没有可抽取的户：无电话 2 户，近 30 天已抽到 10 户"):
        draw_round(store, TOWN, NOW + timedelta(days=20), "张主任", ["王家村"], rule, 1)
    # After the window, the whole village is back in the draw; the same seed, the same sample.
    third = draw_round(store, TOWN, NOW + timedelta(days=41), "张主任", ["王家村"], rule, 1)
    assert third.sample.calls == first.sample.calls
    with pytest.raises(CallbackError, match="名册中没有这些村/单位：张家村"):
        draw_round(store, TOWN, NOW, "张主任", ["张家村"], rule, 1)
    with pytest.raises(CallbackError, match="每村抽取户数"):
        draw_round(store, TOWN, NOW, "张主任", [], SampleRule(per_village=0), 1)
    stranger = OutcomeEntry("office", KNOWN)
    with pytest.raises(CallbackError, match="不在第1轮的抽查名单中"):
        record_outcomes(store, 1, [stranger], NOW, "张主任", "页面登记")
    with pytest.raises(CallbackError, match="回访结果应为"):
        record_outcomes(
            store, 1, [OutcomeEntry(first.sample.calls[0].wechat, "知道")], NOW, "x", "y"
        )
    with pytest.raises(CallbackError, match="找不到第9轮回访"):
        record_outcomes(store, 9, [], NOW, "张主任", "页面登记")
    assert all(not c.outcome for c in store.callback_calls(1))
    close_round(store, 1, NOW + timedelta(days=1), "张主任")
    assert store.callback_round(1).completed_at == NOW + timedelta(days=1)  # type: ignore[union-attr]
    with pytest.raises(CallbackError, match="第1轮已经结束"):
        close_round(store, 1, NOW + timedelta(days=1), "张主任")
    assert store.audit_log()[0].detail == "第1轮：结束时 6 户未回访"
