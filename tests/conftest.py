"""Shared fixtures: a small town, a simulated clock, an app on the sandbox over a real file.

Tests never reach the network: the sandbox is in-process, and the clock is simulated.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.clock import SimClock
from bot.config import Config, SenderSection, load_config
from bot.domain.model import Group, Level, Member, Mode, Org, Role
from bot.runtime import Runtime, build
from bot.web import create_web_app
from tests.pgserver import postgres_server  # noqa: F401 (one server per session)

START = datetime.fromisoformat("2026-11-23T09:00:00+08:00")


def small_town() -> Org:
    """Command group; 李家村 (relay, with two grid groups); 王家村 (relay);
    农商银行 (forward); 中心小学 (evidence)."""
    G = Group
    groups = (
        G("cmd", "指挥群", Level.COMMAND, None, None),
        G("lj", "李家村干部群", Level.VILLAGE, "cmd", "李家村"),
        G("lj1", "李家村一网格群", Level.GRID, "lj", "李家村"),
        G("lj2", "李家村二网格群", Level.GRID, "lj", "李家村"),
        G("wj", "王家村村民群", Level.VILLAGE, "cmd", "王家村"),
        G("bank", "农商银行职工群", Level.UNIT, "cmd", "农商银行", Mode.FORWARD),
        G("school", "中心小学家长群", Level.UNIT, "cmd", "中心小学", Mode.EVIDENCE),
    )
    M = Member
    members = [
        M("张主任", Role.OFFICE, None, "office", ("cmd",)),
        M("刘书记", Role.LEADER, None, "leader", ("cmd",)),
        M("李网格长", Role.SUPERVISOR, "李家村", "lj_sup", ("cmd", "lj")),
        M("李一", Role.PUSHER, "李家村", "lj_p1", ("cmd", "lj", "lj1")),
        M("李二", Role.PUSHER, "李家村", "lj_p2", ("cmd", "lj", "lj2")),
        M("王网格员", Role.PUSHER, "王家村", "wj_p", ("cmd", "wj")),
        M("银行联络员", Role.PUSHER, "农商银行", "bank_p", ("cmd", "bank")),
        M("学校联络员", Role.PUSHER, "中心小学", "school_p", ("cmd", "school")),
    ]
    for i in range(4):
        members.append(M(f"李一户{i}", Role.HOUSEHOLD, "李家村", f"lj1_h{i}", ("lj1",)))
        members.append(M(f"李二户{i}", Role.HOUSEHOLD, "李家村", f"lj2_h{i}", ("lj2",)))
        members.append(M(f"王户{i}", Role.HOUSEHOLD, "王家村", f"wj_h{i}", ("wj",)))
    for i in range(3):
        members.append(M(f"银行职工{i}", Role.HOUSEHOLD, "农商银行", f"bank_h{i}", ("bank",)))
        members.append(M(f"家长{i}", Role.HOUSEHOLD, "中心小学", f"school_h{i}", ("school",)))
    return Org("测试镇", groups, tuple(members))


def make_config(tmp: Path) -> Config:
    """Defaults with data in a temp folder and pacing that keeps order but costs no time."""
    base = load_config(None)
    return replace(
        base,
        bot=replace(
            base.bot, data_dir=str(tmp / "data"), content_dir=str(Path("content").resolve())
        ),
        sender=SenderSection(per_minute=600, burst=30, group_gap_seconds=1, jitter_seconds=0),
        # Most tests push to the whole small town in one message; the 确认 step for big
        # pushes has its own tests (test_push_control.py) with the default policy.
        policy=replace(base.policy, confirm_over_groups=1000),
        base_dir=tmp,
    )


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """Outside the gateway and browser tests nothing may open a non-loopback socket."""
    if request.node.get_closest_marker("gateway") or request.node.get_closest_marker("browser"):
        return
    real = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else str(address)
        if host not in ("127.0.0.1", "::1", "localhost") and not str(host).startswith("/"):
            pytest.fail(f"测试不允许访问网络：{address}")
        return real(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def clock() -> SimClock:
    """A simulated clock at Monday 09:00 Shanghai."""
    return SimClock(START)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """A config writing into the test's temp folder."""
    return make_config(tmp_path)


@pytest.fixture
async def rt(config: Config, clock: SimClock) -> AsyncIterator[Runtime]:
    """The small town's app on the sandbox, with its SQLite file on disk."""
    runtime = build(config, clock, org=small_town())
    yield runtime
    runtime.store.close()
    assert runtime.simulator is not None
    unread = runtime.simulator.unread
    if unread:
        shown = "\n".join(f"  → {line.conversation}: {line.text[:60]}" for line in unread[:5])
        pytest.fail(f"测试结束时还有 {len(unread)} 条机器人发出的消息没有检查：\n{shown}")


@pytest.fixture
def town() -> Iterator[Org]:
    """The small town roster."""
    yield small_town()


@pytest.fixture
async def client(rt: Runtime, config: Config) -> AsyncIterator[TestClient[Any, Any]]:
    """A test client of the dashboard over the running sandbox app."""
    from tests.webclient import ITERATIONS, web_config

    await rt.app.start()
    app = create_web_app(rt, web_config(config), hash_iterations=ITERATIONS)
    async with TestClient(TestServer(app)) as c:
        yield c
    await rt.app.stop()
    # Dashboard tests check what the dashboard shows (its console included); the chat lines
    # the running bot sent meanwhile are covered by the chat tests, so they count as read.
    assert rt.simulator is not None
    rt.simulator.pop_sent()
