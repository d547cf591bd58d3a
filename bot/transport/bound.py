"""A transport decorator that speaks roster ids to the app and real ids to the network.

Real rooms and contacts are bound to the roster's groups and members (see
`bot.domain.binding`); the bindings are stored, renewed after every (re)connect and when a
message comes from a room or contact we do not know yet, so ids that change after a
re-login are re-bound rather than duplicated. The transport's state is written to the
store's meta table, which `python -m bot status` reads from another process.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.domain.binding import Binding, BindingResult, match
from bot.domain.model import IncomingMessage, Org
from bot.transport.base import (
    ContactInfo,
    MassReport,
    MassSender,
    RoomInfo,
    Transport,
    TransportStatus,
)

log = logging.getLogger("bot.transport.bound")

STATUS_KEY = "transport_status"
UNMATCHED_KEY = "transport_unmatched"
# A stranger's message triggers a re-bind, but not more often than this.
REBIND_INTERVAL = timedelta(minutes=1)
STATUS_EVERY = timedelta(seconds=30)


class BindingStore(Protocol):
    """The part of the store a bound transport needs (the store implements it)."""

    def bindings(self) -> dict[str, Binding]:
        """The stored bindings by key."""
        ...

    def save_bindings(self, bindings: dict[str, Binding], now: datetime) -> None:
        """Replace the stored bindings."""
        ...

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting."""
        ...


