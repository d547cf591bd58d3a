"""The process the kill -9 test kills: a county fan-out on the sandbox, on a real SQLite file.

`python -m tests.crash_child DATA_DIR SENDS_FILE` creates the push (first start only), has
every pusher sign, then runs the app on the wall clock until every relay went out. Each
send the transport accepts is appended to SENDS_FILE with one `write()` before the call
returns, so the record survives SIGKILL; a line on stdout tells the parent it happened.

With `CRASH_AT="POINT GROUP"` in its environment the process kills itself (SIGKILL) at one
point of the send cycle of GROUP's relay: `accepted` (the transport took it, nothing is
recorded yet), `recorded` (its send and delivery are committed, its sub-groups not yet
planned) or `planned` (its sub-groups' relays are queued, not yet committed).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from bot.cli.sample import generate_county
from bot.clock import Clock, SystemClock
from bot.config import SenderSection, load_config
from bot.domain.model import Mode, Org, OutboxItem, Role
from bot.runtime import build
from bot.transport.sandbox import SandboxTransport, SandboxWorld

COMMAND = "county"
POINTS = ("accepted", "recorded", "planned")


def _crash() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def crash_town() -> Org:
    """Four towns of 30 groups: a hub per town, its villages relayed after the hub."""
    return generate_county(7, towns=4, groups_per_town=30, households=3000)


class RecordingSandbox(SandboxTransport):
    """The sandbox, plus a durable line per accepted send."""

    def __init__(
        self, world: SandboxWorld, clock: Clock, sends_file: str, crash_in: str | None = None
    ) -> None:
        super().__init__(world, clock)
        self.fd = os.open(sends_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.crash_in = crash_in

    async def send_text(
        self, conversation: str, text: str, mentions: Sequence[str] = ()
    ) -> str | None:
        """Send, then record the conversation durably and tell the parent."""
        sent = await super().send_text(conversation, text, mentions)
        os.write(self.fd, f"{conversation}\n".encode())
        if conversation == self.crash_in:
            _crash()
        print("sent", flush=True)
        return sent


def crash_after_sent(
    app_after_sent: Callable[[OutboxItem, datetime], None] | None, point: str, group: str
) -> Callable[[OutboxItem, datetime], None]:
    """The sender's `after_sent`, dying before (`recorded`) or at the end of (`planned`) its
    work for `group`'s relay."""
    assert app_after_sent is not None

    def after_sent(item: OutboxItem, at: datetime) -> None:
        if item.conversation == group and point == "recorded":
            _crash()
        app_after_sent(item, at)
        if item.conversation == group and point == "planned":
            _crash()

    return after_sent


async def main(data_dir: str, sends_file: str) -> int:
    """Run the fan-out to its end (or until killed)."""
    org = crash_town()
    base = load_config(None)
    config = replace(
        base,
        bot=replace(base.bot, data_dir=data_dir),
        # As fast as the machine goes, so the kill lands among sends, not in a pause.
        sender=SenderSection(per_minute=60000, burst=1000, group_gap_seconds=0, jitter_seconds=0),
        quiet=replace(base.quiet, enabled=False),
    )
    point, _, group = os.environ.get("CRASH_AT", "").partition(" ")
    assert point in ("", *POINTS), point
    clock = SystemClock(config.tz)
    world = SandboxWorld(org, config.bot.name)
    transport = RecordingSandbox(world, clock, sends_file, group if point == "accepted" else None)
    rt = build(config, clock, org=org, transport=transport)
    app, store = rt.app, rt.store
    if point in ("recorded", "planned"):
        app.sender.after_sent = crash_after_sent(app.sender.after_sent, point, group)
    if store.latest_push() is None:
        office = next(m for m in org.members if m.role is Role.OFFICE)
        app.create_push("断电演练", "请勿向陌生人转账。", office, clock.now())
        for m in org.members:
            if m.role is Role.PUSHER:
                await app.handle(transport.message(m.wechat, "收到"))
    push = store.latest_push()
    assert push is not None
    await app.start()
    while store.pending_outbox(1) or any(
        d.mode is Mode.RELAY and d.delivered_at is None for d in store.deliveries(push.id)
    ):
        await asyncio.sleep(0.005)
    await app.stop()
    store.close()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2])))
