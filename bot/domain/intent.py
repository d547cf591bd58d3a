"""What an inbound message means: a command, a signature, a receipt, a forward, evidence.

Pure: looks only at the message and who sent it where. The app resolves which push an
intent applies to (that needs the store).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from bot import nlp
from bot.domain.media import LinkCard
from bot.domain.model import Group, IncomingMessage, Level, Member, MessageKind, Role
from bot.nlp import commands
from bot.nlp.quote import split_quote
from bot.nlp.tips import TipSignal, classify_tip

PUSH_ROLES = frozenset({Role.OFFICE, Role.LEADER})
PUSH_COMMANDS = frozenset({"推送", "确认", "取消", "撤回"})
QUERY_ROLES = frozenset({Role.OFFICE, Role.LEADER, Role.SUPERVISOR})
QUERY_COMMANDS = frozenset(
    {"进度", "未签收", "未转发", "催办", "排名", "日报", "周报", "查", "倒查"}
)

# A forward worth comparing is at least a sentence or two; shorter texts are chat.
MIN_FORWARD_CHARS = 20
FORWARD_ROLES = frozenset({Role.PUSHER, Role.SUPERVISOR})
# "今日工作：…" (also 工作汇报/今日汇报); the colon keeps "今日工作很忙" from counting.
_WORK_REPORT = re.compile(
    r"^\s*[/／]?\s*(?:今日工作|工作汇报|今日汇报)\s*[:：]\s*(?P<body>\S.*)$", re.S
)
REPORT_ROLES = frozenset({Role.PUSHER, Role.SUPERVISOR})


@dataclass(frozen=True)
class CommandIntent:
    """A chat command from someone allowed to give it."""

    command: commands.Command


@dataclass(frozen=True)
class Refusal:
    """An explicit command from someone not allowed to give it."""

    command: commands.Command
    reason: str


@dataclass(frozen=True)
class SignIntent:
    """A pusher signs (签收) a push: a given number, the one quoted, or their newest open one.

    `quote` is the text of the message a quote reply answers (an announcement, usually).
    """

    push_id: int | None
    quote: str | None = None


@dataclass(frozen=True)
class ReceiptIntent:
    """A household acknowledges in a group."""

    group_id: str


@dataclass(frozen=True)
class ForwardIntent:
    """A pusher's text, image, link card or file in a group: maybe the push forwarded.

    For media `kind` says which; `data` holds an image's or file's bytes, `link` a card.
    """

    group_id: str
    text: str
    kind: MessageKind = MessageKind.TEXT
    data: bytes | None = None
    link: LinkCard | None = None


@dataclass(frozen=True)
class EvidenceIntent:
    """A pusher's screenshot in a private chat."""


@dataclass(frozen=True)
class WorkReportIntent:
    """A pusher's (or supervisor's) 今日工作 report for their unit."""

    text: str


@dataclass(frozen=True)
class TipIntent:
    """A household reports fraud in a group (never answered there: a 线索 for supervisors)."""

    group_id: str
    text: str
    signal: TipSignal


@dataclass(frozen=True)
class AskIntent:
    """A household writes to the bot privately ("这是不是诈骗", a link, a screenshot).

    `signal` is set when the question is itself a fraud report ("我被骗了").
    """

    text: str
    kind: MessageKind
    signal: TipSignal | None = None


Intent = (
    CommandIntent
    | Refusal
    | SignIntent
    | ReceiptIntent
    | ForwardIntent
    | EvidenceIntent
    | WorkReportIntent
    | TipIntent
    | AskIntent
)


def permission(role: Role, name: str) -> str | None:
    """Why `role` may not run command `name` (None if allowed)."""
    if name in PUSH_COMMANDS and role not in PUSH_ROLES:
        return "只有镇反诈办（办公室）或领导可以发起、确认或撤回推送"
    if name in QUERY_COMMANDS and role not in QUERY_ROLES:
        return "查询和催办仅限领导、办公室和监督员使用"
    return None


