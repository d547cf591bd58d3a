"""专项行动 (drives): a town-wide action such as "推广国家反诈中心APP" with its own receipt.

A drive has a title, the phrases households volunteer when they have done it ("已安装",
"已注册", "装好了"), optionally a screenshot, dates, and target rates by date (a default for
every unit, overridable per unit). Households are counted once per drive; the bot never asks
any household (自愿原则): it only counts what they say, and encourages the units behind.

Pure: the receipt rule, the target parser and the progress arithmetic. No clock, no store.
(The word "campaign" already names the scheduled rotation push; this is a "drive".)
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.nlp.emoji import replace_emoji_codes
from bot.nlp.normalize import normalize
from bot.nlp.quote import split_quote

ON_PACE = "进度正常"
REACHED = "已达标"
BEHIND = "落后"
MISSED = "未达标"
VIA_TEXT = "文字"
VIA_IMAGE = "截图"


class DriveError(ValueError):
    """A drive's form or command cannot be read (the message names the field)."""


@dataclass(frozen=True)
class Milestone:
    """Reach `rate` (0..1) of the unit's households by the end of `day`."""

    day: date
    rate: float


@dataclass(frozen=True)
class Drive:
    """One 专项行动. `overrides` holds per-unit targets replacing the default ones."""

    id: int
    title: str
    phrases: tuple[str, ...]
    screenshot: bool
    starts: date
    ends: date
    targets: tuple[Milestone, ...]
    overrides: tuple[tuple[str, tuple[Milestone, ...]], ...] = ()
    created_at: datetime | None = None
    created_by: str = ""

    def targets_for(self, unit: str) -> tuple[Milestone, ...]:
        """The unit's own targets, else the default ones."""
        return dict(self.overrides).get(unit, self.targets)

    def is_open(self, day: date) -> bool:
        """Whether receipts count on this day."""
        return self.starts <= day <= self.ends


@dataclass(frozen=True)
class DriveReceipt:
    """A household's volunteered receipt; `group_id` None when said privately."""

    drive_id: int
    wechat: str
    unit: str | None
    group_id: str | None
    at: datetime
    via: str = VIA_TEXT
    message_id: str = ""


@dataclass(frozen=True)
class UnitProgress:
    """One unit's count against its targets on a day."""

    unit: str
    households: int
    counted: int
    target: Milestone | None
    pace: float
    status: str
    final: Milestone | None = field(default=None)

    @property
    def rate(self) -> float:
        """Counted households over roster households (0 for a unit with none)."""
        return self.counted / self.households if self.households else 0.0


# -- the receipt rule ----------------------------------------------------------------------

# Done markers around a verb: 已安装, 已经注册了, 安装好了, 装完了, 注册成功, 下载了.
_DONE_BEFORE = r"(?:已经?|都|早就?|刚刚?|均已)\s*"
_DONE_AFTER = r"\s*(?:好了?|完了?|成功|过了|了|啦|完毕)"
# A verb that did not happen or failed, or a wish: 没装, 还没有注册, 装不上, 安装不了,
# 安装失败, 不想装, 不会装, 没法注册, 打算装, 明天装.
_NEGATION = re.compile(
    r"(?:没|未|不|别|无法|不能|不会|不想|不用|不要|不了|没法|没空|打算|准备|想|要|会|明天|后天|"
    r"过几天|回头|下次|待会|等会|稍后|让|请|叫|帮我)\s*(?:有|再|去|来)?\s*{verb}"
    r"|{verb}\s*(?:不|没|失败|出错|报错|未|一半|不了|吗|么|没有|了吗|了没|好没|好了吗|成功了吗)"
)
_QUESTION = re.compile(r"[?？]|吗|么|呢|怎么|如何|咋|哪里|在哪|啥")
_CLAUSE_SPLIT = re.compile(r"[,，。.!！;；~～、\n]+|(?:但是|但|可是|不过|就是)")
# What a phrase's verb is, once its done markers are taken off: 已安装 → 安装, 装好了 → 装.
_STRIP_MARKS = re.compile(r"^(?:已经?|都|均已)|(?:好了?|完了?|成功|过了|了|啦|完毕)$")


