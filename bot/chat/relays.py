"""Relays: the bot posts a push into a group once the group's pusher has signed.

Readiness is re-checked after every signature and delivery (a delivered parent group makes
its children ready). Sending a relay is its delivery; the next relays are planned in a
separate transaction, and `resume` redoes that planning at start-up in case the process
died in between (the outbox's dedupe keys make it idempotent).
"""

from __future__ import annotations

from datetime import datetime

from bot.chat.mediapush import queue_media
from bot.chat.readlinks import named_links
from bot.context import Context
from bot.domain import texts
from bot.domain.model import MessageKind, OutboxItem
from bot.domain.relay import has_subgroups, ready_relays

TEXT = MessageKind.TEXT


class Relays:
    """Plans relay posts for a push when they become ready."""

    def ready(self, ctx: Context, push_id: int) -> None:
        """Queue the relays of `push_id` that are ready and not yet queued."""
        app = ctx.app
        push = app.store.get_push(push_id)
        if push is None or push.status != "open":
            return
        org = app.org_for(push)
        signed = {s.member for s in app.store.signatures(push_id)}
        for d in ready_relays(org, app.store.deliveries(push_id), signed):
            ctx.say(
                d.group_id,
                texts.relay(push, named_links(app, push_id, [d.group_id])),
                key=f"relay:{push_id}:{d.group_id}",
                push_id=push_id,
                group_id=d.group_id,
            )
            queue_media(ctx, push, d.group_id, f"relay:{push_id}:{d.group_id}", relay=True)

    def resume(self, ctx: Context) -> None:
        """Queue relays that became ready but were not planned (e.g. a crash after a send)."""
        since = ctx.open_since
        with ctx.app.store.transaction():
            for push in ctx.app.store.pushes(since=since):
                self.ready(ctx, push.id)

    def on_sent(self, ctx: Context, item: OutboxItem, at: datetime) -> None:
        """A relay's text that went out is its group's delivery (recorded with the send);
        its media parts follow it and record nothing."""
        if item.push_id is not None and item.group_id is not None and item.kind is TEXT:
            ctx.app.store.mark_delivered(item.push_id, item.group_id, at, "relay")

    def after_sent(self, ctx: Context, item: OutboxItem) -> None:
        """After a relay's delivery is recorded: its child groups may now be ready.

        Only a delivery can have made a group ready here (signatures, forwards and evidence
        plan their own relays), and only its children depend on it: a group without
        sub-groups, most of a fan-out, needs no readiness check at all."""
        if item.push_id is None or item.group_id is None:
            return
        push = ctx.app.store.get_push(item.push_id)
        if push is not None and has_subgroups(ctx.app.org_for(push), item.group_id):
            self.ready(ctx, item.push_id)