def classify(msg: IncomingMessage, member: Member | None, group: Group | None) -> Intent | None:
    """Decide what a message from a roster member means; None for chat to ignore.

    In a quote reply only the reply is judged; the quoted text only says which push a
    pusher's signature is for.
    """
    if member is None:
        return None
    in_household_group = group is not None and group.level is not Level.COMMAND
    if msg.private and member.role is Role.HOUSEHOLD:
        return _household_question(msg)
    if msg.kind is MessageKind.IMAGE and msg.private:
        return EvidenceIntent() if member.role is Role.PUSHER else None
    if msg.kind is not MessageKind.TEXT:
        if member.role in FORWARD_ROLES and group is not None and in_household_group:
            return ForwardIntent(group.id, msg.text, msg.kind, msg.data, msg.link)
        return None
    if not msg.text.strip():
        return None
    quote = split_quote(msg.text)
    text = quote.reply
    if member.role is Role.PUSHER:
        # "签收 第3期", "3号推送已签收", "第3期收到": an acknowledgement naming its push.
        number, rest = commands.take_reference(text)
        if number is not None and rest.strip() and nlp.is_acknowledgement(rest):
            return SignIntent(number)
    if not in_household_group and member.role in REPORT_ROLES and member.unit:
        report = _WORK_REPORT.match(text)
        if report:
            return WorkReportIntent(report["body"].strip())
    if member.role is Role.HOUSEHOLD:
        return _household_in_group(text, member, group if in_household_group else None)
    command = commands.parse(text)
    if command is not None:
        reason = permission(member.role, command.name)
        if reason is None:
            # Leaders' questions in household groups get no answer there: no noise.
            return None if in_household_group else CommandIntent(command)
        if command.explicit and not in_household_group:
            return Refusal(command, reason)
        if member.role is not Role.PUSHER:
            return None
    if (
        member.role in FORWARD_ROLES
        and group is not None
        and in_household_group
        and len(text) >= MIN_FORWARD_CHARS
    ):
        # In a forward-mode group this is how the push arrives; in a relay-mode group a
        # cadre who pasted the notice himself has delivered it, and the bot must not repeat it.
        return ForwardIntent(group.id, text)
    if member.role is Role.PUSHER and nlp.is_acknowledgement(text, sender=member.name):
        return SignIntent(None, quote.quoted)
    return None


def _household_in_group(
    text: str, member: Member, group: Group | None
) -> ReceiptIntent | TipIntent | None:
    """A household's words in their group: a receipt, a fraud report (线索), or chat."""
    if group is None:
        return None
    if nlp.is_acknowledgement(text, sender=member.name):
        return ReceiptIntent(group.id)
    signal = classify_tip(text)
    return TipIntent(group.id, text, signal) if signal else None


def _household_question(msg: IncomingMessage) -> AskIntent | None:
    """A household's private text, link or screenshot; a bare "收到" or "谢谢" needs no answer."""
    if msg.kind is MessageKind.IMAGE:
        return AskIntent("", msg.kind)
    text = split_quote(msg.text).reply.strip()
    if msg.kind not in (MessageKind.TEXT, MessageKind.LINK) or not text:
        return None
    if msg.kind is MessageKind.TEXT and (nlp.is_acknowledgement(text) or _THANKS.match(text)):
        return None
    return AskIntent(text, msg.kind, classify_tip(text))


_THANKS = re.compile(r"^\s*(谢谢|多谢|感谢|好的|嗯|哦|再见)[\w\s,，。!！~]{0,6}$")

_DEADLINE = re.compile(
    r"^\s*(?:(?P<rel>今天|今日|明天|明日|后天)|(?:(?P<y>\d{4})[-/年])?(?P<mo>\d{1,2})[-/月]"
    r"(?P<d>\d{1,2})[日号]?)?\s*(?P<h>\d{1,2})\s*(?:[:：点时]\s*(?P<mi>\d{1,2}|半)?\s*分?)?\s*$"
)


class DeadlineError(ValueError):
    """The 截止 time cannot be read."""


def parse_deadline(text: str, now: datetime, tz: tzinfo) -> datetime:
    """Read "18:00", "明天18:00", "11月25日18:00", "2026-11-25 18:00", "18点半" relative to now."""
    m = _DEADLINE.match(text.replace("：", ":"))
    if not m:
        raise DeadlineError(f"截止时间“{text}”看不懂，请写成 18:00、明天18:00 或 11月25日18:00")
    hour = int(m["h"])
    minute = 30 if m["mi"] == "半" else int(m["mi"] or 0)
    if hour > 23 or minute > 59:
        raise DeadlineError(f"截止时间“{text}”不是有效的时刻")
    local = now.astimezone(tz)
    day = local.date()
    if m["rel"] in ("明天", "明日"):
        day += timedelta(days=1)
    elif m["rel"] == "后天":
        day += timedelta(days=2)
    elif m["mo"]:
        try:
            day = day.replace(year=int(m["y"] or day.year), month=int(m["mo"]), day=int(m["d"]))
        except ValueError:
            raise DeadlineError(f"截止时间“{text}”的日期不存在") from None
    when = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
    if when <= local and not m["rel"] and not m["mo"]:
        when += timedelta(days=1)
    if when <= local:
        raise DeadlineError(f"截止时间“{text}”已经过去了")
    return when
