"""倒查 in chat: the office, leaders and the 派出所 ask "倒查 张三" in the command group or
privately; the answer (who it is, what their groups received, what they acknowledged) always
goes privately to the asker, with a link to the dashboard's full record. A supervisor other
than a 片警 finds only their own unit's households. Every lookup is audited.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from bot.context import Context
from bot.domain import trace_texts
from bot.domain.desk import is_police
from bot.domain.model import Member, Role
from bot.domain.privacy import mask_phone
from bot.domain.trace import is_phone_query
from bot.nlp.commands import Command
from bot.trace import find_members, trace_member

_PICK = re.compile(r"(.+?)\s+(\d{1,2})")


def _query_and_pick(keyword: str) -> tuple[str, int | None]:
    """ "张三 2" → ("张三", 2): the second of the listed matches."""
    match = _PICK.fullmatch(keyword.strip())
    if match is None:
        return keyword.strip(), None
    return match.group(1).strip(), int(match.group(2))


class Tracing:
    """The 倒查 command."""

    def command(self, ctx: Context, cmd: Command) -> None:
        """Look a household up and answer privately."""
        member = ctx.actor
        if ctx.answer_to != member.wechat:
            ctx.reply(trace_texts.IN_PRIVATE)
        query, pick = _query_and_pick(cmd.keyword)
        if not query:
            ctx.say(member.wechat, trace_texts.USAGE)
            return
        unit = self._unit_of(ctx, member)
        found = find_members(ctx.app.store, query, unit)
        shown = mask_phone(query) if is_phone_query(query) and len(query) >= 7 else query
        actor = f"{member.name}（微信）"
        ctx.app.store.audit(ctx.now, actor, "倒查检索", f"检索“{shown}”：{len(found)} 人符合")
        if not found:
            ctx.say(member.wechat, trace_texts.not_found(shown, unit))
            return
        if len(found) > 1 and (pick is None or not 1 <= pick <= len(found)):
            ctx.say(member.wechat, trace_texts.choose(shown, found))
            return
        chosen = found[(pick or 1) - 1]
        report = trace_member(ctx.app.store, chosen.wechat)
        if report is None:  # the roster changed between the two reads
            ctx.say(member.wechat, trace_texts.not_found(shown, unit))
            return
        detail = f"{report.name}（{report.unit or '无单位'}，{report.wechat}）"
        ctx.app.store.audit(ctx.now, actor, "倒查查看", detail)
        ctx.say(
            member.wechat,
            trace_texts.summary(report, ctx.app.config.tz, _link(ctx, chosen.wechat)),
        )

    @staticmethod
    def _unit_of(ctx: Context, member: Member) -> str | None:
        """The unit a supervisor may search (None: every unit)."""
        if member.role in (Role.OFFICE, Role.LEADER) or is_police(member, ctx.app.org):
            return None
        return member.unit


def _link(ctx: Context, wechat: str) -> str:
    base = str(getattr(ctx.app.config.web, "public_url", "") or "").rstrip("/")
    return f"{base}/trace?{urlencode({'who': wechat})}"
