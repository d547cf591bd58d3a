"""Fixtures: a small township corp served by the fake WeCom server, and a client on it.

The client's clock and the fake's clock are one `SimClock` unless a test says otherwise; the
client's backoff sleeps are recorded and move that clock forward instead of waiting.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest

from bot.clock import SHANGHAI, SimClock
from bot.transport.wecom import WecomApiSettings, WecomClient
from tests.wecom.fake_server import FakeWecom
from tests.wecom.fake_world import FakeApp, FakeGroup, FakeMember, FakeOptions, World

START = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
CORP = "wwtestcorp0001"
CONTACT_SECRET = "contact-secret-0001"  # 客户联系 secret
APP_SECRET = "app-secret-0002"  # self-built app in 可调用应用, AgentId 1000002
OUTSIDE_SECRET = "app-secret-0003"  # self-built app NOT in 可调用应用
AGENT_ID = 1000002
HOOK_KEY = "hook-key-0001"


def town_world() -> World:
    """Grid members li1 (two groups), li2 (one), wang (one); office has none."""

    def residents(prefix: str, n: int) -> list[FakeMember]:
        return [FakeMember(f"wm{prefix}{i}", 2, f"居民{prefix}{i}", f"{i}号户") for i in range(n)]

    return World(
        corp_id=CORP,
        apps=[
            FakeApp(CONTACT_SECRET),
            FakeApp(APP_SECRET, agent_id=AGENT_ID),
            FakeApp(OUTSIDE_SECRET, agent_id=1000003, customer_contact=False),
        ],
        users=["li1", "li2", "wang", "office"],
        groups=[
            FakeGroup(
                "wrlj1a",
                "李家村一网格1群",
                "li1",
                [FakeMember("li1", 1, "李一"), *residents("a", 3)],
            ),
            FakeGroup(
                "wrlj1b",
                "李家村一网格2群",
                "li1",
                [FakeMember("li1", 1, "李一"), *residents("b", 2)],
            ),
            FakeGroup(
                "wrlj2a",
                "李家村二网格群",
                "li2",
                [FakeMember("li2", 1, "李二"), *residents("c", 2)],
            ),
            FakeGroup("wrwj1", "王家村群", "wang", [FakeMember("wang", 1, "王网格员")]),
        ],
        webhook_keys=[HOOK_KEY],
    )


class Sleeps:
    """The client's injected sleep: records each delay and advances the simulated clock."""

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.clock.advance(seconds)


@pytest.fixture
def clock() -> SimClock:
    return SimClock(START)


@pytest.fixture
def options() -> FakeOptions:
    return FakeOptions()


@pytest.fixture
async def fake(clock: SimClock, options: FakeOptions) -> AsyncIterator[FakeWecom]:
    server = FakeWecom(town_world(), clock.now, options)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def sleeps(clock: SimClock) -> Sleeps:
    return Sleeps(clock)


def settings_for(fake: FakeWecom, secret: str = APP_SECRET, **extra: Any) -> WecomApiSettings:
    """Settings pointing at the fake."""
    values: dict[str, Any] = {"agent_id": AGENT_ID, "webhook_key": HOOK_KEY}
    values.update(extra)
    return WecomApiSettings(CORP, secret, base_url=fake.base_url, **values)


@pytest.fixture
async def client(fake: FakeWecom, clock: SimClock, sleeps: Sleeps) -> AsyncIterator[WecomClient]:
    wecom = WecomClient(settings_for(fake), clock=clock, sleep=sleeps)
    yield wecom
    await wecom.close()
