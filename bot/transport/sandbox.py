"""The embedded simulated WeChat: groups and members from the roster, a transcript, no network.

Used by the demo, replay, tests, the terminal console and the web console. It records
everything the bot sends, lets callers speak as any member, and can fail sends on cue.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from pathlib import Path

from bot.clock import Clock
from bot.domain.media import LinkCard
from bot.domain.model import IncomingMessage, MessageKind, Mode, Org
from bot.transport.base import (
    SIMULATED_BOT,
    ChatLine,
    ContactInfo,
    MassReport,
    RoomInfo,
    TransportError,
    TransportStatus,
    until_stopped,
)
from bot.transport.simtasks import SimulatedTasks

__all__ = ["ChatLine", "SandboxTransport", "SandboxWorld"]


class SandboxWorld:
    """The simulated chat network: rooms (the bot is in all but evidence-mode groups)."""

    BOT = SIMULATED_BOT

    def __init__(self, org: Org, bot_name: str = "反诈助手") -> None:
        self.bot_name = bot_name
        self.rooms: dict[str, RoomInfo] = {
            g.id: RoomInfo(g.id, g.name)
            for g in org.groups
            if g.mode not in (Mode.EVIDENCE, Mode.TASK)
        }
        self.names: dict[str, str] = {}
        self.room_members: dict[str, list[str]] = {}
        self.seat(org)
        self.transcript: list[ChatLine] = []
        self._ids = itertools.count(1)
        # Ids are stored and deduplicated across restarts, so each start numbers its
        # messages under its own prefix (time plus randomness) instead of from m1 again.
        self.run_id = f"{time.time_ns() // 1_000_000:x}{secrets.token_hex(2)}"

    def seat(self, org: Org) -> None:
        """Put the roster's members into the rooms (again, after a roster import)."""
        self.names = {m.wechat: m.name for m in org.members}
        self.names[self.BOT] = self.bot_name
        self.room_members = {rid: [] for rid in self.rooms}
        for m in org.members:
            for gid in m.groups:
                if gid in self.room_members:
                    self.room_members[gid].append(m.wechat)

    def next_id(self, prefix: str) -> str:
        """A message id unique across restarts (`<prefix><run>-<n>`)."""
        return f"{prefix}{self.run_id}-{next(self._ids)}"

    def label(self, conversation: str) -> str:
        """A room's topic or a contact's name, for printing."""
        room = self.rooms.get(conversation)
        if room is not None:
            return room.topic
        return f"私聊·{self.names.get(conversation, conversation)}"


def _require_file(path: str, what: str) -> None:
    if not Path(path).is_file():
        raise TransportError(f"要发送的{what}文件 {path} 不存在")