def phrase_verbs(phrases: Sequence[str]) -> tuple[str, ...]:
    """The verbs of a drive's phrases (longest first): 已安装 → 安装, 装好了 → 装."""
    verbs: set[str] = set()
    for phrase in phrases:
        verb = _STRIP_MARKS.sub("", _flat(phrase))
        verb = _STRIP_MARKS.sub("", verb)
        if verb:
            verbs.add(verb)
    return tuple(sorted(verbs, key=lambda v: (-len(v), v)))


def _flat(text: str) -> str:
    """Normalised (NFKC, traditional → simplified, no mentions), emoji codes as markers,
    lowercase and without spaces."""
    return re.sub(r"\s+", "", normalize(replace_emoji_codes(text))).lower()


def is_drive_receipt(text: str, phrases: Sequence[str]) -> bool:
    """Whether a household's message says they have done what the drive asks.

    The reply of a quote reply is judged alone. A clause counts when it holds one of the
    drive's phrases, or its verb with a done marker (已经安装了, 安装好了), and neither
    negates it (还没装, 装不上, 安装失败), plans it (明天装) nor asks (装好了吗, 怎么注册).
    An ordinary acknowledgement ("收到", 👍) is not a drive receipt.
    """
    reply = _flat(split_quote(text).reply)
    if not reply or not phrases:
        return False
    verbs = phrase_verbs(phrases)
    exact = [_flat(p) for p in phrases if _flat(p)]
    return any(_clause_counts(c, exact, verbs) for c in _CLAUSE_SPLIT.split(reply) if c)


def _clause_counts(clause: str, exact: Sequence[str], verbs: Sequence[str]) -> bool:
    if _QUESTION.search(clause):
        return False
    for verb in verbs:
        v = re.escape(verb)
        if re.search(_NEGATION.pattern.format(verb=v), clause):
            return False
    if any(p in clause for p in exact):
        return True
    for verb in verbs:
        v = re.escape(verb)
        if re.search(f"{_DONE_BEFORE}(?:下载)?{v}|{v}{_DONE_AFTER}", clause):
            return True
    return False


# -- targets ---------------------------------------------------------------------------------

_ITEM = re.compile(r"^(?P<when>.+?)\s*[:：]?\s*(?:达到|到)?\s*(?P<pct>\d{1,3}(?:\.\d+)?)\s*[%％]$")
_DAY_ONLY = re.compile(r"^(?P<d>\d{1,2})\s*[日号]?$")
_MONTH_DAY = re.compile(
    r"^(?:(?P<y>\d{4})\s*[-/年.])?\s*(?P<m>\d{1,2})\s*[-/月.]\s*(?P<d>\d{1,2})[日号]?$"
)
_SPLIT_ITEMS = re.compile(r"[,，;；、]+|(?<=[%％])\s+")


def parse_targets(
    text: str, starts: date, ends: date, where: str = "目标"
) -> tuple[Milestone, ...]:
    """Read "15日50%，月底80%" (also 12月15日50%、2026-12-15:50%、结束时100%) for a drive
    running from `starts` to `ends`; dates and rates must rise and stay within the drive."""
    items = [i.strip() for i in _SPLIT_ITEMS.split(text.strip()) if i.strip()]
    if not items:
        raise DriveError(f"{where}：请至少写一个目标，例如“15日50%，月底80%”")
    out: list[Milestone] = []
    for item in items:
        m = _ITEM.match(item)
        if not m:
            raise DriveError(f"{where}：“{item}”看不懂，请写成“15日50%”或“月底80%”")
        day = target_day(m["when"].strip(), starts, ends, where, item)
        rate = float(m["pct"]) / 100
        if not 0 < rate <= 1:
            raise DriveError(f"{where}：“{item}”的比例应在 1% 到 100% 之间")
        if not starts <= day <= ends:
            raise DriveError(
                f"{where}：“{item}”的日期 {day.isoformat()} 不在行动期间"
                f"（{starts.isoformat()} 至 {ends.isoformat()}）内"
            )
        if out and (day <= out[-1].day or rate < out[-1].rate):
            raise DriveError(f"{where}：“{item}”应晚于前一个目标且比例不低于它")
        out.append(Milestone(day, rate))
    return tuple(out)


