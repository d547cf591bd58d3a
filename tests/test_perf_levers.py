"""Issue 12's cost levers keep behaviour: group commit, the roster read once, narrow
relay readiness, the latest-delivered cache."""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

import bot.app as app_module
from bot.clock import SimClock
from bot.config import Config
from bot.domain.model import IncomingMessage, Org, Push
from bot.runtime import Runtime, build, reads_back_same
from tests.conftest import small_town


def _ack(rt: Runtime, i: int, who: str, group: str) -> IncomingMessage:
    assert rt.simulator is not None
    msg = rt.simulator.message(who, "收到", group)
    return replace(msg, id=f"batch-{i}")


def failing_batch(rt: Runtime, bad: str, fail: Callable[[], object]) -> tuple[Push, list[Any]]:
    """A push delivered to group wj and three households' 收到 there; the message from `bad`
    is handled in full, then `fail()` runs (raising, or writing what the server refuses)."""
    app, store = rt.app, rt.store
    office = app.org.member("office")
    assert office is not None
    push = app.create_push("组提交", "请勿向陌生人转账。", office, app.clock.now())
    store.mark_delivered(push.id, "wj", app.clock.now(), "relay")
    dispatch = app.chat.dispatch

    def failing(ctx, msg):  # type: ignore[no-untyped-def]
        dispatch(ctx, msg)  # its writes happen, then it fails: they must be undone
        if msg.sender == bad:
            fail()

    app.chat.dispatch = failing  # type: ignore[method-assign]
    return push, [_ack(rt, i, f"wj_h{i}", "wj") for i in range(3)]


def _raise() -> None:
    raise RuntimeError("坏消息")


async def test_a_bad_message_in_a_batch_rolls_back_alone(rt: Runtime) -> None:
    app, store = rt.app, rt.store
    push, batch = failing_batch(rt, "wj_h1", _raise)
    assert app.ingest(iter(batch)) == 3
    assert store.receipt_count(push.id) == 2  # wj_h0 and wj_h2; wj_h1 rolled back alone
    assert store.message_count() >= 3  # the bad one is stored too (with its error)
    assert app.ingest(iter(batch)) == 3  # a replayed batch changes nothing
    assert store.receipt_count(push.id) == 2
    await app.settle()
    assert rt.simulator is not None
    rt.simulator.pop_sent()


async def test_nothing_is_sent_before_its_batch_commits(rt: Runtime) -> None:
    app = rt.app
    office = app.org.member("office")
    assert office is not None
    app.create_push("组提交", "请勿向陌生人转账。", office, app.clock.now())
    await app.settle()
    assert rt.simulator is not None
    rt.simulator.pop_sent()
    seen: list[int] = []
    store = app.store

    def relay_sent(line: object) -> None:
        seen.append(store._depth)  # type: ignore[attr-defined]

    rt.simulator.subscribe(relay_sent)
    app.ingest(iter([_ack(rt, 0, "wj_p", "cmd"), _ack(rt, 1, "lj_p1", "cmd")]))
    assert not seen  # signing queued the relays; none went out inside the batch
    await app.settle()
    assert seen and set(seen) == {0}  # sent afterwards, outside any transaction
    rt.simulator.pop_sent()


def test_the_app_keeps_the_roster_it_stored(config: Config, clock: SimClock) -> None:
    org = small_town()
    rt = build(config, clock, org=org)
    assert rt.app.org is org  # not a second copy read back
    assert rt.app.org == rt.store.load_org()
    rt.store.close()


def test_a_roster_read_back_differently_is_read_back(config: Config, clock: SimClock) -> None:
    town = small_town()
    members = tuple(
        replace(m, groups=tuple(reversed(m.groups))) if m.wechat == "lj_p1" else m
        for m in town.members
    )
    org = Org(town.town, town.groups, members)
    assert not reads_back_same(org)
    rt = build(config, clock, org=org)
    assert rt.app.org is not org
    lj_p1 = rt.app.org.member("lj_p1")
    assert lj_p1 is not None and lj_p1.groups == ("cmd", "lj", "lj1")
    rt.store.close()


def _tracked(obj: object) -> bool:
    return any(o is obj for o in gc.get_objects())


