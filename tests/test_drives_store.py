"""The DriveStore (and the task reads a replay repeats) on SQLite and PostgreSQL (the `store`
fixture of test_store.py runs each)."""

from __future__ import annotations

from datetime import date, timedelta

from bot.domain.drives import VIA_IMAGE, Drive, DriveReceipt, Milestone
from bot.domain.model import Org
from bot.domain.tasks import MassTask
from bot.store import Store
from tests.test_store import NOW, _push, store  # noqa: F401 (the fixture, one per implementation)


def test_drives_round_trip_and_receipts_count_once(store: Store) -> None:  # noqa: F811
    drive = Drive(
        0,
        "推广国家反诈中心APP",
        ("已安装", "装好了"),
        True,
        date(2026, 11, 23),
        date(2026, 11, 30),
        (Milestone(date(2026, 11, 25), 0.5), Milestone(date(2026, 11, 30), 0.8)),
        (("王家村", (Milestone(date(2026, 11, 30), 0.3),)),),
        NOW,
        "张主任",
    )
    first = store.add_drive(drive)
    other = Drive(0, "第二项", ("已注册",), False, drive.starts, drive.ends, drive.targets)
    second = store.add_drive(other)
    assert (first, second) == (1, 2)
    got = store.get_drive(first)
    assert got is not None and got == Drive(**{**drive.__dict__, "id": 1})
    assert [d.id for d in store.drives()] == [2, 1]
    for day, open_ids in ((drive.starts, [2, 1]), (drive.ends, [2, 1]), (date(2026, 12, 1), [])):
        assert [d.id for d in store.drives(open_on=day)] == open_ids
        assert open_ids == [d.id for d in store.drives() if d.is_open(day)]
    assert store.get_drive(9) is None
    r = DriveReceipt(1, "wj_h0", "王家村", "wj", NOW, message_id="m1")
    assert store.add_drive_receipt(r)
    assert not store.add_drive_receipt(DriveReceipt(1, "wj_h0", "王家村", None, NOW))  # once
    later = NOW + timedelta(days=1)
    assert store.add_drive_receipt(DriveReceipt(1, "lj1_h0", "李家村", "lj1", later, VIA_IMAGE))
    assert store.add_drive_receipt(DriveReceipt(2, "wj_h0", "王家村", None, NOW))  # other drive
    assert store.drive_counts(1) == {"王家村": 1, "李家村": 1}
    assert store.drive_counts(1, until=later) == {"王家村": 1}
    assert [(x.wechat, x.group_id, x.via, x.message_id) for x in store.drive_receipts(1)] == [
        ("wj_h0", "wj", "文字", "m1"),
        ("lj1_h0", "lj1", "截图", ""),
    ]
    assert store.drive_receipts(1)[1].at == later


def test_task_reads_in_a_transaction_see_its_writes(store: Store, town: Org) -> None:  # noqa: F811
    # On SQLite a read inside a transaction is kept (a replay asks for open tasks after
    # every batch); each write must still show in the reads after it.
    store.save_org(town, NOW, "test")
    push = _push(store, town)
    with store.transaction():
        assert store.mass_tasks(state="pending") == []
        store.add_mass_tasks([MassTask(push, "wj_p1", ("wj1",), NOW)])
        assert [t.member for t in store.mass_tasks(state="pending")] == ["wj_p1"]
        store.update_mass_task(push, "wj_p1", state="created", task_id="msg1")
        assert store.mass_tasks(state="pending") == []
        assert [t.task_id for t in store.mass_tasks(push, state="created")] == ["msg1"]
        assert store.mass_tasks(push)[0].reminds == ()
        store.add_mass_task_remind(push, "wj_p1", NOW)
        assert store.mass_tasks(push)[0].reminds == (NOW,)
    with store.transaction():
        store.update_mass_task(push, "wj_p1", state="sent", sent_at=NOW)
        assert [t.state for t in store.mass_tasks()] == ["sent"]
    assert store.mass_tasks(state="created") == []
