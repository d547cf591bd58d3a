"""The context a scheduled job or a chat handler works with: the app, the time, options.

A job is `async def job(ctx: JobContext) -> None`; a chat command that does the same work
(日报, 周报) builds the same context with the member who asked and where to answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.domain.model import Member, OutgoingMessage, Role

if TYPE_CHECKING:
    from bot.app import App


@dataclass(frozen=True)
class JobContext:
    """What a job or handler needs: `app`, `now`, its `options` and who/what started it."""

    app: App
    now: datetime
    options: Mapping[str, Any] = field(default_factory=dict)
    job: str = ""
    fire_time: datetime | None = None
    member: Member | None = None
    reply_to: str | None = None

    @property
    def when(self) -> datetime:
        """The time the work is for: the scheduled fire time, else now."""
        return self.fire_time or self.now

    @property
    def actor(self) -> Member:
        """Who acts: the member who asked, else the bot itself (as the office)."""
        if self.member is not None:
            return self.member
        bot = self.app.config.bot
        return Member(name=bot.name, role=Role.OFFICE, unit=None, wechat=bot.wechat)

    @property
    def command_group(self) -> str:
        """The command group's conversation id."""
        return self.app.org.command_group.id

    def say(
        self,
        conversation: str,
        text: str,
        mentions: Sequence[str] = (),
        *,
        key: str | None = None,
    ) -> None:
        """Queue a text message in the outbox."""
        self.app.store.enqueue(
            OutgoingMessage(
                conversation=conversation, text=text, mentions=tuple(mentions), dedupe_key=key
            ),
            self.now,
        )
