"""Coverage from the store's boiled-down facts (issue 12) gives the very figures of the
domain's `coverage` over every signature and delivery, whole and per unit, on SQLite and
on a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import SimClock
from bot.config import Config
from bot.domain.coverage import coverage, coverage_of, middle
from bot.domain.model import Group, Level, Member, Mode, Org, Push, Role, UnitTally
from bot.runtime import Runtime, build
from bot.settings import StoreSection
from tests.conftest import make_config, small_town
from tests.pgserver import new_database


def _town() -> Org:
    """The small town, with 李家村 also in a screenshot-proven group (heard elsewhere) and a
    second pusher for 中心小学 (whose only group is unheard)."""
    town = small_town()
    extra = Group("lj3", "李家村三网格群", Level.GRID, "lj", "李家村", Mode.EVIDENCE)
    pusher = Member("学校副联络员", Role.PUSHER, "中心小学", "school_p2", ("cmd", "school"))
    return replace(town, groups=(*town.groups, extra), members=(*town.members, pusher))


@pytest.fixture(params=["sqlite", "postgres"])
def runtime(request: pytest.FixtureRequest, tmp_path: Path, clock: SimClock) -> Iterator[Runtime]:
    config: Config = make_config(tmp_path)
    if request.param == "postgres":
        url = new_database(request.getfixturevalue("postgres_server"))
        config = replace(config, store=StoreSection(url=url))
    rt = build(config, clock, org=_town())
    yield rt
    rt.store.close()


def _reference(app: App, push: Push, unit: str | None) -> dict[str, object]:
    """What `App.coverage` gave before issue 12: every row read and filtered in Python."""
    store = app.store
    tallies, signatures = store.tallies(push.id), store.signatures(push.id)
    deliveries = store.deliveries(push.id)
    if unit is not None:
        assigned = {w for w, u in store.assignments(push.id) if u == unit}
        tallies = [t for t in tallies if t.unit == unit]
        signatures = [s for s in signatures if s.member in assigned]
        deliveries = [d for d in deliveries if d.unit == unit]
    return coverage(push, tallies, signatures, deliveries).as_json()


def _check(app: App, push: Push) -> None:
    for unit in (None, *app.org.units):
        got = app.coverage(push, unit)
        assert got.as_json() == _reference(app, push, unit), unit
        assert got.unseen_acks == ({"中心小学"} if unit in (None, "中心小学") else set()), unit


def test_middle_of_sorted_values() -> None:
    assert [middle(n) for n in (1, 2, 3, 4, 7)] == [(0, 1), (0, 2), (1, 1), (1, 2), (3, 1)]


def test_facts_give_the_same_coverage(runtime: Runtime, clock: SimClock) -> None:
    app, store = runtime.app, runtime.store
    office = app.org.member("office")
    assert office is not None
    push = app.create_push("反诈提醒", "正文", office, clock.now())
    _check(app, push)  # nothing signed or delivered: no medians
    pushers = [w for w, _ in store.assignments(push.id)]
    deliveries = store.deliveries(push.id)
    # Signatures and deliveries one, two, then several at a time, with ties and gaps.
    for step, (wechat, delivery) in enumerate(zip(pushers, deliveries, strict=False)):
        clock.advance(37 * (step % 3) + 0.5)
        member = app.org.member(wechat)
        assert member is not None and member.unit is not None
        store.add_signature(push.id, wechat, member.unit, clock.now(), None)
        if step % 4 != 3:  # some groups stay undelivered
            store.mark_delivered(push.id, delivery.group_id, clock.now(), "relay")
        _check(app, push)
    whole = app.coverage(push)
    assert whole.median_sign_minutes is not None and whole.median_deliver_minutes is not None


def test_units_are_made_from_the_stored_rows_when_asked(runtime: Runtime, clock: SimClock) -> None:
    """The report reads plain rows; its units are the store's UnitTallies, whole and per
    unit, and the report equals the one built from those UnitTallies."""
    app, store = runtime.app, runtime.store
    office = app.org.member("office")
    assert office is not None
    push = app.create_push("反诈提醒", "正文", office, clock.now())
    delivery = store.deliveries(push.id)[0]
    store.mark_delivered(push.id, delivery.group_id, clock.now(), "relay")
    for unit in (None, *app.org.units):
        got = app.coverage(push, unit)
        assert "units" not in vars(got)  # not made yet
        tallies = store.tallies(push.id, unit)
        assert got.units == tuple(tallies) and all(type(u) is UnitTally for u in got.units)
        facts = store.coverage_facts(push.id, unit)
        assert got == coverage_of(push, tallies, facts)
        assert got.acks == sum(t.acks + t.read_acks for t in tallies)
        assert got.households == sum(t.households for t in tallies)
