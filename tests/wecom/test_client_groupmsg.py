"""Customer-group mass sends against the fake: create, member confirmation, task status in
both readings, results only for sent groups, cursors, the monthly quota, reminds, cancel."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import SimClock
from bot.transport.wecom import WecomClient, WecomError, WecomRejectedError
from tests.wecom.conftest import START
from tests.wecom.fake_server import FakeWecom
from tests.wecom.fake_world import FakeGroup, FakeOptions


async def test_nothing_is_sent_until_the_member_confirms(
    fake: FakeWecom, client: WecomClient, clock: SimClock
) -> None:
    msgid = await client.add_group_msg_task("li1", ["wrlj1a", "wrlj1b"], "防范电信诈骗通知")
    [task] = await client.group_msg_tasks(msgid)
    assert (task.userid, task.status, task.send_time) == ("li1", 0, None)
    assert not task.sent and not task.confirmed
    assert await client.group_msg_send_results(msgid, "li1") == []

    clock.advance(600)
    fake.confirm(msgid, "li1", ["wrlj1a"])  # the member picks one of the two groups
    [task] = await client.group_msg_tasks(msgid)
    assert task.sent and task.status == 2 and task.send_time == START + timedelta(minutes=10)
    results = await client.group_msg_send_results(msgid, "li1")
    assert [(r.chat_id, r.status, r.sent) for r in results] == [("wrlj1a", 1, True)]
    assert results[0].send_time == START + timedelta(minutes=10)
    assert await client.group_msg_send_results(msgid, "li2") == []


@pytest.mark.parametrize("options", [FakeOptions(status_variant="0/1/2")])
async def test_the_0_1_2_reading_confirmed_is_not_sent(
    fake: FakeWecom, client: WecomClient
) -> None:
    msgid = await client.add_group_msg_task("li2", ["wrlj2a"], "通知")
    fake.acknowledge(msgid, "li2")
    [task] = await client.group_msg_tasks(msgid)
    assert task.status == 1 and task.confirmed and not task.sent and task.send_time is None
    assert await client.group_msg_send_results(msgid, "li2") == []
    fake.confirm(msgid, "li2")
    [task] = await client.group_msg_tasks(msgid)
    assert task.status == 2 and task.sent


async def test_the_0_2_reading_never_shows_1(fake: FakeWecom, client: WecomClient) -> None:
    msgid = await client.add_group_msg_task("li2", ["wrlj2a"], "通知")
    fake.acknowledge(msgid, "li2")
    [task] = await client.group_msg_tasks(msgid)
    assert task.status == 0


@pytest.mark.parametrize("options", [FakeOptions(page_cap=2)])
async def test_results_and_group_lists_follow_cursors_across_pages(
    fake: FakeWecom, client: WecomClient
) -> None:
    extra = [FakeGroup(f"wrx{i}", f"群{i}", "li1") for i in range(5)]
    fake.world.groups.extend(extra)
    ids = await client.group_chat_ids(["li1"])
    assert ids == ["wrlj1a", "wrlj1b"] + [g.chat_id for g in extra]
    assert fake.count("externalcontact/groupchat/list") == 4
    msgid = await client.add_group_msg_task("li1", ids, "通知")
    fake.confirm(msgid, "li1")
    results = await client.group_msg_send_results(msgid, "li1")
    assert [r.chat_id for r in results] == ids
    assert fake.count("externalcontact/get_groupmsg_send_result") == 4


@pytest.mark.parametrize("options", [FakeOptions(quota_rule="legacy4")])
async def test_a_group_over_its_monthly_quota_gives_41048(
    fake: FakeWecom, client: WecomClient, clock: SimClock
) -> None:
    for _ in range(4):
        msgid = await client.add_group_msg_task("li2", ["wrlj2a"], "通知")
        fake.confirm(msgid, "li2")
    assert fake.quota_left("wrlj2a") == 0
    with pytest.raises(WecomRejectedError) as info:
        await client.add_group_msg_task("li2", ["wrlj2a"], "第五条")
    err = info.value
    assert err.errcode == 41048 and not err.retry_later
    assert "本月" in str(err) and "群发次数已用完" in str(err)
    clock.advance_to(START.replace(month=12, day=1))
    assert await client.add_group_msg_task("li2", ["wrlj2a"], "下个月")


@pytest.mark.parametrize(
    ("rule", "cap", "next_window", "next_cap"),
    [
        ("days_in_month", 30, timedelta(days=8), 31),  # November, then December
        ("legacy4", 4, timedelta(days=8), 4),
        ("weekly7", 7, timedelta(days=7), 7),
        ("daily1", 1, timedelta(days=1), 1),
    ],
)
async def test_quota_rules(
    fake: FakeWecom, clock: SimClock, rule: str, cap: int, next_window: timedelta, next_cap: int
) -> None:
    from bot.transport.wecom import quota_left

    fake.options.quota_rule = rule
    assert fake.quota_left("wrwj1") == cap
    received = []
    for _ in range(cap):
        msgid = fake.task_for_test("wang", ["wrwj1"])
        fake.confirm(msgid, "wang")
        received.append(clock.now())
    assert fake.quota_left("wrwj1") == 0 == quota_left(rule, clock.now(), received)
    clock.advance(next_window.total_seconds())
    assert fake.quota_left("wrwj1") == next_cap == quota_left(rule, clock.now(), received)


@pytest.mark.parametrize("options", [FakeOptions(quota_rule="daily1")])
async def test_only_groups_with_quota_left_are_sent(fake: FakeWecom, client: WecomClient) -> None:
    first = await client.add_group_msg_task("li1", ["wrlj1a"], "上午")
    fake.confirm(first, "li1")
    second = await client.add_group_msg_task("li1", ["wrlj1a", "wrlj1b"], "下午")
    assert fake.task(second).chat_ids == ["wrlj1b"]
    fake.confirm(second, "li1")
    results = await client.group_msg_send_results(second, "li1")
    assert [r.chat_id for r in results] == ["wrlj1b"]


@pytest.mark.parametrize("options", [FakeOptions(quota_rule="daily1", quota_fail_rows=True)])
async def test_over_quota_at_send_time_as_status_3_when_configured(
    fake: FakeWecom, client: WecomClient
) -> None:
    a = await client.add_group_msg_task("li2", ["wrlj2a"], "一")
    b = await client.add_group_msg_task("li2", ["wrlj2a"], "二")
    fake.confirm(a, "li2")
    fake.confirm(b, "li2")
    [row] = await client.group_msg_send_results(b, "li2")
    assert (row.status, row.sent, row.send_time) == (3, False, None)


async def test_remind_is_capped_at_three_per_24_hours(
    fake: FakeWecom, client: WecomClient, clock: SimClock
) -> None:
    msgid = await client.add_group_msg_task("li1", ["wrlj1a"], "通知")
    for _ in range(3):
        await client.remind_group_msg(msgid)
        clock.advance(3600)
    with pytest.raises(WecomRejectedError) as info:
        await client.remind_group_msg(msgid)
    assert info.value.errcode == 41094 and "24 小时 3 次" in str(info.value)
    assert "提醒成员群发（remind_groupmsg_send）" in str(info.value)
    clock.advance(21 * 3600)  # the first remind is now 24 h old
    await client.remind_group_msg(msgid)


async def test_cancel_stops_reminds_and_keeps_what_was_sent(
    fake: FakeWecom, client: WecomClient
) -> None:
    msgid = await client.add_group_msg_task("li1", ["wrlj1a", "wrlj1b"], "通知")
    fake.confirm(msgid, "li1", ["wrlj1a"])
    await client.cancel_group_msg(msgid)
    with pytest.raises(WecomRejectedError) as info:
        await client.remind_group_msg(msgid)
    assert info.value.errcode == 41093 and "已被取消" in str(info.value)
    assert [r.chat_id for r in await client.group_msg_send_results(msgid, "li1")] == ["wrlj1a"]
    with pytest.raises(WecomRejectedError, match="41047"):
        await client.cancel_group_msg("msg-unknown")


@pytest.mark.parametrize("options", [FakeOptions(dispatch_window=5)])
async def test_a_fresh_task_is_still_dispatching(
    fake: FakeWecom, client: WecomClient, clock: SimClock
) -> None:
    msgid = await client.add_group_msg_task("li1", ["wrlj1a"], "通知")
    with pytest.raises(WecomError) as info:
        await client.group_msg_tasks(msgid)
    assert info.value.errcode == 41063 and info.value.retry_later
    assert "派发" in str(info.value)
    clock.advance(6)
    assert len(await client.group_msg_tasks(msgid)) == 1