def target_day(when: str, starts: date, ends: date, where: str, item: str) -> date:
    """The day a target or a date field names ("15日", "12月15日", "月底", "结束")."""
    last = calendar.monthrange(starts.year, starts.month)[1]
    if when in ("月底", "月末", "本月底"):
        return starts.replace(day=last)
    if when in ("结束", "结束时", "截止", "行动结束"):
        return ends
    if when in ("年底", "年末"):
        return date(starts.year, 12, 31)
    try:
        if m := _DAY_ONLY.match(when):
            day = starts.replace(day=int(m["d"]))
            if day < starts:  # "5日" in a drive starting on the 20th: next month's 5th
                month = starts.month % 12 + 1
                day = date(starts.year + (month == 1), month, int(m["d"]))
            return day
        if m := _MONTH_DAY.match(when):
            return date(int(m["y"] or starts.year), int(m["m"]), int(m["d"]))
    except ValueError:
        raise DriveError(f"{where}：“{item}”的日期不存在") from None
    raise DriveError(f"{where}：“{item}”的日期看不懂，请写成“15日”“12月15日”或“月底”")


_OVERRIDE = re.compile(r"^(?P<unit>[^:：\s]+)\s*[:：\s]\s*(?P<rest>\S.*)$")


def parse_overrides(
    text: str, units: Sequence[str], starts: date, ends: date
) -> tuple[tuple[str, tuple[Milestone, ...]], ...]:
    """One line per unit with its own targets: "王家村：15日40%，月底70%"."""
    out: list[tuple[str, tuple[Milestone, ...]]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        m = _OVERRIDE.match(line.strip())
        if not m:
            raise DriveError(f"分村目标第{n}行：请写成“村名：15日40%，月底70%”")
        unit, rest = m["unit"], m["rest"]
        if unit not in units:
            raise DriveError(f"分村目标第{n}行：名册里没有“{unit}”")
        if unit in dict(out):
            raise DriveError(f"分村目标第{n}行：“{unit}”写了两次")
        out.append((unit, parse_targets(rest, starts, ends, f"分村目标第{n}行（{unit}）")))
    return tuple(out)


# -- progress --------------------------------------------------------------------------------


def current_target(milestones: Sequence[Milestone], day: date) -> Milestone | None:
    """The milestone being worked towards on `day` (the last one once all are due)."""
    for m in milestones:
        if m.day >= day:
            return m
    return milestones[-1] if milestones else None


def pace(milestones: Sequence[Milestone], starts: date, day: date) -> float:
    """The rate a unit keeping pace has on `day`: straight lines from 0 at the start through
    each milestone (so "50% by the 15th" expects about a third on the 10th)."""
    prev_day, prev_rate = starts, 0.0
    for m in milestones:
        if day <= m.day:
            span = (m.day - prev_day).days
            done = (day - prev_day).days
            share = 1.0 if span <= 0 else max(0, done) / span
            return prev_rate + (m.rate - prev_rate) * share
        prev_day, prev_rate = m.day, m.rate
    return prev_rate


def unit_progress(
    drive: Drive, households: Mapping[str, int], counted: Mapping[str, int], day: date
) -> list[UnitProgress]:
    """Each unit with households: its count, current target, expected pace and status."""
    out = []
    for unit, total in households.items():
        if total <= 0:
            continue
        milestones = drive.targets_for(unit)
        target = current_target(milestones, day)
        expected = pace(milestones, drive.starts, min(day, drive.ends))
        got = counted.get(unit, 0)
        rate = got / total
        final = milestones[-1] if milestones else None
        if target is not None and rate >= target.rate:
            status = REACHED
        elif day > drive.ends:
            status = MISSED
        elif rate + 1e-9 < expected:
            status = BEHIND
        else:
            status = ON_PACE
        out.append(UnitProgress(unit, total, got, target, expected, status, final))
    return out


def behind(progress: Sequence[UnitProgress]) -> list[UnitProgress]:
    """The units under their expected pace (the ones to encourage)."""
    return [p for p in progress if p.status == BEHIND]


def split_phrases(text: str) -> tuple[str, ...]:
    """The receipt phrases from a form field: "已安装、已注册，装好了" (at most 20, ≤ 12 chars)."""
    phrases = tuple(dict.fromkeys(p for p in re.split(r"[,，、;；/\s]+", text.strip()) if p))
    if not phrases:
        raise DriveError("回执用语：请至少写一个，例如“已安装、已注册、装好了”")
    for p in phrases:
        if len(p) > 12:
            raise DriveError(f"回执用语：“{p}”太长（最多 12 个字）")
        if not phrase_verbs([p]):
            raise DriveError(f"回执用语：“{p}”只有语气词，请写出做了什么，例如“已安装”")
    return phrases[:20]