class BoundTransport:
    """Wraps a real transport; the app only ever sees roster ids."""

    def __init__(
        self, inner: Transport, store: BindingStore, org: Callable[[], Org], clock: Clock
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.status: TransportStatus = inner.status
        self.store = store
        self.org = org
        self.clock = clock
        self._to_org: dict[str, str] = {}
        self._to_real: dict[str, str] = {}
        self._last_bind: datetime | None = None
        self._bound_at_reconnects = -1
        self._status_saved: datetime | None = None
        self._load(store.bindings())

    def _load(self, bindings: dict[str, Binding]) -> None:
        self._to_real = {b.org_id: b.transport_id for b in bindings.values()}
        self._to_org = {b.transport_id: b.org_id for b in bindings.values()}

    async def start(self) -> None:
        """Connect, then bind rooms and contacts."""
        await self.inner.start()
        await self.rebind()

    async def stop(self) -> None:
        """Disconnect."""
        await self.inner.stop()
        self.save_status()

    async def rebind(self) -> BindingResult:
        """Match the account's rooms and contacts against the roster and store the result."""
        rooms = await self.inner.list_groups()
        members: dict[str, list[ContactInfo]] = {}
        for room in rooms:
            members[room.id] = await self.inner.group_members(room.id)
        previous = self.store.bindings()
        result = match(self.org(), rooms, members, previous, self.inner.status.self_id)
        bindings = {f"group:{k}": b for k, b in result.groups.items()}
        bindings.update({f"member:{k}": b for k, b in result.members.items()})
        now = self.clock.now()
        self.store.save_bindings(bindings, now)
        self._load(bindings)
        self._last_bind = now
        self._bound_at_reconnects = self.inner.status.reconnects
        self._save_unmatched(result)
        rebound = [k for k, b in bindings.items() if k in previous and previous[k] != b]
        log.info(
            "已绑定 %d 个群、%d 名成员；未匹配的群 %d 个、联系人 %d 个%s",
            len(result.groups),
            len(result.members),
            len(result.unmatched_rooms),
            len(result.unmatched_contacts),
            f"；重新绑定 {len(rebound)} 项" if rebound else "",
        )
        self.save_status()
        return result

    def _save_unmatched(self, result: BindingResult) -> None:
        org = self.org()
        data = {
            "rooms": [{"id": r.id, "topic": r.topic} for r in result.unmatched_rooms],
            "contacts": [
                {"room": rid, "id": c.id, "name": c.name, "alias": c.alias}
                for rid, c in result.unmatched_contacts
            ],
            "missing_groups": [
                (g.name if (g := org.group(gid)) else gid) for gid in result.missing_groups
            ],
            "ambiguous": result.ambiguous,
        }
        self.store.set_meta(UNMATCHED_KEY, json.dumps(data, ensure_ascii=False))

    def save_status(self) -> None:
        """Write the connection state where `python -m bot status` can read it."""
        s = self.inner.status
        data = {
            "transport": self.name,
            "connected": s.connected,
            "self_id": s.self_id,
            "self_name": s.self_name,
            "last_event_at": s.last_event_at.isoformat() if s.last_event_at else None,
            "reconnects": s.reconnects,
            "last_error": s.last_error,
            "saved_at": self.clock.now().isoformat(),
        }
        self.store.set_meta(STATUS_KEY, json.dumps(data, ensure_ascii=False))
        self._status_saved = self.clock.now()

    def _stale(self, msg: IncomingMessage) -> bool:
        if self.inner.status.reconnects != self._bound_at_reconnects:
            return True
        unknown = (msg.group is not None and msg.group not in self._to_org) or (
            msg.sender not in self._to_org
        )
        if not unknown:
            return False
        return self._last_bind is None or self.clock.now() - self._last_bind >= REBIND_INTERVAL

    async def messages(self) -> AsyncIterator[IncomingMessage]:
        """Inbound messages with room and contact ids translated to roster ids."""
        async for msg in self.inner.messages():
            if self._status_saved is None or self.clock.now() - self._status_saved > STATUS_EVERY:
                self.save_status()
            if self._stale(msg):
                try:
                    await self.rebind()
                except Exception:  # a failed re-bind must not stop the message stream
                    log.exception("重新绑定失败")
            if msg.group is not None and msg.group not in self._to_org:
                log.debug("忽略未绑定群 %s 的消息", msg.group)
                continue
            yield replace(
                msg,
                group=self._to_org.get(msg.group, msg.group) if msg.group else None,
                sender=self._to_org.get(msg.sender, msg.sender),
                mentions=tuple(self._to_org.get(m, m) for m in msg.mentions),
            )

    def _real(self, org_id: str) -> str:
        return self._to_real.get(org_id, org_id)

    async def send_text(
        self, conversation: str, text: str, mentions: Sequence[str] = ()
    ) -> str | None:
        """Send text to the bound room/contact, mentioning bound contacts."""
        return await self.inner.send_text(
            self._real(conversation), text, [self._real(m) for m in mentions]
        )

    async def send_image(self, conversation: str, path: str) -> str | None:
        """Send an image to the bound room/contact."""
        return await self.inner.send_image(self._real(conversation), path)

    async def send_file(self, conversation: str, path: str) -> str | None:
        """Send a file to the bound room/contact."""
        return await self.inner.send_file(self._real(conversation), path)

    async def send_link(
        self, conversation: str, title: str, url: str, description: str = ""
    ) -> str | None:
        """Send a link to the bound room/contact."""
        return await self.inner.send_link(self._real(conversation), title, url, description)

    async def list_groups(self) -> list[RoomInfo]:
        """The real rooms (real ids)."""
        return await self.inner.list_groups()

    async def group_members(self, group_id: str) -> list[ContactInfo]:
        """Members of a room given by roster id."""
        return await self.inner.group_members(self._real(group_id))

    def mass_sender(self) -> MassSender | None:
        """The inner transport's 群发 tasks, spoken in roster ids; None if it has none."""
        return _BoundMassSender(self) if isinstance(self.inner, MassSender) else None


class _BoundMassSender:
    """群发 tasks through a bound transport: roster ids in, roster ids out."""

    def __init__(self, bound: BoundTransport) -> None:
        self.bound = bound
        assert isinstance(bound.inner, MassSender)
        self.inner: MassSender = bound.inner

    async def create_mass_task(
        self, sender: str, groups: Sequence[str], text: str, images: Sequence[str] = ()
    ) -> str:
        """Create the task with the real member and group ids."""
        real = self.bound._real
        return await self.inner.create_mass_task(
            real(sender), [real(g) for g in groups], text, images
        )

    async def mass_report(self, task_id: str, sender: str) -> MassReport:
        """The report, its groups translated back to roster ids (unbound groups dropped)."""
        report = await self.inner.mass_report(task_id, self.bound._real(sender))
        to_org = self.bound._to_org
        delivered = tuple((to_org[g], at) for g, at in report.delivered if g in to_org)
        return MassReport(report.sent_at, delivered)

    async def remind_mass_task(self, task_id: str) -> None:
        """Remind through the inner transport."""
        await self.inner.remind_mass_task(task_id)
