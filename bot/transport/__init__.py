"""Chat networks: the one `Transport` protocol, its adapters, and the sandbox's `Simulator`.

Code outside this package gets a transport from `connect()` or `simulate()` and never
imports an adapter; sandbox-only features ask whether the `Simulator` is None.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.transport.base import MassSender, Simulator, Transport

if TYPE_CHECKING:
    from bot.clock import Clock
    from bot.domain.model import Org
    from bot.settings import Config

__all__ = ["Simulator", "Transport", "connect", "mass_sender_of", "simulate", "simulator_of"]


def connect(config: Config, org: Org, clock: Clock) -> tuple[Transport, Simulator | None]:
    """The configured network (`bot.transport`) and, on the sandbox, its simulator."""
    if config.bot.transport == "wechaty":
        return _wechaty(config), None
    if config.bot.transport == "wecom":
        return _wecom(config, org, clock), None
    return simulate(org, clock, config.bot.name)


def simulate(org: Org, clock: Clock, bot_name: str) -> tuple[Transport, Simulator]:
    """A simulated network seated with the roster (demo, replay, tests, the sandbox)."""
    from bot.transport.sandbox import SandboxTransport, SandboxWorld

    sandbox = SandboxTransport(SandboxWorld(org, bot_name), clock)
    return sandbox, sandbox


def mass_sender_of(transport: Transport) -> MassSender | None:
    """The transport's 群发-task capability (WeCom customer groups, the sandbox), if any."""
    from bot.transport.bound import BoundTransport

    if isinstance(transport, BoundTransport):
        return transport.mass_sender()
    return transport if isinstance(transport, MassSender) else None


def simulator_of(transport: Transport) -> Simulator | None:
    """The simulator behind a transport made elsewhere (tests), None for a real network."""
    return transport if isinstance(transport, Simulator) else None


def _wechaty(config: Config) -> Transport:
    # Imported here: only a Wechaty deployment loads grpc and the puppet protocol.
    from bot.transport.wechaty import WechatyTransport

    return WechatyTransport(config.wechaty.with_env())


def _wecom(config: Config, org: Org, clock: Clock) -> Transport:
    # Imported here: only a WeCom deployment loads the WeCom client and robot.
    from bot.domain.model import Role
    from bot.transport.wecom import WecomTransport

    owners = [m.wechat for m in org.members if m.role is Role.PUSHER]
    section = config.wecom.with_env()
    return WecomTransport(section, org.command_group.name, owners, clock=clock)
