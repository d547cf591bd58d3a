"""Relays: the bot posts a push into a group once the group's pusher has signed.

Readiness is re-checked after every signature and delivery (a delivered parent group makes
its children ready). Sending a relay is its delivery; the next relays are planned in a
separate transaction, and `resume` redoes that planning at start-up in case the process
died in between (the outbox's dedupe keys make it idempotent).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from bot.chat.mediapush import queue_media
from bot.chat.readlinks import named_links
from bot.context import Context
from bot.domain import texts
from bot.domain.model import Delivery, MessageKind, Org, OutboxItem
from bot.domain.relay import child_groups, group_pushers, pushed_groups, ready_relays

TEXT = MessageKind.TEXT


class Relays:
    """Plans relay posts for a push when they become ready."""

    def ready(
        self,
        ctx: Context,
        push_id: int,
        groups: Collection[str] | None = None,
        signer: str | None = None,
    ) -> None:
        """Queue the relays of `push_id` that are ready and not yet queued; with `groups`,
        look only at those (the only ones the event at hand can have made ready). With
        `signer`, every one of `groups` has that pusher, who has signed."""
        app = ctx.app
        if groups is not None and not groups:
            return
        push = app.store.get_push(push_id)
        if push is None or push.status != "open":
            return
        org = app.org_for(push)
        if groups is None:
            deliveries = app.store.deliveries(push_id)
            signed: Collection[str] = {s.member for s in app.store.signatures(push_id)}
        else:
            deliveries, signed = _narrow(ctx, org, push_id, groups, signer)
        for d in ready_relays(org, deliveries, signed):
            if groups is not None and d.group_id not in groups:
                continue  # a parent read only to know whether it was delivered
            ctx.say(
                d.group_id,
                texts.relay(push, named_links(app, push_id, [d.group_id])),
                key=f"relay:{push_id}:{d.group_id}",
                push_id=push_id,
                group_id=d.group_id,
            )
            queue_media(ctx, push, d.group_id, f"relay:{push_id}:{d.group_id}", relay=True)

    def after_signature(self, ctx: Context, push_id: int, wechat: str) -> None:
        """A pusher signed: only the groups they push into can have become ready."""
        push = ctx.app.store.get_push(push_id)
        if push is not None:
            self.ready(ctx, push_id, pushed_groups(ctx.app.org_for(push), wechat), wechat)

    def after_delivery(self, ctx: Context, push_id: int, group_id: str) -> None:
        """A group got the push: only its children can have become ready."""
        push = ctx.app.store.get_push(push_id)
        if push is not None:
            self.ready(ctx, push_id, child_groups(ctx.app.org_for(push), group_id))

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
        self.after_delivery(ctx, item.push_id, item.group_id)


def _narrow(
    ctx: Context, org: Org, push_id: int, groups: Collection[str], signer: str | None
) -> tuple[list[Delivery], set[str]]:
    """The deliveries of `groups` and of their parents, and which of their pushers signed
    (enough of them to decide each group: the `signer` alone, who pushes into them all; a
    town-wide group has hundreds of pushers)."""
    wanted = set(groups)
    pushers: set[str] = set()
    for group_id in groups:
        group = org.group(group_id)
        if group is not None:
            if group.parent is not None:
                wanted.add(group.parent)
            if signer is None:
                pushers.update(p.wechat for p in group_pushers(org, group))
    store = ctx.app.store
    signed = {signer} if signer is not None else store.signed_among(push_id, pushers)
    return store.deliveries_of(push_id, wanted), signed