def test_a_large_roster_is_kept_out_of_the_collector_s_full_passes(
    config: Config, clock: SimClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = small_town()
    rt = build(config, clock, org=small)
    assert _tracked(rt.app.org.members)  # a town's roster is left to the collector
    rt.store.close()

    monkeypatch.setattr(app_module, "LONG_LIVED_MEMBERS", len(small.members))
    try:
        rt = build(config, clock, org=small_town())
        large = rt.app.org
        assert not _tracked(large.members)  # frozen: full collections no longer walk it
        rt.store.close()
    finally:
        gc.unfreeze()
    assert _tracked(large.members)


def test_latest_delivered_cache_forgets_what_a_rollback_undid(rt: Runtime) -> None:
    app, store = rt.app, rt.store
    office = app.org.member("office")
    assert office is not None
    first = app.create_push("一", "请勿向陌生人转账。", office, app.clock.now())
    store.mark_delivered(first.id, "wj", app.clock.now(), "relay")
    second = app.create_push("二", "不要点陌生链接。", office, app.clock.now())
    try:
        with store.transaction():
            store.mark_delivered(second.id, "wj", app.clock.now(), "relay")
            assert store.latest_delivered_push("wj") == second.id
            raise RuntimeError("回滚")
    except RuntimeError:
        pass
    assert store.latest_delivered_push("wj") == first.id
    assert rt.simulator is not None
    rt.simulator.pop_sent()


async def test_an_announced_batch_handles_each_message_once(rt: Runtime) -> None:
    # A list is announced to the store (App.ingest's `ahead`): a message stored before and
    # a copy inside the batch are still duplicates, and a redo goes on where it stopped.
    app, store = rt.app, rt.store
    push, batch = failing_batch(rt, "wj_h1", _raise)
    assert app.ingest(batch[:1]) == 1
    again = [batch[0], *batch[1:], batch[2]]  # stored before; then wj_h1 fails; a copy
    assert app.ingest(again) == 4
    assert store.receipt_count(push.id) == 2  # wj_h0 and wj_h2, each once
    assert store.message_count() == 3
    await app.settle()
    assert rt.simulator is not None
    rt.simulator.pop_sent()


def test_an_announced_group_s_latest_push_follows_a_delivery_in_the_batch(rt: Runtime) -> None:
    app, store = rt.app, rt.store
    office = app.org.member("office")
    assert office is not None
    first = app.create_push("预读一", "请勿向陌生人转账。", office, app.clock.now())
    second = app.create_push("预读二", "陌生来电要核实。", office, app.clock.now())
    store.mark_delivered(first.id, "wj", app.clock.now(), "relay")
    acks = [_ack(rt, 0, "wj_h0", "wj"), _ack(rt, 1, "wj_h1", "wj")]
    with store.transaction():
        store.expect(acks)
        assert store.record_message(acks[0])
        assert store.latest_delivered_push("wj") == first.id
        assert store.mark_delivered(second.id, "wj", app.clock.now(), "relay")
        assert store.record_message(acks[1])
        assert store.latest_delivered_push("wj") == second.id
        assert not store.record_message(acks[1])  # the same id again in the batch
    assert store.latest_delivered_push("wj") == second.id
    assert store.message_count() == 2


async def test_all_signed_is_announced_once_when_the_last_signs_in_a_batch(rt: Runtime) -> None:
    # The signature count every signature asks for is kept up within the batch.
    app = rt.app
    office = app.org.member("office")
    assert office is not None
    app.create_push("转账提醒", "请勿向陌生人转账。", office, app.clock.now())
    await app.settle()
    assert rt.simulator is not None
    rt.simulator.pop_sent()
    pushers = ["lj_p1", "lj_p2", "wj_p", "bank_p", "school_p"]
    app.ingest([_ack(rt, 0, pushers[0], "cmd"), _ack(rt, 1, pushers[1], "cmd")])
    rest = [_ack(rt, i, p, "cmd") for i, p in enumerate(pushers[2:], start=2)]
    app.ingest([rest[0], replace(rest[0], id="again"), *rest[1:]])
    await app.settle()
    done = [s.text for s in rt.simulator.pop_sent() if "已全部签收" in s.text]
    assert done == ["第1期《转账提醒》已全部签收（5/5）。"]
