"""The Simulator seam: sandbox-only features ask `Runtime.simulator`, nothing else knows.

`bot.transport` builds the network (`connect`, `simulate`); nothing outside the package
imports an adapter, and a real network runs without a simulator.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

from bot.clock import SimClock
from bot.config import Config
from bot.domain.model import Member, Role
from bot.runtime import build
from bot.transport import Simulator, connect, simulate, simulator_of
from bot.transport.bound import BoundTransport
from tests.conftest import small_town
from tests.test_binding import FakeAccount

BOT = Path(__file__).resolve().parent.parent / "bot"
ADAPTERS = ("bot.transport.sandbox", "bot.transport.wechaty")


def test_the_sandbox_is_its_own_simulator(config: Config, clock: SimClock) -> None:
    transport, simulator = connect(config, small_town(), clock)
    assert simulator is transport and isinstance(simulator, Simulator)
    assert simulator_of(transport) is simulator
    wechaty = replace(config, bot=replace(config.bot, transport="wechaty"))
    transport, simulator = connect(wechaty, small_town(), clock)
    assert simulator is None and transport.name == "wechaty"
    assert simulator_of(transport) is None


def test_a_real_network_runs_bound_and_without_simulator(config: Config, clock: SimClock) -> None:
    town = small_town()
    rt = build(config, clock, org=town, transport=FakeAccount(town, "-1"))  # type: ignore[arg-type]
    assert rt.simulator is None and isinstance(rt.transport, BoundTransport)
    rt.store.close()
    rt = build(config, clock, org=town)
    assert rt.simulator is rt.transport and not isinstance(rt.transport, BoundTransport)
    rt.store.close()


async def test_simulator_speaks_hears_and_follows_the_roster(clock: SimClock) -> None:
    town = small_town()
    transport, sim = simulate(town, clock, "反诈助手")
    assert sim.has_room("cmd") and not sim.has_room("school")  # evidence mode: bot not inside
    said = sim.message("lj_p1", "收到", "cmd")
    assert said.group == "cmd" and sim.transcript[-1].text == "收到"
    assert sim.private_peer(sim.transcript[-1]) is None
    sim.message("lj_p1", "进度")
    assert sim.private_peer(sim.transcript[-1]) == "lj_p1"
    heard: list[str] = []
    stop = sim.subscribe(lambda line: heard.append(line.text))
    await transport.send_text("lj_p1", "好的")
    assert sim.private_peer(sim.transcript[-1]) == "lj_p1" and sim.transcript[-1].from_bot
    stop()
    await transport.send_text("cmd", "再见")
    assert heard == ["好的"]
    assert [line.text for line in sim.pop_sent()] == ["好的", "再见"] and sim.unread == []
    newcomer = Member(
        name="新来的", role=Role.HOUSEHOLD, unit="李家村", wechat="new", groups=("lj1",)
    )
    sim.follow_roster(replace(town, members=(*town.members, newcomer)))
    assert sim.name_of("new") == "新来的" and sim.label("new") == "私聊·新来的"
    assert sim.bot_name == "反诈助手" and sim.name_of("nobody") == "nobody"
    assert "new" in [c.id for c in await transport.group_members("lj1")]


def test_nothing_outside_transport_imports_an_adapter() -> None:
    offenders = []
    for path in BOT.rglob("*.py"):
        if path.is_relative_to(BOT / "transport"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            if any(n.startswith(ADAPTERS) for n in names):
                offenders.append(str(path.relative_to(BOT)))
    assert offenders == []
