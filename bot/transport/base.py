"""The one transport protocol every adapter implements (sandbox, wechaty).

Nothing outside `bot/transport/` knows which adapter runs. A transport only
produces `IncomingMessage` events and carries out sends; it decides nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.domain.model import ContactInfo, IncomingMessage, RoomInfo

__all__ = [
    "ContactInfo",
    "FatalTransportError",
    "RoomInfo",
    "Transport",
    "TransportError",
    "TransportStatus",
]


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
