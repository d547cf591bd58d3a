"""Shared chat helpers: speak as a member on the sandbox, move the clock, read coverage."""

from __future__ import annotations

from bot.clock import SimClock
from bot.runtime import Runtime
from bot.transport.base import ChatLine


async def say(
    rt: Runtime, who: str, text: str, group: str | None = None, **kw: object
) -> list[ChatLine]:
    """`who` speaks in `group` (None: privately to the bot); the bot handles it and sends
    what is due; return what it sent."""
    assert rt.simulator is not None
    msg = rt.simulator.message(who, text, group, **kw)  # type: ignore[arg-type]
    await rt.app.handle(msg)
    await rt.app.settle()
    return rt.simulator.pop_sent()


def advance(clock: SimClock, minutes: float) -> None:
    """Move the simulated clock on by `minutes`."""
    clock.advance(minutes * 60)


def cov(rt: Runtime, push_id: int = 1) -> dict[str, object]:
    """The coverage report of a push, as JSON data."""
    push = rt.store.get_push(push_id)
    assert push is not None
    return rt.app.coverage(push).as_json()
