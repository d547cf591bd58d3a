"""The application: one `handle()` for every inbound event, plus the wiring around it.

Decisions live in `bot.core`; persistence in `bot.store`; sending in `bot.sender`. This
module connects them and carries out what the core decides.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from bot.chat import commands, pushes
from bot.clock import Clock
from bot.config import Config
from bot.context import JobContext
from bot.domain import texts
from bot.domain.coverage import PushCoverage, coverage, rank_units, unsettled
from bot.domain.followup import REMIND, remind_budget
from bot.domain.intent import (
    CommandIntent,
    DeadlineError,
    EvidenceIntent,
    ForwardIntent,
    ReceiptIntent,
    Refusal,
    SignIntent,
    WorkReportIntent,
    classify,
    parse_deadline,
)
from bot.domain.model import (
    Content,
    Delivery,
    Evidence,
    Group,
    IncomingMessage,
    Level,
    Member,
    Mode,
    Org,
    OutboxItem,
    OutgoingMessage,
    Push,
    Reminder,
    Role,
    WorkReport,
)
from bot.domain.quiet import quiet_until
from bot.domain.relay import group_pushers, laggards, plan_push, ready_relays
from bot.formats import content
from bot.nlp import is_forward_of
from bot.outbox.sender import PacedSender
from bot.schedule import bulletins
from bot.schedule.calendar import load_calendar
from bot.schedule.chart import ChartRenderer
from bot.store import Store
from bot.transport.base import Transport

log = logging.getLogger("bot.app")

PERIOD_DAYS = {"day": 1, "week": 7, "month": 30}


def _report_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("后台任务 %s 意外停止", task.get_name(), exc_info=task.exception())


def _legacy_note(cmd: commands.Command) -> str:
    assert cmd.legacy_ref is not None
    if cmd.name == "推送":
        return texts.understood(
            cmd.legacy_ref, f"素材{cmd.content_id}", f"推送 素材{cmd.content_id}"
        )
    return texts.understood(cmd.legacy_ref, f"第{cmd.push_id}期", f"{cmd.name} 第{cmd.push_id}期")


def roster_key(org: Org) -> tuple[object, ...]:
    """A comparable fingerprint of a roster (order-insensitive)."""
    return (
        org.town,
        frozenset(org.groups),
        frozenset(
            (m.name, m.role, m.unit, m.wechat, frozenset(m.groups), m.phone) for m in org.members
        ),
    )


class App:
    """The bot: feed it messages with `handle()`; it answers through the outbox."""

    def __init__(
        self,
        config: Config,
        store: Store,
        transport: Transport,
        clock: Clock,
        library: Sequence[Content] = (),
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.transport = transport
        self.clock = clock
        self.library = list(library)
        org = store.load_org()
        if org is None:
            raise RuntimeError("数据库中还没有名册，请先导入组织文件")
        self.org = org
        self.roster_version = store.roster_version()
        self.sender = PacedSender(
            store,
            transport,
            clock,
            config.sender,
            self._on_sent,
            rng=rng or random.Random(),
            hold=self._quiet_hold,
            after_sent=self._after_sent,
        )
        self.calendar = load_calendar(config)
        self.charts = ChartRenderer()
        self._tasks: list[asyncio.Task[None]] = []

    # -- lifecycle --------------------------------------------------------------------------

    @staticmethod
    def import_roster(store: Store, org: Org, now: datetime, source: str) -> bool:
        """Store `org` as the current roster unless it is unchanged; True if imported."""
        current = store.load_org()
        if current is not None and roster_key(current) == roster_key(org):
            return False
        store.save_org(org, now, source)
        with store.transaction():
            store.audit(now, "系统", "导入名册", f"{source}：{len(org.members)} 人")
        return True

    def reload_roster(self) -> bool:
        """Pick up a roster imported or restored while running (web, CLI); True if changed."""
        version = self.store.roster_version()
        if version == self.roster_version:
            return False
        org = self.store.load_org(version)
        if org is None:
            return False
        self.org, self.roster_version = org, version
        return True

    async def start(self) -> None:
        """Connect the transport, resume the outbox, consume messages."""
        await self.transport.start()
        self.resume_relays(self.clock.now())
        self._tasks = [
            asyncio.create_task(self.sender.run(), name="sender"),
            asyncio.create_task(self._consume(), name="inbound"),
        ]
        for task in self._tasks:
            task.add_done_callback(_report_crash)

    async def stop(self) -> None:
        """Stop consuming and sending (pending outbox rows stay for the next start)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self.transport.stop()

    async def _consume(self) -> None:
        async for msg in self.transport.messages():
            await self.handle(msg)
            # A queue that is never empty never suspends: give the sender (and the web) a
            # turn after each message, or a burst of inbound starves the paced sends.
            await asyncio.sleep(0)

    async def settle(self) -> int:
        """Send everything that is due (simulated clocks: instantly). Returns rows sent."""
        return await self.sender.drain()

    # -- the one entry point --------------------------------------------------------------

    async def handle(self, msg: IncomingMessage) -> None:
        """Store an inbound message once and act on it; duplicates change nothing."""
        now = self.clock.now()
        # `python -m bot roster restore` writes from another process: follow it here.
        self.reload_roster()
        try:
            with self.store.transaction():
                if not self.store.record_message(msg):
                    log.info("消息 %s 已处理过，作为重复消息忽略", msg.id)
                    return
                self._dispatch(msg, now)
        except Exception as exc:
            log.exception("处理消息 %s 出错", msg.id)
            with self.store.transaction():
                self.store.record_message(msg, error=repr(exc))
        self.sender.wake()

    def _dispatch(self, msg: IncomingMessage, now: datetime) -> None:
        member = self.org.member(msg.sender)
        group = self.org.group(msg.group) if msg.group else None
        intent = classify(msg, member, group)
        if intent is None or member is None:
            return
        reply_to = msg.group or msg.sender
        if isinstance(intent, Refusal):
            self._say(reply_to, f"抱歉，{intent.reason}。", now)
        elif isinstance(intent, CommandIntent):
            self._command(intent.command, member, reply_to, now)
        elif isinstance(intent, SignIntent):
            self._sign(member, intent, reply_to, msg.id, now)
        elif isinstance(intent, ReceiptIntent):
            push_id = self.store.latest_delivered_push(intent.group_id)
            if push_id is not None and member.unit:
                self.store.add_receipt(
                    push_id, member.wechat, member.unit, intent.group_id, now, msg.id
                )
        elif isinstance(intent, ForwardIntent):
            self._forward(intent, now)
        elif isinstance(intent, EvidenceIntent):
            self._evidence(msg, member, now)
        elif isinstance(intent, WorkReportIntent):
            self._work_report(member, intent.text, reply_to, msg.id, now)

    def context(
        self, now: datetime, *, member: Member | None = None, reply_to: str | None = None
    ) -> JobContext:
        """The context chat handlers share with scheduled jobs."""
        return JobContext(app=self, now=now, member=member, reply_to=reply_to)

    def _work_report(
        self, member: Member, text: str, reply_to: str, message_id: str, now: datetime
    ) -> None:
        assert member.unit is not None
        day = now.astimezone(self.config.tz).date()
        # No daily bulletin on a non-workday: the report goes into the next workday's.
        report_day = self.calendar.next_workday(day)
        report = WorkReport(report_day, member.unit, member.wechat, text, now)
        first = self.store.save_work_report(report, message_id)
        self._say(reply_to, texts.work_report_saved(member, day, first, report_day), now)

    # -- outbound -------------------------------------------------------------------------

    def _say(
        self,
        conversation: str,
        text: str,
        now: datetime,
        mentions: Sequence[str] = (),
        *,
        key: str | None = None,
        push_id: int | None = None,
        group_id: str | None = None,
    ) -> None:
        self.store.enqueue(
            OutgoingMessage(
                conversation=conversation,
                text=text,
                mentions=tuple(mentions),
                dedupe_key=key,
                push_id=push_id,
                group_id=group_id,
            ),
            now,
        )

    def _quiet_hold(self, item: OutboxItem, now: datetime) -> datetime | None:
        # Households are not woken at night; the command group and private chats are exempt.
        quiet = self.config.quiet
        group = self.org.group(item.conversation)
        if not quiet.enabled or group is None or group.level is Level.COMMAND:
            return None
        return quiet_until(now.astimezone(self.config.tz), quiet.start_time, quiet.end_time)

    def _on_sent(self, item: OutboxItem, at: datetime) -> None:
        # A relay row carries its push and target group: sending it is the delivery.
        if item.push_id is not None and item.group_id is not None:
            self.store.mark_delivered(item.push_id, item.group_id, at, "relay")

    def _after_sent(self, item: OutboxItem, at: datetime) -> None:
        # Planned apart from the send's own record; resume_relays() redoes it after a crash.
        if item.push_id is not None and item.group_id is not None:
            self._relay_ready(item.push_id, at)

    def resume_relays(self, now: datetime) -> None:
        """Queue relays that became ready but were not planned (e.g. a crash after a send)."""
        with self.store.transaction():
            for push in self.store.pushes(since=self._open_since(now)):
                self._relay_ready(push.id, now)

    def _relay_ready(self, push_id: int, now: datetime) -> None:
        push = self.store.get_push(push_id)
        if push is None or push.status != "open":
            return
        org = self._org_for(push)
        signed = {s.member for s in self.store.signatures(push_id)}
        for d in ready_relays(org, self.store.deliveries(push_id), signed):
            self._say(
                d.group_id,
                texts.relay(push),
                now,
                key=f"relay:{push_id}:{d.group_id}",
                push_id=push_id,
                group_id=d.group_id,
            )

    def _org_for(self, push: Push) -> Org:
        if push.roster_version == self.store.roster_version():
            return self.org
        return self.store.load_org(push.roster_version) or self.org

    # -- signatures, forwards, evidence ---------------------------------------------------

    def _open_since(self, now: datetime) -> datetime:
        return now - timedelta(days=self.config.policy.open_days)

    def _sign(
        self, member: Member, intent: SignIntent, reply_to: str, message_id: str, now: datetime
    ) -> None:
        since = self._open_since(now)
        unsigned = self.store.unsigned_pushes(member.wechat, since)
        push_id = intent.push_id
        if push_id is None and intent.quote:
            push_id = self._quoted_push(intent.quote, member, now)
        if push_id is None:
            if not unsigned:
                return
            push_id = unsigned[0]
        unit = self.store.is_assigned(push_id, member.wechat)
        if unit is None:
            if self.store.get_push(push_id) is None:
                self._say(reply_to, texts.unknown_push(push_id), now)
            return
        if not self.store.add_signature(push_id, member.wechat, unit, now, message_id):
            return
        self._relay_ready(push_id, now)
        push = self.store.get_push(push_id)
        assert push is not None
        if len(self.store.assigned_pushes(member.wechat, since)) > 1:
            # Several pushes open: say which one this "收到" signed, and what is left.
            others = [p for i in unsigned if i != push_id and (p := self.store.get_push(i))]
            self._say(reply_to, texts.signed(push, member, others), now, [member.wechat])
        assigned_count = len(self.store.assignments(push_id))
        if len(self.store.signatures(push_id)) == assigned_count:
            self._say(
                self.org.command_group.id,
                texts.all_signed(push, assigned_count),
                now,
                key=f"all-signed:{push_id}",
            )

    def _quoted_push(self, quote: str, member: Member, now: datetime) -> int | None:
        """The open push a quote reply answers: by its number (第3期), else by its title."""
        assigned = self.store.assigned_pushes(member.wechat, self._open_since(now))
        number, _ = commands.take_reference(quote)
        if number in assigned:
            return number
        for push_id in assigned:
            push = self.store.get_push(push_id)
            if push is not None and (push.title in quote or quote[:30] in push.body):
                return push_id
        return None

    def _forward(self, intent: ForwardIntent, now: datetime) -> None:
        for push in reversed(self.store.pushes(since=self._open_since(now))):
            for d in self.store.deliveries(push.id):
                if (
                    d.group_id == intent.group_id
                    and d.delivered_at is None
                    and is_forward_of(push.body, intent.text)
                ):
                    if self.store.mark_delivered(push.id, d.group_id, now, "forward"):
                        self._relay_ready(push.id, now)
                    return

    def _evidence(self, msg: IncomingMessage, member: Member, now: datetime) -> None:
        for push_id in self.store.assigned_pushes(member.wechat, self._open_since(now)):
            push = self.store.get_push(push_id)
            assert push is not None
            org = self._org_for(push)
            for d in self.store.deliveries(push_id):
                group = org.group(d.group_id)
                if d.mode is not Mode.EVIDENCE or d.delivered_at is not None or group is None:
                    continue
                if member not in group_pushers(org, group):
                    continue
                path, digest, size = self._save_evidence(msg, push_id, group.id)
                self.store.add_evidence(
                    Evidence(push_id, group.id, member.wechat, str(path), digest, size, now),
                    msg.id,
                )
                if self.store.mark_delivered(push_id, group.id, now, "evidence"):
                    self._relay_ready(push_id, now)
                self._say(member.wechat, texts.evidence_ok(push, group), now)
                return
        self._say(member.wechat, texts.evidence_unneeded(), now)

    def _save_evidence(
        self, msg: IncomingMessage, push_id: int, group_id: str
    ) -> tuple[Path, str, int]:
        data = msg.data or b""
        suffix = Path(msg.filename or "shot.png").suffix or ".png"
        safe = hashlib.sha1(msg.id.encode()).hexdigest()[:12]
        folder = self.config.data_dir / "evidence" / f"push-{push_id}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{group_id}-{safe}{suffix}"
        path.write_bytes(data)
        return path, hashlib.sha256(data).hexdigest(), len(data)

    # -- commands -------------------------------------------------------------------------

    def _command(
        self, cmd: commands.Command, member: Member, reply_to: str, now: datetime
    ) -> None:
        ctx = self.context(now, member=member, reply_to=reply_to)
        if cmd.legacy_ref is not None:
            self._say(reply_to, _legacy_note(cmd), now)
        if cmd.name == "帮助":
            self._say(reply_to, commands.HELP_TEXT, now)
        elif cmd.name == "推送":
            self._push_command(cmd, ctx)
        elif cmd.name == "确认":
            pushes.confirm(ctx)
        elif cmd.name == "取消":
            pushes.cancel(ctx)
        elif cmd.name == "撤回":
            pushes.withdraw(ctx, cmd.push_id)
        elif cmd.name == "排名":
            self._say(reply_to, self.ranking_text(cmd.period or "month", now), now)
        elif cmd.name == "查":
            found = content.search(self.library, cmd.keyword) if cmd.keyword else []
            self._say(reply_to, texts.search_results(cmd.keyword, found), now)
        elif cmd.name in ("日报", "周报"):
            bulletins.on_request(ctx, cmd.name)
        else:
            self._push_query(cmd, member, reply_to, now)

    def _push_query(
        self, cmd: commands.Command, member: Member, reply_to: str, now: datetime
    ) -> None:
        """进度/未签收/未转发/催办 for one push, or for every push still open."""
        if cmd.push_id is not None:
            push = self.store.get_push(cmd.push_id)
            if push is None or push.status != "open":
                self._say(reply_to, texts.unknown_push(cmd.push_id), now)
                return
            chosen = [push]
        else:
            chosen = self.open_pushes(now)
            if not chosen:
                latest = self.store.latest_push()
                if latest is None:
                    self._say(reply_to, texts.no_push(), now)
                    return
                chosen = [latest]
        if cmd.name == "催办":
            for push in chosen:
                self.remind(push, member, reply_to, now)
        elif len(chosen) == 1:
            self._say(reply_to, self.query_text(cmd.name, chosen[0], now), now)
        else:
            self._say(reply_to, self.open_query_text(cmd.name, chosen, now), now)

    def open_pushes(self, now: datetime) -> list[Push]:
        """Pushes still open (in the open window, not withdrawn, not complete), newest first."""
        found = []
        for push in reversed(self.store.pushes(since=self._open_since(now))):
            cov = self.coverage(push)
            if cov.signed < cov.pushers or cov.delivered < cov.groups:
                found.append(push)
        return found

    def open_query_text(self, name: str, chosen: Sequence[Push], now: datetime) -> str:
        """Compact answers to 进度/未签收/未转发 covering several open pushes."""
        if name == "进度":
            return texts.open_progress([self.coverage(p) for p in chosen], now)
        laggards = [(p, self.laggards(p)) for p in chosen]
        if name == "未签收":
            return texts.open_unsigned([(p, unsigned) for p, (unsigned, _) in laggards])
        return texts.open_undelivered(
            [(p, [(g, pushers) for _, g, pushers in groups]) for p, (_, groups) in laggards]
        )

    def _push_command(self, cmd: commands.Command, ctx: JobContext) -> None:
        reply_to = ctx.reply_to or self.org.command_group.id
        if cmd.content_id is not None:
            item = next((c for c in self.library if c.id == cmd.content_id), None)
            if item is None:
                self._say(reply_to, texts.push_error(f"素材库中没有素材{cmd.content_id}"), ctx.now)
                return
            title, body, content_id = item.title, item.body, item.id
        elif cmd.body.strip():
            body = cmd.body.strip()
            title, content_id = texts.derive_title(body), None
        else:
            self._say(
                reply_to,
                texts.push_error(
                    "请写“推送 素材编号”（如“推送 素材3”），或在“推送”后换行写上正文"
                ),
                ctx.now,
            )
            return
        try:
            deadline = (
                parse_deadline(cmd.deadline, ctx.now, self.config.tz) if cmd.deadline else None
            )
        except DeadlineError as exc:
            self._say(reply_to, texts.push_error(str(exc)), ctx.now)
            return
        pushes.request(ctx, pushes.PushDraft(title, body, cmd.scope, deadline, content_id))

    def create_push(
        self,
        title: str,
        body: str,
        member: Member,
        now: datetime,
        scope: Sequence[str] = (),
        deadline: datetime | None = None,
        content_id: int | None = None,
    ) -> Push:
        """Create a push, announce it in the command group and start relays that need no one."""
        plan = plan_push(self.org, scope)
        with self.store.transaction():
            push = self.store.create_push(
                title=title,
                body=body,
                created_by=member.wechat,
                now=now,
                scope=plan.scope,
                deadline=deadline,
                content_id=content_id,
                roster_version=self.store.roster_version(),
                deliveries=plan.deliveries,
                tallies=plan.tallies,
                assignments=plan.assignments,
            )
            pushers = [m for w, _ in plan.assignments if (m := self.org.member(w)) is not None]
            text = texts.announce(
                push, texts.scope_label(plan.scope, self.org.units), pushers, now
            )
            self._say(
                self.org.command_group.id,
                text,
                now,
                [p.wechat for p in pushers],
                key=f"announce:{push.id}",
            )
            self._relay_ready(push.id, now)
            self.store.audit(now, member.name, "推送", f"第{push.id}期《{title}》")
        self.sender.wake()
        return push

    def coverage(self, push: Push) -> PushCoverage:
        """Coverage of one push from the stored counters."""
        return coverage(
            push,
            self.store.tallies(push.id),
            self.store.signatures(push.id),
            self.store.deliveries(push.id),
        )

    def coverage_report(self, pushes: Sequence[Push] | None = None) -> list[PushCoverage]:
        """Coverage of the given pushes (default: all)."""
        return [self.coverage(p) for p in (pushes if pushes is not None else self.store.pushes())]

    def laggards(
        self, push: Push
    ) -> tuple[list[Member], list[tuple[Delivery, Group, tuple[Member, ...]]]]:
        """Assigned pushers who have not signed, and undelivered groups with their pushers."""
        org = self._org_for(push)
        signed = {s.member for s in self.store.signatures(push.id)}
        assigned = {w for w, _ in self.store.assignments(push.id)}
        unsigned, undelivered = laggards(org, self.store.deliveries(push.id), signed, assigned)
        groups = [
            (d, g, pushers)
            for d, pushers in undelivered
            if (g := org.group(d.group_id)) is not None
        ]
        return unsigned, groups

    def query_text(self, name: str, push: Push, now: datetime) -> str:
        """Answers to 进度 / 未签收 / 未转发 for a push."""
        unsigned, undelivered = self.laggards(push)
        if name == "未签收":
            return texts.unsigned(push, unsigned)
        if name == "未转发":
            return texts.undelivered(push, undelivered)
        names = {m.wechat: m.name for m in self.org.members}
        return texts.progress(
            self.coverage(push),
            unsigned,
            [(d, g) for d, g, _ in undelivered],
            [(r, [names.get(w, w) for w in r.members]) for r in self.store.reminders(push.id)],
            now,
        )

    def ranking_text(self, period: str, now: datetime) -> str:
        """Answer to 排名 for day/week/month."""
        since = now - timedelta(days=PERIOD_DAYS.get(period, 30))
        reports = self.coverage_report(self.store.pushes(since=since))
        bottom = self.config.bulletin.bottom_count if period == "month" else 0
        ranks = rank_units(reports, bottom=bottom, now=now)
        pending = unsettled(reports, now) if bottom else 0
        return texts.ranking(ranks, period, len(reports) - pending, pending)

    def remind(
        self,
        push: Push,
        member: Member | None,
        reply_to: str | None,
        now: datetime,
        kind: str = REMIND,
    ) -> bool:
        """催办: @-mention laggard pushers in the command group, capped per rolling 24 h.

        Manual 催办 and deadline reminders (`member` None, `kind` 截止前催办/到期催办) each
        have their own cap (see followup.remind_budget); with no `reply_to` nothing is said
        when capped or when nobody lags.
        """
        budget = remind_budget(kind)
        cap = (
            self.config.policy.remind_cap_per_day
            if kind == REMIND
            else self.config.deadline.auto_remind_cap
        )
        recent = [
            r
            for r in self.store.reminders(push.id, since=now - timedelta(hours=24))
            if r.kind in budget
        ]
        command = self.org.command_group.id
        if len(recent) >= cap:
            if reply_to is not None:
                self._say(reply_to, texts.remind_capped(push, cap), now)
            return False
        unsigned, undelivered = self.laggards(push)
        targets: dict[str, Member] = {m.wechat: m for m in unsigned}
        for _, _, pushers in undelivered:
            targets.update((p.wechat, p) for p in pushers)
        if not targets:
            if reply_to is not None:
                self._say(reply_to, texts.nothing_to_remind(push), now)
            return False
        people = list(targets.values())
        text = (
            texts.remind(push, people, len(recent) + 1, cap)
            if kind == REMIND
            else texts.deadline_remind(push, people, kind, len(recent) + 1, cap, now)
        )
        self._say(command, text, now, [p.wechat for p in people])
        self.store.add_reminder(Reminder(push.id, now, kind, tuple(targets)))
        actor = member.name if member is not None else self.config.bot.name
        self.store.audit(now, actor, kind, f"第{push.id}期：{len(people)} 人")
        if reply_to is not None and reply_to != command:
            self._say(reply_to, f"已在指挥群催办 {len(people)} 人。", now)
        return True

    def members_by_role(self, role: Role) -> list[Member]:
        """Roster members with a role."""
        return [m for m in self.org.members if m.role is role]
