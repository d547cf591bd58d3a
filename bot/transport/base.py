"""The one transport protocol every adapter implements (sandbox, wechaty).

Nothing outside `bot/transport/` knows which adapter runs. A transport only
produces `IncomingMessage` events and carries out sends; it decides nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.domain.media import LinkCard
from bot.domain.model import ContactInfo, IncomingMessage, MessageKind, Org, RoomInfo

__all__ = [
    "SIMULATED_BOT",
    "ChatLine",
    "ContactInfo",
    "FatalTransportError",
    "RoomInfo",
    "Simulator",
    "Transport",
    "TransportError",
    "TransportStatus",
]

SIMULATED_BOT = "bot"
"""The bot's own contact id on a simulated network."""


class TransportError(Exception):
    """A send or query failed but may succeed later (network, disconnected)."""


class FatalTransportError(TransportError):
    """The transport cannot work at all (wrong token, TLS mismatch); do not retry."""


@dataclass
class TransportStatus:
    """What `python -m bot status` and the dashboard show about the connection."""

    connected: bool = False
    self_id: str | None = None
    self_name: str | None = None
    last_event_at: datetime | None = None
    reconnects: int = 0
    last_error: str | None = None


@runtime_checkable
class Transport(Protocol):
    """A chat network the bot lives on. Conversation ids are room ids or contact ids."""

    name: str
    status: TransportStatus

    async def start(self) -> None:
        """Connect and log in; raise FatalTransportError with a Chinese message if impossible."""
        ...

    async def stop(self) -> None:
        """Disconnect; `messages()` ends."""
        ...

    def messages(self) -> AsyncIterator[IncomingMessage]:
        """Inbound messages (the bot's own sends excluded), until stop()."""
        ...

    async def send_text(
        self, conversation: str, text: str, mentions: Sequence[str] = ()
    ) -> str | None:
        """Send text, @-mentioning contact ids; return the message id if known."""
        ...

    async def send_image(self, conversation: str, path: str) -> str | None:
        """Send an image file."""
        ...

    async def send_file(self, conversation: str, path: str) -> str | None:
        """Send any file as an attachment."""
        ...

    async def send_link(
        self, conversation: str, title: str, url: str, description: str = ""
    ) -> str | None:
        """Send a link card (or its text form where cards are not possible)."""
        ...

    async def list_groups(self) -> list[RoomInfo]:
        """Rooms the bot account is in."""
        ...

    async def group_members(self, group_id: str) -> list[ContactInfo]:
        """Members of one room."""
        ...


@dataclass(frozen=True)
class ChatLine:
    """One line of a simulated network's transcript (inbound or outbound)."""

    at: datetime
    conversation: str
    sender: str
    text: str
    kind: MessageKind = MessageKind.TEXT
    mentions: tuple[str, ...] = ()
    path: str | None = None
    id: str = ""

    @property
    def from_bot(self) -> bool:
        """True for what the bot sent."""
        return self.sender == SIMULATED_BOT


@runtime_checkable
class Simulator(Protocol):
    """The other side of a simulated network: speak as any member, read what the bot said.

    Only the sandbox has one. The web console, the terminal console, the demo, the replay
    and tests use it; on a real network `Runtime.simulator` is None and they are off.
    """

    @property
    def bot_name(self) -> str:
        """The bot's display name."""
        ...

    @property
    def transcript(self) -> Sequence[ChatLine]:
        """Every line said so far, in order (the index is a stable cursor)."""
        ...

    @property
    def unread(self) -> list[ChatLine]:
        """What the bot sent that nobody has popped yet."""
        ...

    def has_room(self, conversation: str) -> bool:
        """Whether the bot is in this group (not in evidence-mode groups)."""
        ...

    def name_of(self, contact: str) -> str:
        """A contact's display name (the id itself when unknown)."""
        ...

    def label(self, conversation: str) -> str:
        """A room's topic or "私聊·<name>", for printing."""
        ...

    def private_peer(self, line: ChatLine) -> str | None:
        """The member a private line was exchanged with; None for a group line."""
        ...

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
        """An inbound message as if `sender` spoke (None group: privately to the bot)."""
        ...

    async def inject(self, msg: IncomingMessage) -> None:
        """Deliver an inbound message to whoever consumes the transport's `messages()`."""
        ...

    def take_injected(self) -> list[IncomingMessage]:
        """Injected messages nobody has consumed yet."""
        ...

    def confirm_task(self, sender: str, groups: Sequence[str] | None = None) -> bool:
        """Play a group owner confirming their oldest 群发 task (False if none waits)."""
        ...

    def pop_sent(self) -> list[ChatLine]:
        """What the bot sent since the last call."""
        ...

    def fail_next(self, count: int = 1, error: Exception | None = None) -> None:
        """Make the next `count` sends raise (default: a TransportError)."""
        ...

    def subscribe(self, listener: Callable[[ChatLine], None]) -> Callable[[], None]:
        """Call `listener` with every line the bot sends; returns the unsubscribe call."""
        ...

    def follow_roster(self, org: Org) -> None:
        """Take in a new roster's members (the rooms stay: an import keeps the groups)."""
        ...


async def until_stopped(
    queue: asyncio.Queue[IncomingMessage | None],
) -> AsyncIterator[IncomingMessage]:
    """A transport's inbound queue as a stream, ending at the None that `stop()` puts."""
    while (msg := await queue.get()) is not None:
        yield msg


@dataclass(frozen=True)
class MassReport:
    """What the platform says of one 群发 task: whether (when) its member sent it, and the
    groups it reached with their times (groups not yet reached are not listed)."""

    sent_at: datetime | None
    delivered: tuple[tuple[str, datetime], ...] = ()


@runtime_checkable
class MassSender(Protocol):
    """A transport that sends into groups only through tasks a member confirms (WeCom
    客户群群发): the bot creates a task per member, then learns by polling what went out."""

    async def create_mass_task(
        self, sender: str, groups: Sequence[str], text: str, images: Sequence[str] = ()
    ) -> str:
        """Ask `sender` to send `text` (and images) into `groups`; returns the task id."""
        ...

    async def mass_report(self, task_id: str, sender: str) -> MassReport:
        """Where the task stands."""
        ...

    async def remind_mass_task(self, task_id: str) -> None:
        """Notify the member again (the platform allows 3 per task per 24 hours)."""
        ...
