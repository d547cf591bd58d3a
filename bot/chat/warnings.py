"""预警劝阻单 in chat: issued to one assignee privately, signed, 劝阻 and 反馈 by private reply.

Nothing about a warning is ever said in a group. An assignee's private message is read
against their open warnings first ("收到" signs the one waiting for a signature); with
several open, the number ("预警3 已上门劝阻") or the quoted notice says which. A 派出所
supervisor (片警) may issue one privately: "预警 张三 13800001234 疑似刷单诈骗".
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from bot.context import Context
from bot.domain import warning_texts as wt
from bot.domain.desk import is_police, tip_recipients
from bot.domain.model import IncomingMessage, Member, MessageKind, Role
from bot.domain.warnings import (
    FED_BACK,
    ISSUED,
    SIGN_ESCALATE,
    SIGN_REMIND,
    SIGNED,
    VISIT_ESCALATE,
    VISIT_REMIND,
    VISITED,
    WarningError,
    WarningEvent,
    WarningNotice,
    WarningPolicy,
    WarningReply,
    deadlines,
    draft_errors,
    evaluate,
    find_household,
    give_feedback,
    read_reply,
    responsible,
    sign,
    step_due,
    visit,
)
from bot.nlp.quote import split_quote

log = logging.getLogger("bot.warnings")

# An on-site photo belongs to a warning when sent this soon after its 劝阻 was reported.
PHOTO_WINDOW = timedelta(hours=2)

_ISSUE = re.compile(
    r"^\s*[/／]?预警\s+(?P<name>\S{1,20})\s+(?P<phone>[\d-]{7,13})\s+(?P<what>\S.*)$"
)


@dataclass(frozen=True)
class WarningDraft:
    """A warning about to be issued; `issuer` is "web:<login>" or a roster wechat id."""

    victim_name: str
    victim_phone: str
    detected: str
    risk: str
    assignee: str | None
    issuer: str
    issuer_label: str
    victim_id_number: str = ""


def policy_of(ctx: Context) -> WarningPolicy:
    """The configured deadlines."""
    w = ctx.app.config.warning
    return WarningPolicy(
        w.sign_minutes, w.visit_hours, w.remind_before_minutes, w.escalate_after_minutes
    )


def warning_link(ctx: Context, warning_id: int) -> str:
    """The dashboard page of a warning: a full address when `web.public_url` is set."""
    base = str(getattr(ctx.app.config.web, "public_url", "") or "").rstrip("/")
    return f"{base}/warnings/{warning_id}"


class Warnings:
    """Issues warnings and follows their chain to the evaluation."""

    # -- issue ------------------------------------------------------------------------

    def issue(self, ctx: Context, draft: WarningDraft) -> WarningNotice:
        """Check, store and send a warning privately to its assignee (WarningError if bad)."""
        app, org = ctx.app, ctx.app.org
        d = draft
        errors = draft_errors(
            d.victim_name, d.victim_phone, d.victim_id_number, d.detected, d.risk
        )
        household = find_household(org, d.victim_name.strip(), d.victim_phone.strip())
        assignee = org.member(d.assignee) if d.assignee else None
        if d.assignee and (
            assignee is None or assignee.role not in (Role.PUSHER, Role.SUPERVISOR)
        ):
            errors.append(f"负责人：名册中没有网格员或片警“{d.assignee}”")
        if assignee is None and not d.assignee:
            assignee = responsible(org, household) if household else None
            if assignee is None:
                errors.append("负责人：名册中找不到此人所在网格的网格员，请指定负责人")
        if errors:
            raise WarningError("；".join(errors))
        assert assignee is not None
        sign_by, visit_by = deadlines(ctx.now, policy_of(ctx))
        unit = household.unit if household is not None else assignee.unit
        new = WarningNotice(
            id=0,
            issued_at=ctx.now,
            issuer=d.issuer,
            issuer_label=d.issuer_label,
            victim_name=d.victim_name.strip(),
            victim_phone=d.victim_phone.strip(),
            victim_id_number=d.victim_id_number.strip().upper(),
            detected=d.detected.strip(),
            risk=d.risk,
            assignee=assignee.wechat,
            sign_by=sign_by,
            visit_by=visit_by,
            unit=unit,
        )
        warning = replace(new, id=app.store.add_warning(new))
        who = f"{d.issuer_label}→{assignee.name}"
        app.store.add_warning_event(warning.id, WarningEvent(ctx.now, who, "下发"))
        ctx.say(
            assignee.wechat,
            wt.notice(warning, warning_link(ctx, warning.id)),
            key=f"warning:{warning.id}:notice",
        )
        app.store.audit(
            ctx.now,
            d.issuer_label,
            "预警下发",
            f"预警{warning.id}（{warning.detected}，风险{warning.risk}）指派给{assignee.name}",
        )
        log.info("预警%d已下发给 %s", warning.id, assignee.wechat)
        return warning

    # -- the assignee's private replies ------------------------------------------------

    def reply(self, ctx: Context, msg: IncomingMessage) -> bool:
        """Act on a private message if it is about a warning; False lets others have it."""
        member = ctx.actor
        text = split_quote(msg.text).reply if msg.kind is MessageKind.TEXT else ""
        if (
            _ISSUE.match(text)
            and member.role is Role.SUPERVISOR
            and is_police(member, ctx.app.org)
        ):
            self._issue_in_chat(ctx, member, text)
            return True
        if msg.kind is MessageKind.IMAGE:
            return self._photo(ctx, msg, ctx.app.store.warnings(assignee=member.wechat))
        open_ones = ctx.app.store.warnings(assignee=member.wechat, open_only=True)
        if not open_ones:
            return False
        if msg.kind is not MessageKind.TEXT:
            return False
        quote = split_quote(msg.text)
        said = read_reply(quote.reply, quote.quoted)
        relevant = said.ack or said.method or said.result or said.feedback is not None
        if said.number is not None:
            target = next((w for w in open_ones if w.id == said.number), None)
            if target is None:
                ctx.reply(wt.unknown_number(said.number))
                return True
        elif len(open_ones) == 1:
            target = open_ones[0]
        elif relevant:
            ctx.reply(wt.which_one(open_ones))
            return True
        else:
            return False
        return self._act(ctx, target, said, explicit=said.number is not None)

    def _act(self, ctx: Context, w: WarningNotice, said: WarningReply, explicit: bool) -> bool:
        try:
            if said.feedback is not None or (explicit and w.state == VISITED and said.text):
                text = said.feedback if said.feedback is not None else said.text
                done, kind, answer = give_feedback(w, ctx.now, text), "反馈", wt.fed_back
            elif said.method and said.result:
                if w.at_least(VISITED) and not explicit:
                    return False
                done = visit(w, ctx.now, said.method, said.result)
                kind, answer = f"劝阻（{said.method}·{said.result}）", wt.visited
            elif said.method or said.result:
                if w.state not in (ISSUED, SIGNED) and not explicit:
                    return False
                ctx.reply(wt.need_visit_details(w, said.method, said.result))
                return True
            elif said.ack and w.state == ISSUED:
                done, kind, answer = sign(w, ctx.now), "签收", wt.signed
            else:
                if explicit:
                    ctx.reply(wt.where_it_stands(w))
                return explicit
        except WarningError as exc:
            ctx.reply(wt.refused(str(exc)))
            return True
        if w.state == ISSUED and done.signed_at is not None and kind != "签收":
            self._event(ctx, done.id, "签收")
        ctx.app.store.save_warning(done)
        self._event(ctx, done.id, kind, said.text)
        ctx.reply(answer(done))
        return True

    def _photo(self, ctx: Context, msg: IncomingMessage, mine: list[WarningNotice]) -> bool:
        """A photo within PHOTO_WINDOW of a 劝阻 report goes with that warning; any other
        private image (a 佐证 screenshot for a push, say) is left to the usual handling."""
        w = next(
            (
                w
                for w in mine
                if w.state in (VISITED, FED_BACK)
                and w.visited_at is not None
                and ctx.now - w.visited_at <= PHOTO_WINDOW
            ),
            None,
        )
        if w is None:
            return False
        folder = ctx.app.config.data_dir / "warnings" / f"warning-{w.id}"
        folder.mkdir(parents=True, exist_ok=True)
        suffix = Path(msg.filename or "photo.png").suffix or ".png"
        path = folder / f"{hashlib.sha1(msg.id.encode()).hexdigest()[:12]}{suffix}"
        path.write_bytes(msg.data or b"")
        ctx.app.store.save_warning(replace(w, photo=str(path)))
        self._event(ctx, w.id, "现场照片", f"{len(msg.data or b'')} 字节")
        ctx.reply(wt.photo_saved(w))
        return True

    def _event(self, ctx: Context, warning_id: int, kind: str, text: str = "") -> None:
        event = WarningEvent(ctx.now, ctx.actor.name, kind, text)
        ctx.app.store.add_warning_event(warning_id, event)

    def _issue_in_chat(self, ctx: Context, member: Member, text: str) -> None:
        m = _ISSUE.match(text)
        assert m is not None
        label = f"{member.name}（{member.unit}）" if member.unit else member.name
        draft = WarningDraft(m["name"], m["phone"], m["what"], "高", None, member.wechat, label)
        try:
            warning = self.issue(ctx, draft)
        except WarningError as exc:
            ctx.reply(wt.refused(str(exc)))
            return
        assignee = ctx.app.org.member(warning.assignee)
        ctx.reply(wt.issued(warning, assignee.name if assignee else warning.assignee))

    # -- the issuer's evaluation ---------------------------------------------------------

    def evaluate(
        self, ctx: Context, warning: WarningNotice, grade: str, note: str, who: str
    ) -> WarningNotice:
        """评价 (WarningError when it cannot be): recorded, audited, told to the assignee."""
        done = evaluate(warning, ctx.now, grade, note, who)
        app = ctx.app
        app.store.save_warning(done)
        text = f"{grade}（{done.grade_note}）" if done.grade_note else grade
        app.store.add_warning_event(done.id, WarningEvent(ctx.now, who, "评价", text))
        app.store.audit(ctx.now, who, "预警评价", f"预警{done.id}：{text[:60]}")
        ctx.say(done.assignee, wt.evaluated(done), key=f"warning:{done.id}:evaluated")
        return done

    # -- deadlines (from the scheduler) -------------------------------------------------

    def step(self, ctx: Context, warning_id: int, kind: str) -> None:
        """A deadline step: remind the assignee, escalate to the issuer and supervisors."""
        app = ctx.app
        w = app.store.get_warning(warning_id)
        if w is None or not step_due(w, kind):
            return
        assignee = app.org.member(w.assignee)
        if kind in (SIGN_REMIND, VISIT_REMIND, VISIT_ESCALATE):
            ctx.say(w.assignee, wt.reminder(w, kind, ctx.now), key=f"warning:{w.id}:{kind}")
        told: list[Member] = []
        if kind in (SIGN_ESCALATE, VISIT_ESCALATE):
            told = escalation_recipients(ctx, w)
            name = assignee.name if assignee else w.assignee
            for person in told:
                ctx.say(
                    person.wechat,
                    wt.escalation(w, kind, name, ctx.now),
                    key=f"warning:{w.id}:{kind}:{person.wechat}",
                )
        names = "、".join(p.name for p in told)
        text = f"已私聊上报 {names}" if told else "已私聊提醒被指派人"
        app.store.add_warning_event(w.id, WarningEvent(ctx.now, "机器人", kind, text))


def escalation_recipients(ctx: Context, w: WarningNotice) -> list[Member]:
    """Who hears of an overdue step: a chat issuer, and the unit's supervisors (片警 first;
    the office when the unit has none), never the assignee."""
    org = ctx.app.org
    people = [m for m in tip_recipients(org, w.unit) if m.wechat != w.assignee]
    issuer = org.member(w.issuer)
    if issuer is not None and issuer.wechat not in {p.wechat for p in people}:
        people.insert(0, issuer)
    return people