class SandboxTransport:
    """Transport over a SandboxWorld, and the `Simulator` of its other side."""

    name = "sandbox"

    def __init__(self, world: SandboxWorld, clock: Clock) -> None:
        self.world = world
        self.clock = clock
        self.status = TransportStatus(connected=False, self_id=SandboxWorld.BOT)
        self.status.self_name = world.bot_name
        self._queue: asyncio.Queue[IncomingMessage | None] = asyncio.Queue()
        self._unread: list[ChatLine] = []
        self._failures: list[Exception] = []
        self.listeners: list[Callable[[ChatLine], None]] = []
        self.mass = SimulatedTasks(clock)

    # -- Transport protocol -----------------------------------------------------------------

    async def start(self) -> None:
        """Nothing to connect to."""
        self.status.connected = True
        self.status.last_event_at = self.clock.now()

    async def stop(self) -> None:
        """End the message stream."""
        self.status.connected = False
        await self._queue.put(None)

    def messages(self) -> AsyncIterator[IncomingMessage]:
        """Messages injected by `say()` (and friends), in order."""
        return until_stopped(self._queue)

    async def send_text(
        self, conversation: str, text: str, mentions: Sequence[str] = ()
    ) -> str | None:
        """Record a text send."""
        return self._send(conversation, text, MessageKind.TEXT, tuple(mentions), None)

    async def send_image(self, conversation: str, path: str) -> str | None:
        """Record an image send (a missing file fails, as it would on WeChat)."""
        _require_file(path, "图片")
        return self._send(conversation, "[图片]", MessageKind.IMAGE, (), path)

    async def send_file(self, conversation: str, path: str) -> str | None:
        """Record a file send (a missing file fails, as it would on WeChat)."""
        _require_file(path, "文件")
        return self._send(conversation, "[文件]", MessageKind.FILE, (), path)

    async def send_link(
        self, conversation: str, title: str, url: str, description: str = ""
    ) -> str | None:
        """Record a link card."""
        return self._send(conversation, f"{title}\n{url}", MessageKind.LINK, (), None)

    async def create_mass_task(
        self, sender: str, groups: Sequence[str], text: str, images: Sequence[str] = ()
    ) -> str:
        """Record a 群发 task for `sender` (see `confirm_task`)."""
        return self.mass.create(sender, groups, text)

    async def mass_report(self, task_id: str, sender: str) -> MassReport:
        """Where a simulated 群发 task stands."""
        return self.mass.report(task_id)

    async def remind_mass_task(self, task_id: str) -> None:
        """A simulated platform reminder (3 per task per 24 hours)."""
        self.mass.remind(task_id)

    def confirm_task(self, sender: str, groups: Sequence[str] | None = None) -> bool:
        """Play the group owner: `sender` confirms and sends their oldest unsent task."""
        return self.mass.confirm(sender, groups) is not None

    async def list_groups(self) -> list[RoomInfo]:
        """Rooms the bot is in."""
        return list(self.world.rooms.values())

    async def group_members(self, group_id: str) -> list[ContactInfo]:
        """Members of a room."""
        return [
            ContactInfo(w, self.world.names.get(w, w))
            for w in self.world.room_members.get(group_id, [])
        ]

    # -- the simulated other side (the Simulator protocol) --------------------------------

    @property
    def bot_name(self) -> str:
        """The bot's display name."""
        return self.world.bot_name

    @property
    def transcript(self) -> list[ChatLine]:
        """Every line said so far, in order."""
        return self.world.transcript

    def has_room(self, conversation: str) -> bool:
        """Whether the bot is in this group."""
        return conversation in self.world.rooms

    def name_of(self, contact: str) -> str:
        """A contact's display name (the id itself when unknown)."""
        return self.world.names.get(contact, contact)

    def label(self, conversation: str) -> str:
        """A room's topic or a contact's name, for printing."""
        return self.world.label(conversation)

    def private_peer(self, line: ChatLine) -> str | None:
        """The member a private line was exchanged with; None for a group line."""
        if line.conversation == SandboxWorld.BOT:
            return line.sender  # a member writing privately to the bot
        if line.conversation in self.world.rooms:
            return None
        return line.conversation  # the bot answering a member privately

    def subscribe(self, listener: Callable[[ChatLine], None]) -> Callable[[], None]:
        """Call `listener` with every line the bot sends; returns the unsubscribe call."""
        self.listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self.listeners:
                self.listeners.remove(listener)

        return unsubscribe

    def follow_roster(self, org: Org) -> None:
        """Take in a new roster's members (rooms stay: an import keeps the groups)."""
        self.world.seat(org)

    def message(
        self,
        sender: str,
        text: str = "",
        group: str | None = None,
        *,
        kind: MessageKind = MessageKind.TEXT,
        data: bytes | None = None,
        filename: str | None = None,
        mentions: Sequence[str] = (),
        message_id: str | None = None,
        at: datetime | None = None,
        link: LinkCard | None = None,
    ) -> IncomingMessage:
        """Build an inbound message as if `sender` spoke (and put it in the transcript)."""
        if group is not None and group not in self.world.rooms:
            raise TransportError(f"机器人不在群 {group} 中，收不到该群消息")
        msg = IncomingMessage(
            id=message_id or self.world.next_id("m"),
            at=at or self.clock.now(),
            sender=sender,
            text=text,
            group=group,
            kind=kind,
            mentions=tuple(mentions),
            data=data,
            filename=filename,
            link=link,
        )
        shown = text or (link.as_text() if link else f"[{kind.value}]")
        self.world.transcript.append(
            ChatLine(msg.at, group or SandboxWorld.BOT, sender, shown, kind)
        )
        return msg

    async def inject(self, msg: IncomingMessage) -> None:
        """Deliver an inbound message to whoever consumes `messages()`."""
        self.status.last_event_at = self.clock.now()
        await self._queue.put(msg)

    def take_injected(self) -> list[IncomingMessage]:
        """Injected messages nobody has consumed yet (tests feed them to App.handle)."""
        taken = []
        while not self._queue.empty():
            msg = self._queue.get_nowait()
            if msg is not None:
                taken.append(msg)
        return taken

    def fail_next(self, count: int = 1, error: Exception | None = None) -> None:
        """Make the next `count` sends raise (default: a TransportError)."""
        self._failures.extend([error or TransportError("模拟发送失败")] * count)

    def pop_sent(self) -> list[ChatLine]:
        """What the bot sent since the last call (tests read and clear it)."""
        out, self._unread = self._unread, []
        return out

    @property
    def unread(self) -> list[ChatLine]:
        """Sent messages nobody has popped yet."""
        return list(self._unread)

    def _send(
        self,
        conversation: str,
        text: str,
        kind: MessageKind,
        mentions: tuple[str, ...],
        path: str | None,
    ) -> str:
        if self._failures:
            raise self._failures.pop(0)
        if conversation not in self.world.rooms and conversation not in self.world.names:
            raise TransportError(f"机器人不在会话 {conversation} 中")
        line = ChatLine(
            self.clock.now(),
            conversation,
            SandboxWorld.BOT,
            text,
            kind,
            mentions,
            path,
            self.world.next_id("s"),
        )
        self.world.transcript.append(line)
        self._unread.append(line)
        for listener in self.listeners:
            listener(line)
        return line.id
