"""The one context that chat handlers and scheduled jobs work with.

A job is `async def job(ctx: Context) -> None`; a chat handler gets the same kind of context
with the member who spoke and where to answer, so a command that does a job's work (日报,
催办) runs the same code either way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.domain.model import Member, OutgoingMessage, Role

if TYPE_CHECKING:
    from bot.app import App

_new = object.__new__


@dataclass(frozen=True)
class Context:
    """What a job or handler needs: `app`, `now`, its `options` and who/what started it.

    `member` and `reply_to` are set for chat (the speaker and the conversation to answer in);
    `job` and `fire_time` for scheduled work; `message_id` names the inbound message, if any.
    """

    app: App
    now: datetime
    options: Mapping[str, Any] = field(default_factory=dict)
    job: str = ""
    fire_time: datetime | None = None
    member: Member | None = None
    reply_to: str | None = None
    message_id: str = ""

    def speaking(self, member: Member, reply_to: str, message_id: str) -> Context:
        """This context for a member's message (what `dataclasses.replace` would make, at a
        fraction of its cost: every inbound message asks). Filled in directly rather than
        through the frozen dataclass's one guarded setattr per field."""
        spoken = _new(Context)
        fields = spoken.__dict__
        fields.update(self.__dict__)
        fields["member"] = member
        fields["reply_to"] = reply_to
        fields["message_id"] = message_id
        return spoken

    @classmethod
    def of_message(cls, app: App, now: datetime) -> Context:
        """`Context(app, now)`, as every inbound message needs one (see `speaking`)."""
        ctx = _new(cls)
        ctx.__dict__.update(
            app=app,
            now=now,
            options={},
            job="",
            fire_time=None,
            member=None,
            reply_to=None,
            message_id="",
        )
        return ctx

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

    @property
    def open_since(self) -> datetime:
        """Pushes created since then may still be signed, forwarded and proven."""
        return self.now - timedelta(days=self.app.config.policy.open_days)

    @property
    def answer_to(self) -> str:
        """Where answers go: the conversation asked in, else the command group."""
        return self.reply_to or self.command_group

    def say(
        self,
        conversation: str,
        text: str,
        mentions: Sequence[str] = (),
        *,
        key: str | None = None,
        push_id: int | None = None,
        group_id: str | None = None,
    ) -> None:
        """Queue a text message in the outbox (a relay row carries its push and group)."""
        self.app.store.enqueue(
            OutgoingMessage(
                conversation=conversation,
                text=text,
                mentions=tuple(mentions),
                dedupe_key=key,
                push_id=push_id,
                group_id=group_id,
            ),
            self.now,
        )

    def reply(self, text: str, mentions: Sequence[str] = ()) -> None:
        """Answer where the speaker asked (the command group for jobs)."""
        self.say(self.answer_to, text, mentions)
