"""The safety desk: households' questions answered privately, fraud reports (线索) passed on.

Nothing is ever said in a household group: a report there becomes a tip, sent privately to
the unit's supervisors (片警 first) with a link to the dashboard; when money has already
moved the household is told privately what to do now. Every tip is audited.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from bot.context import Context
from bot.domain import desk_texts, texts
from bot.domain.desk import Tip, closest_items, tip_place, tip_recipients
from bot.domain.intent import AskIntent, TipIntent
from bot.domain.model import Content, MessageKind
from bot.nlp.tips import TipSignal, borrowed_from

log = logging.getLogger("bot.desk")

# Notices pasted back within this many days are recognised as notices, not reports.
NOTICE_DAYS = 30


class Desk:
    """Answers households' questions and turns their fraud reports into tips."""

    def ask(self, ctx: Context, intent: AskIntent) -> None:
        """A household's private question ("这是不是诈骗", a link, a screenshot)."""
        screenshot = intent.kind is MessageKind.IMAGE
        library = ctx.app.library
        items = closest_items(library, intent.text) if not screenshot else _common(library)
        ctx.reply(desk_texts.answer(items, screenshot))
        # A private question is answered; only money already gone also alerts the supervisors.
        if intent.signal is not None and intent.signal.urgent:
            self._record(ctx, None, intent.text, intent.signal)

    def tip(self, ctx: Context, intent: TipIntent) -> None:
        """A household's fraud report in a group: a tip for the supervisors, silence there."""
        if self._is_notice(ctx, intent.text):
            return
        self._record(ctx, intent.group_id, intent.text, intent.signal)

    def _is_notice(self, ctx: Context, text: str) -> bool:
        since = ctx.now - timedelta(days=NOTICE_DAYS)
        notices = [texts.notice(*pair) for pair in ctx.app.store.push_texts(since)]
        notices.extend(item.body for item in ctx.app.library)
        return borrowed_from(text, notices)

    def _record(self, ctx: Context, group_id: str | None, text: str, signal: TipSignal) -> None:
        app, member = ctx.app, ctx.actor
        group = app.org.group(group_id) if group_id else None
        unit = group.unit if group is not None and group.unit else member.unit
        draft = Tip(
            id=0,
            at=ctx.now,
            member=member.wechat,
            group_id=group_id,
            unit=unit,
            text=text,
            category=signal.category,
            urgent=signal.urgent,
            message_id=ctx.message_id,
        )
        tip_id = app.store.add_tip(draft)
        tip = app.store.get_tip(tip_id) or draft
        place = tip_place(app.org, group, unit)
        people = tip_recipients(app.org, unit)
        mark = "紧急" if tip.urgent else "一般"
        app.store.audit(
            ctx.now,
            "机器人",
            "线索",
            f"第{tip.id}条（{mark}·{tip.category}）来自{place}，已通知"
            f"{'、'.join(p.name for p in people) or '无人'}",
        )
        notice = desk_texts.tip_notice(tip, member.name, place, tip_link(ctx, tip.id), ctx.now)
        for person in people:
            ctx.say(person.wechat, notice, key=f"tip:{tip.id}:{person.wechat}")
        if tip.urgent:
            ctx.say(member.wechat, desk_texts.urgent_advice(), key=f"tip:{tip.id}:advice")
        log.info("线索第%d条（%s）已通知 %d 人", tip.id, mark, len(people))


def tip_link(ctx: Context, tip_id: int) -> str:
    """The dashboard page of a tip: a full address when `web.public_url` is set."""
    base = str(getattr(ctx.app.config.web, "public_url", "") or "").rstrip("/")
    return f"{base}/tips/{tip_id}"


def _common(library: Sequence[Content]) -> list[Content]:
    """For a screenshot: the items on the commonest frauds (公检法, 刷单)."""
    return closest_items(library, "冒充公检法 刷单返利", 2)
