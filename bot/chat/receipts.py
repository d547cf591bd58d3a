"""What pushers and households send back: 签收, 回执, forwards, screenshots, 今日工作."""

from __future__ import annotations

import hashlib
from pathlib import Path

from bot.chat.mediaforward import is_media_forward
from bot.context import Context
from bot.domain import texts
from bot.domain.intent import ForwardIntent, ReceiptIntent, SignIntent, WorkReportIntent
from bot.domain.model import Evidence, IncomingMessage, MessageKind, Mode, WorkReport
from bot.domain.relay import group_pushers
from bot.nlp import is_forward_of
from bot.nlp.commands import take_reference


class Receipts:
    """Signatures, receipts, forwards, evidence and work reports."""

    def sign(self, ctx: Context, intent: SignIntent) -> None:
        """签收: the named push, else the quoted one, else the newest this pusher has open."""
        app, member = ctx.app, ctx.actor
        mine = app.store.open_assignments(member.wechat, ctx.open_since)
        unsigned = [a.push_id for a in mine if not a.signed]
        push_id = intent.push_id
        if push_id is None and intent.quote:
            push_id = self._quoted_push(ctx, intent.quote)
        if push_id is None:
            if not unsigned:
                return
            push_id = unsigned[0]
        # A push named or quoted need not be open (a late 签收 still counts).
        unit = next((a.unit for a in mine if a.push_id == push_id), None)
        if unit is None:
            unit = app.store.is_assigned(push_id, member.wechat)
        if unit is None:
            if app.store.get_push(push_id) is None:
                ctx.reply(texts.unknown_push(push_id))
            return
        if not app.store.add_signature(push_id, member.wechat, unit, ctx.now, ctx.message_id):
            return
        app.chat.relays.after_signature(ctx, push_id, member.wechat)
        push = app.store.get_push(push_id)
        assert push is not None
        if len(mine) > 1:
            # Several pushes open: say which one this "收到" signed, and what is left.
            others = [p for i in unsigned if i != push_id and (p := app.store.get_push(i))]
            ctx.reply(texts.signed(push, member, others), [member.wechat])
        self.announce_if_all_signed(ctx, push_id)

    def announce_if_all_signed(self, ctx: Context, push_id: int) -> None:
        """Tell the command group once every assigned pusher has signed."""
        store = ctx.app.store
        push = store.get_push(push_id)
        assigned = store.assignment_count(push_id)
        if push is not None and store.signature_count(push_id) == assigned:
            ctx.say(
                ctx.command_group, texts.all_signed(push, assigned), key=f"all-signed:{push_id}"
            )

    def _quoted_push(self, ctx: Context, quote: str) -> int | None:
        """The open push a quote reply answers: by its number (第3期), else by its title."""
        store = ctx.app.store
        assigned = store.assigned_pushes(ctx.actor.wechat, ctx.open_since)
        number, _ = take_reference(quote)
        if number in assigned:
            return number
        for push_id in assigned:
            push = store.get_push(push_id)
            if push is not None and (push.title in quote or quote[:30] in push.body):
                return push_id
        return None

    def receipt(self, ctx: Context, intent: ReceiptIntent) -> None:
        """回执: a household's acknowledgement of what was last delivered to their group."""
        store, member = ctx.app.store, ctx.actor
        push_id = store.latest_delivered_push(intent.group_id)
        if push_id is not None and member.unit:
            store.note_receipt(
                push_id, member.wechat, member.unit, intent.group_id, ctx.now, ctx.message_id
            )

    def forward(self, ctx: Context, intent: ForwardIntent) -> None:
        """A pusher's text (or a push's image, card or file) in a group that is an open push
        forwarded: that group's delivery."""
        store = ctx.app.store
        for push in reversed(store.pushes(since=ctx.open_since)):
            for d in store.deliveries(push.id):
                if (
                    d.group_id == intent.group_id
                    and d.delivered_at is None
                    and (
                        is_forward_of(push.body, intent.text)
                        if intent.kind is MessageKind.TEXT
                        else is_media_forward(ctx, push, intent)
                    )
                ):
                    if store.mark_delivered(push.id, d.group_id, ctx.now, "forward"):
                        ctx.app.chat.relays.after_delivery(ctx, push.id, d.group_id)
                    return

    def evidence(self, ctx: Context, msg: IncomingMessage) -> None:
        """佐证: a screenshot for the first evidence-mode group this pusher still owes."""
        app, member = ctx.app, ctx.actor
        for push_id in app.store.assigned_pushes(member.wechat, ctx.open_since):
            push = app.store.get_push(push_id)
            assert push is not None
            org = app.org_for(push)
            for d in app.store.deliveries(push_id):
                group = org.group(d.group_id)
                if d.mode is not Mode.EVIDENCE or d.delivered_at is not None or group is None:
                    continue
                if member not in group_pushers(org, group):
                    continue
                folder = app.config.data_dir / "evidence" / f"push-{push_id}"
                path, digest, size = _save_evidence(msg, folder, group.id)
                app.store.add_evidence(
                    Evidence(push_id, group.id, member.wechat, str(path), digest, size, ctx.now),
                    msg.id,
                )
                if app.store.mark_delivered(push_id, group.id, ctx.now, "evidence"):
                    app.chat.relays.after_delivery(ctx, push_id, group.id)
                ctx.say(member.wechat, texts.evidence_ok(push, group))
                return
        ctx.say(member.wechat, texts.evidence_unneeded())

    def work_report(self, ctx: Context, intent: WorkReportIntent) -> None:
        """今日工作: filed under today, or the next workday's bulletin on a day off."""
        app, member = ctx.app, ctx.actor
        assert member.unit is not None
        day = ctx.now.astimezone(app.config.tz).date()
        # No daily bulletin on a non-workday: the report goes into the next workday's.
        report_day = app.calendar.next_workday(day)
        report = WorkReport(report_day, member.unit, member.wechat, intent.text, ctx.now)
        first = app.store.save_work_report(report, ctx.message_id)
        ctx.reply(texts.work_report_saved(member, day, first, report_day))


def _save_evidence(msg: IncomingMessage, folder: Path, group_id: str) -> tuple[Path, str, int]:
    data = msg.data or b""
    suffix = Path(msg.filename or "shot.png").suffix or ".png"
    safe = hashlib.sha1(msg.id.encode()).hexdigest()[:12]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{group_id}-{safe}{suffix}"
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest(), len(data)
