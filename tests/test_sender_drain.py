"""How often a drain reads the outbox: once when everything pending goes out and nothing is
queued meanwhile, again whenever something was; rows another process queued are found by
the next drain. At night, held relays neither block an answer queued after them nor get read
again on every drain, and a part queued after a held part of its push still waits for it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.clock import SimClock
from bot.domain.model import OutboxItem, OutgoingMessage
from bot.outbox.sender import PacedSender
from bot.runtime import Runtime
from bot.store import SqliteStore, open_store
from tests.conftest import START


def _count_reads(sender: PacedSender) -> list[int]:
    """Count the sender's reads of pending rows (one entry per read: how many it found)."""
    reads: list[int] = []
    read: Callable[[int, int], list[OutboxItem]] = sender.pending

    def counted(limit: int, after: int) -> list[OutboxItem]:
        rows = read(limit, after)
        reads.append(len(rows))
        return rows

    sender.pending = counted
    return reads


def _queue(rt: Runtime, *conversations: str) -> None:
    for c in conversations:
        rt.store.enqueue(OutgoingMessage(conversation=c, text=f"给{c}的通知"), START)


def _queue_relays(rt: Runtime, group: str, n: int) -> None:
    for i in range(n):
        out = OutgoingMessage(conversation=group, text=f"转发{i}", push_id=1, group_id=group)
        rt.store.enqueue(replace(out, dedupe_key=f"relay:{i}"), START)


def _sent(rt: Runtime) -> Sequence[str]:
    assert rt.simulator is not None
    return [line.conversation for line in rt.simulator.pop_sent()]


async def test_a_drain_that_sends_everything_asks_once(rt: Runtime) -> None:
    reads = _count_reads(rt.app.sender)
    _queue(rt, "wj", "lj")
    assert await rt.app.sender.drain() == 2
    assert _sent(rt) == ["wj", "lj"]
    assert reads == [2]  # both rows went out, nothing was queued: no second read
    assert rt.app.sender.next_wakeup(rt.app.clock.now()) is None
    assert reads == [2]  # nor a read to know nothing is held
    assert rt.store.outbox("pending") == []


async def test_rows_queued_while_draining_go_out_in_the_same_drain(rt: Runtime) -> None:
    reads = _count_reads(rt.app.sender)
    sender = rt.app.sender
    send = sender.on_sent

    def and_queue_one(item: OutboxItem, at: datetime) -> None:
        send(item, at)
        if item.conversation == "wj":
            _queue(rt, "lj1")

    sender.on_sent = and_queue_one
    _queue(rt, "wj")
    assert await sender.drain() == 2
    assert _sent(rt) == ["wj", "lj1"]
    assert reads == [1, 1]


async def test_a_row_another_process_queued_is_found_by_the_next_drain(rt: Runtime) -> None:
    reads = _count_reads(rt.app.sender)
    _queue(rt, "wj")
    await rt.app.sender.drain()
    assert _sent(rt) == ["wj"]
    store = rt.store
    assert isinstance(store, SqliteStore)
    other = open_store(store.path, rt.app.config.tz)  # another process's connection
    other.enqueue(OutgoingMessage(conversation="lj", text="另一进程排队的通知"), START)
    other.close()
    assert await rt.app.sender.drain() == 1
    assert _sent(rt) == ["lj"]
    assert reads == [1, 1]  # the second drain read again, found the row and sent it


async def test_at_night_an_answer_goes_out_behind_many_held_relays(
    rt: Runtime, clock: SimClock
) -> None:
    # A county's relays queued at 22:30 wait for 07:00; the leader's answer in the command
    # group, queued after all of them, must not wait behind them.
    clock.advance(13.5 * 3600)
    _queue_relays(rt, "wj", 1200)
    _queue(rt, "cmd")
    assert await rt.app.sender.drain() == 1
    assert _sent(rt) == ["cmd"]
    assert rt.app.sender.next_wakeup(clock.now()) == 8.5 * 3600


async def test_held_rows_are_read_once_until_they_are_due(rt: Runtime, clock: SimClock) -> None:
    clock.advance(13.5 * 3600)  # 22:30
    _queue_relays(rt, "wj", 30)
    reads = _count_reads(rt.app.sender)
    assert await rt.app.sender.drain() == 0
    assert len(reads) == 1
    for _ in range(3):  # later drains and wake-ups find the rows still held: no read
        clock.advance(600)
        assert await rt.app.sender.drain() == 0
        assert rt.app.sender.next_wakeup(clock.now()) == 8.5 * 3600 - 600 * (_ + 1)
    assert len(reads) == 1
    _queue(rt, "cmd")  # something queued: read again
    assert await rt.app.sender.drain() == 1
    assert _sent(rt) == ["cmd"] and len(reads) == 2
    clock.advance_to(START + timedelta(days=1, hours=-2))  # 07:00 next day
    assert await rt.app.sender.drain() == 30
    assert _sent(rt) == ["wj"] * 30


async def test_a_part_queued_after_a_held_part_of_its_push_waits_for_it(
    rt: Runtime, clock: SimClock
) -> None:
    first = OutgoingMessage(conversation="cmd", text="第一部分", push_id=1, dedupe_key="p1")
    rt.store.enqueue(first, START, not_before=START + timedelta(minutes=1))  # a retry's wait
    assert await rt.app.sender.drain() == 0
    second = replace(first, text="第二部分", dedupe_key="p2")
    rt.store.enqueue(second, START)  # due now, but after the held part of the same push
    _queue(rt, "wj")  # due now, and no part of anything
    assert await rt.app.sender.drain() == 1
    assert _sent(rt) == ["wj"]
    clock.advance(60)
    assert await rt.app.sender.drain() == 2
    assert rt.simulator is not None
    assert [line.text for line in rt.simulator.pop_sent()] == ["第一部分", "第二部分"]
