"""Group commit on PostgreSQL, where a transaction's statements are pipelined: a message's
failing write (whose result nobody reads) still rolls back that message alone, and reads
sent ahead or kept for the transaction see this transaction's own writes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from bot.config import Config
from bot.domain.drives import Drive, Milestone
from bot.runtime import Runtime
from bot.settings import StoreSection
from tests.conftest import make_config
from tests.pgserver import new_database
from tests.test_perf_levers import (  # the same tests, collected here too
    _ack,
    failing_batch,
    test_a_bad_message_in_a_batch_rolls_back_alone,
    test_all_signed_is_announced_once_when_the_last_signs_in_a_batch,
    test_an_announced_batch_handles_each_message_once,
    test_an_announced_group_s_latest_push_follows_a_delivery_in_the_batch,
    test_nothing_is_sent_before_its_batch_commits,
)

__all__ = [
    "test_a_bad_message_in_a_batch_rolls_back_alone",
    "test_all_signed_is_announced_once_when_the_last_signs_in_a_batch",
    "test_an_announced_batch_handles_each_message_once",
    "test_an_announced_group_s_latest_push_follows_a_delivery_in_the_batch",
    "test_nothing_is_sent_before_its_batch_commits",
]


@pytest.fixture
def config(tmp_path: Path, postgres_server: str) -> Config:
    """The usual test config, with its records in a fresh PostgreSQL database."""
    return replace(make_config(tmp_path), store=StoreSection(url=new_database(postgres_server)))


@pytest.mark.parametrize("announced", [False, True], ids=["one by one", "announced"])
@pytest.mark.parametrize("bad", [1, 2], ids=["in the middle", "last of the batch"])
async def test_a_failing_write_nobody_reads_rolls_back_its_message_alone(
    rt: Runtime, bad: int, announced: bool
) -> None:
    # Last of the batch: nothing reads after it, so its error surfaces only at COMMIT.
    app, store = rt.app, rt.store
    push, batch = failing_batch(  # the server refuses this write; nobody reads its result
        rt, f"wj_h{bad}", lambda: store._x("INSERT INTO receipts (push_id) VALUES (NULL)")
    )
    assert app.ingest(batch if announced else iter(batch)) == 3
    assert store.receipt_count(push.id) == 2  # the bad one rolled back alone
    errors = store._x(  # type: ignore[attr-defined]
        "SELECT id FROM messages WHERE error IS NOT NULL"
    ).fetchall()
    assert [r[0] for r in errors] == [f"batch-{bad}"]  # stored with its error, alone
    await app.settle()
    assert rt.simulator is not None
    rt.simulator.pop_sent()


def test_reads_sent_ahead_see_the_transaction_s_own_writes(rt: Runtime) -> None:
    app, store = rt.app, rt.store
    office = app.org.member("office")
    assert office is not None
    push = app.create_push("预读", "请勿向陌生人转账。", office, app.clock.now())
    day = date(2026, 11, 23)
    with store.transaction():
        assert store.record_message(_ack(rt, 0, "wj_h0", "wj"))  # its group's read goes ahead
        assert store.mark_delivered(push.id, "wj", app.clock.now(), "relay")
        assert store.latest_delivered_push("wj") == push.id
        assert store.drives(open_on=day) == []
        drive = Drive(0, "专项", ("已安装",), False, day, day, (Milestone(day, 1),))
        number = store.add_drive(drive)
        assert [d.id for d in store.drives(open_on=day)] == [number]
    assert store.latest_delivered_push("wj") == push.id


def test_an_announced_batch_of_acks_waits_the_same_whatever_its_size(rt: Runtime) -> None:
    # Which ids are stored and the groups' latest pushes come back in one round trip (the
    # open drives in another, once a batch); the messages and receipts are then written
    # without waiting for an answer each.
    app, store = rt.app, rt.store
    office = app.org.member("office")
    assert office is not None
    push = app.create_push("一次往返", "请勿向陌生人转账。", office, app.clock.now())
    for group in ("wj", "lj1", "lj2"):
        store.mark_delivered(push.id, group, app.clock.now(), "relay")
    acks = [_ack(rt, 0, f"{g}_h{i}", g) for i in range(4) for g in ("wj", "lj1", "lj2")]
    acks = [replace(m, id=f"{m.sender}-ack") for m in acks]
    waits = 0
    sync = store._sync  # type: ignore[attr-defined]

    def counted() -> None:
        nonlocal waits
        waits += 1
        sync()

    store._sync = counted  # type: ignore[attr-defined]
    assert app.ingest(acks[:3]) == 3
    small, waits = waits, 0
    assert app.ingest(acks[3:]) == 9
    assert waits == small <= 2
    assert store.receipt_count(push.id) == 12
    # One statement's receipts bump each unit's counter by how many it got.
    acks = {t.unit: t.acks for t in store.tallies(push.id)}
    assert (acks["王家村"], acks["李家村"]) == (4, 8)
