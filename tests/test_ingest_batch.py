"""Group commit without a savepoint per message: a failure redoes the batch one savepoint
each, at the times the messages were first handled; a failing source is not swallowed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from bot.domain.model import IncomingMessage
from bot.runtime import Runtime


def _ack(rt: Runtime, i: int, who: str) -> IncomingMessage:
    assert rt.simulator is not None
    return replace(rt.simulator.message(who, "收到", "wj"), id=f"redo-{i}")


def _push(rt: Runtime) -> int:
    app = rt.app
    office = app.org.member("office")
    assert office is not None
    push = app.create_push("组提交", "请勿向陌生人转账。", office, app.clock.now())
    rt.store.mark_delivered(push.id, "wj", app.clock.now(), "relay")
    return push.id


def _receipt_times(rt: Runtime, push_id: int) -> dict[str, str]:
    rows = rt.store._x(  # type: ignore[attr-defined]
        "SELECT wechat, at FROM receipts WHERE push_id = ?", (push_id,)
    )
    return {w: at for w, at in rows}


def _ticking(rt: Runtime, batch: list[IncomingMessage]) -> Iterator[IncomingMessage]:
    for msg in batch:
        rt.app.clock.advance(60)  # type: ignore[attr-defined]
        yield msg


async def test_a_redone_batch_keeps_each_message_s_time(rt: Runtime) -> None:
    push_id = _push(rt)
    batch = [_ack(rt, i, f"wj_h{i}") for i in range(3)]
    rt.app.ingest(_ticking(rt, batch))
    expected = _receipt_times(rt, push_id)
    assert len(expected) == 3
    # The same batch again in a fresh push, the last message failing this time.
    second = _push(rt)
    dispatch = rt.app.chat.dispatch

    def failing(ctx, msg):  # type: ignore[no-untyped-def]
        dispatch(ctx, msg)
        if msg.sender == "wj_h2":
            raise RuntimeError("坏消息")

    rt.app.chat.dispatch = failing  # type: ignore[method-assign]
    again = [replace(m, id=f"again-{i}") for i, m in enumerate(batch)]
    clock = rt.app.clock
    start = clock.now()
    assert rt.app.ingest(_ticking(rt, again)) == 3
    times = _receipt_times(rt, second)
    assert sorted(times) == ["wj_h0", "wj_h1"]  # wj_h2 rolled back alone
    first = rt.store._dt_req(times["wj_h0"])  # type: ignore[attr-defined]
    later = rt.store._dt_req(times["wj_h1"])  # type: ignore[attr-defined]
    assert (first - start).total_seconds() == 60  # as first handled, not at the redo
    assert (later - start).total_seconds() == 120
    assert rt.store.message_count() == 6


def test_a_failing_source_is_not_swallowed(rt: Runtime) -> None:
    push_id = _push(rt)

    def source() -> Iterator[IncomingMessage]:
        yield _ack(rt, 0, "wj_h0")
        raise OSError("断线")

    with pytest.raises(OSError):
        rt.app.ingest(source())
    assert rt.store.receipt_count(push_id) == 0  # the batch did not commit
