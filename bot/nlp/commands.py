"""Parse command-group messages into commands (推送, 进度, 未签收, 催办, 查…).

Two forms are understood:

- explicit: a `/` (or `／`) prefix, or a message that is exactly a command word with its
  documented arguments (`进度 #3`, `排名 本月`, `查 刷单`, `推送` + body lines);
- free phrasing: a short single-line sentence whose every word serves one intent
  (查一下今天的进度, 还有谁没转发, 本月排名). Anything chattier returns None, so that
  "今天进度很快啊" or a long notice mentioning 排名 is never taken for a command, and
  acknowledgements (收到, 已转发, 签收 #3) are not commands at all. That grammar (intents,
  fillers, periods, 查 keywords) lives in `bot.nlp.phrasing`.

`Command.explicit` lets the caller stay silent on free-phrased text from people who may not
issue commands, while still answering a deliberate `/进度` with a permission notice.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from bot.nlp.normalize import edge_mentions, normalize, to_simplified
from bot.nlp.phrasing import EDGE_PUNCT, FREE_MAX_CHARS, free_phrasing, ranking_period

__all__ = ["COMMAND_NAMES", "HELP_TEXT", "Command", "help_text", "parse"]

COMMAND_NAMES: tuple[str, ...] = (
    "帮助",
    "推送",
    "确认",
    "取消",
    "撤回",
    "进度",
    "未签收",
    "未转发",
    "催办",
    "排名",
    "日报",
    "周报",
    "查",
    "倒查",
)

HELP_HEAD = """反诈群链机器人 · 使用说明
命令前的“/”可加可不加。推送按期编号，写“第3期”；素材库里的素材写“素材3”。

【推送】仅限办公室、领导使用
推送 —— 第一行写“推送”，下面几行是要下发的素材正文
  可选行：范围：李家村、王家坝村（不写则发全部）；截止：18:00 或 明天18:00
  例：推送
      范围：李家村、王家坝村
      截止：明天18:00
      （素材正文）
推送 素材3 —— 推送素材库里的素材3
确认 / 取消 —— 发往全镇的推送先回复摘要，10分钟内回复“确认”才发出，“取消”放弃
撤回 —— 发起后10分钟内撤回，未发出的消息不再发；例：撤回第3期

【查询】领导、办公室、监督员可用（不写期数时，列出所有未完成的推送）
进度 —— 签收、送达、回执进度；例：进度 第3期、查一下今天的进度
未签收 —— 还没签收的推送员名单；例：未签收 第3期、谁还没签收
未转发 —— 还没送达的群；例：未转发、哪些村还没转发
催办 —— 在指挥群 @ 未签收、未转发的推送员；例：催办 第5期、催一下
排名 —— 各村/单位得分排名；例：排名、本周排名、本月排名
日报 —— 今天的推送情况汇总；例：日报、看看日报
周报 —— 本周的推送情况汇总；例：周报
查 —— 按关键词查素材库；例：查 刷单、查一下冒充客服的素材
帮助 —— 显示本说明；例：帮助、怎么用"""

# The parts of the help only some people can use (`help_text` picks them per role).
HELP_TRACE = """【责任倒查】办公室、领导、派出所可用（监督员只查本村/单位），结果私信发给您
倒查 —— 住户被骗后，查其所在群收到过哪些推送、本人是否回执；例：倒查 张三、倒查 1234（手机尾号）"""

HELP_WARNING_ISSUE = """【下发预警】派出所民警可用，只在私聊中办理，不在群里说
预警 —— 私聊机器人下发，指派给该户所在网格的网格员；例：预警 张三 13800001234 疑似刷单诈骗
  办公室、派出所也可在管理后台“预警”页下发，并在那里评价"""

HELP_WARNING_REPLY = """【预警劝阻单】网格员、片警收到的预警只在私聊中办理，个人信息请勿转发到群里
收到 —— 私聊回复即签收；同时有几张预警时写编号；例：收到、预警3 收到
劝阻 —— 电话或上门后回复方式和结果；例：预警3 已上门劝阻、预警3 电话未接通（上门可再发现场照片）
反馈 —— 说明具体情况，下发单位随后评价；例：反馈：本人已知晓是诈骗，未转账"""

HELP_DRIVES = """【专项行动】仅限办公室、领导使用（自愿原则：只统计住户主动回复，不逐户催）
专项行动 —— 在指挥群或私聊发起，写回执用语和目标（加“截图”则群里发截图也算）
  例：专项行动 推广国家反诈中心APP 回执:已安装、已注册 目标:15日50%，月底80%
进度 —— 同时列出进行中的专项行动各村/单位完成情况，落后于目标的村会被提醒"""

HELP_FOOT = """推送员在指挥群回复“收到”即签收最新一期；有几期未签收时可写“签收 第3期”，
或引用那一期的公告回复“收到”。"""

HELP_PARTS: tuple[str, ...] = (HELP_TRACE, HELP_WARNING_ISSUE, HELP_WARNING_REPLY, HELP_DRIVES)


def help_text(parts: Sequence[str] = HELP_PARTS) -> str:
    """The help with `parts` (of HELP_PARTS) between the common sections and the last note."""
    return "\n\n".join([HELP_HEAD, *parts, HELP_FOOT])


# Every part: the whole reference (the README and the tests hold it against COMMAND_NAMES).
HELP_TEXT = help_text()


@dataclass(frozen=True)
class Command:
    """A parsed command. `name` is one of COMMAND_NAMES.

    For 推送, `#N` names a content item (`content_id`); for every other command it names a
    push (`push_id`). `body` is the 推送 text after the first line as typed, without the
    option lines (范围/截止) directly under the first line or at the end of the message.
    `deadline` is the text after 截止, only width-folded ("18：00" → "18:00", "明天18:00");
    the caller interprets it. `period` is "day", "week" or "month" for 排名.
    """

    name: str
    push_id: int | None = None
    body: str = ""
    content_id: int | None = None
    scope: tuple[str, ...] = ()
    deadline: str | None = None
    keyword: str = ""
    explicit: bool = False
    period: str | None = None
    raw: str = ""
    # The reference as typed when it is an old form ("#3" for a push, "#3"/"第3期" for a
    # material): the reply says how it was understood.
    legacy_ref: str | None = field(default=None, compare=False)


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}

_MENTION_RE = re.compile(r"@\S+")
_SLASH_RE = re.compile(r"^[/／]\s*")
_NUM = r"(\d+|[零〇一二两三四五六七八九十百]{1,6})"
# Pushes are 第N期 (also N期, N号推送, and the old #N); materials are 素材N (also N号素材).
_LEGACY_HASH_RE = re.compile(r"#\s*(\d+)")
_REFERENCE_RES = (
    _LEGACY_HASH_RE,
    re.compile(rf"第\s*{_NUM}\s*[期号条次]"),
    re.compile(r"(\d+)\s*号\s*推送"),
    re.compile(r"(\d+)\s*期"),
)
_MATERIAL_RES = (
    re.compile(r"素材\s*#?\s*(\d+)\s*号?"),
    re.compile(r"(\d+)\s*号\s*素材"),
)
_OPTION_KEYS = r"(?:推送范围|范围|对象|截止时间|截止|截至|期限|时限)"
_OPTION_RE = re.compile(rf"({_OPTION_KEYS})\s*:\s*(.*?)\s*(?={_OPTION_KEYS}\s*:|$)")
_OPTION_LINE_RE = re.compile(rf"^\s*{_OPTION_KEYS}\s*:")
_SCOPE_SPLIT_RE = re.compile(r"[,，、;；\s]+")
_PUSH_HEAD_RE = re.compile(r"^推送(?=$|[\s:#]|第|范围|截止|截至|对象|期限|时限)\s*:?\s*(.*)$")
_TYPED_PUSH_REST_RE = re.compile(r"^.*?推送[\s:：]*")


def _below_hundred(text: str) -> int | None:
    if "十" in text:
        tens, _, ones = text.partition("十")
        tens_value = _CN_DIGITS.get(tens, -1) if tens else 1
        ones_value = _CN_DIGITS.get(ones, -1) if ones else 0
        if tens_value < 0 or ones_value < 0:
            return None
        return tens_value * 10 + ones_value
    if len(text) == 1 and text in _CN_DIGITS:
        return _CN_DIGITS[text]
    return None


def _cn_int(text: str) -> int | None:
    """3, 十二, 二十一, 一百, 一百零五, 一百二十 as an int; None for anything else."""
    if text.isdigit():
        return int(text)
    if "百" not in text:
        return _below_hundred(text)
    head, _, rest = text.partition("百")
    hundreds = _CN_DIGITS.get(head or "一", -1) * 100
    if hundreds <= 0:
        return None
    if not rest:
        return hundreds
    if rest[0] in "零〇":
        ones = _CN_DIGITS.get(rest[1:], -1)
        return None if ones <= 0 else hundreds + ones
    # 一百五 is 150 in speech.
    below = _CN_DIGITS.get(rest, -1) * 10 if len(rest) == 1 else _below_hundred(rest)
    return None if below is None or below < 0 else hundreds + below


def _find(text: str, patterns: tuple[re.Pattern[str], ...]) -> tuple[int, str, str] | None:
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            number = _cn_int(match.group(1))
            if number is not None:
                rest = (text[: match.start()] + " " + text[match.end() :]).strip()
                return number, rest, match.group(0).strip()
    return None


def take_reference(text: str) -> tuple[int | None, str]:
    """Find the first push reference (第3期, 3号推送, the old #3); return it and the rest.

    Callers pass text folded to half width (see `parse`), or plain text: full-width ＃ and
    digits are folded here too.
    """
    found = _find(_fold(text), _REFERENCE_RES)
    return (None, _fold(text)) if found is None else (found[0], found[1])


def _push_reference(text: str) -> tuple[int | None, str, str | None]:
    """A push reference, with the typed text when it is the old `#N` form."""
    found = _find(text, _REFERENCE_RES)
    if found is None:
        return None, text, None
    number, rest, typed = found
    return number, rest, typed if _LEGACY_HASH_RE.fullmatch(typed) else None


def _material_reference(text: str) -> tuple[int | None, str, str | None]:
    """A material reference for 推送: 素材3 (also 3号素材, and the old #3 or 第3期)."""
    found = _find(text, _MATERIAL_RES)
    if found is not None:
        return found[0], found[1], None
    found = _find(text, _REFERENCE_RES)
    if found is None:
        return None, text, None
    return found


def _options(text: str) -> tuple[tuple[str, ...], str | None, str]:
    """Pull 范围/截止 options out of one line; return scope, deadline and the rest."""
    scope: list[str] = []
    deadline: str | None = None
    for key, value in _OPTION_RE.findall(text):
        if "范围" in key or key == "对象":
            for item in _SCOPE_SPLIT_RE.split(value):
                if item and item not in scope:
                    scope.append(item)
        elif value:
            deadline = value
    rest = _OPTION_RE.sub(" ", text).strip()
    return tuple(scope), deadline, rest


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return _MENTION_RE.sub(" ", text).strip()


def _parse_push(raw: str, first: str) -> Command | None:
    head = _PUSH_HEAD_RE.match(first)
    if head is None:
        return None
    content_id, rest, legacy = _material_reference(head.group(1))
    scope, deadline, rest = _options(rest)
    raw_lines = raw.strip().splitlines()[1:]
    # Option lines directly under the first line or at the very end configure the push;
    # they are not content. One in the middle of the text is part of the notice.
    for end in (0, -1):
        while raw_lines and (
            not raw_lines[end].strip() or _OPTION_LINE_RE.match(_fold(raw_lines[end]))
        ):
            line_scope, line_deadline, _ = _options(_fold(raw_lines.pop(end)))
            scope = tuple(dict.fromkeys(scope + line_scope))
            deadline = line_deadline or deadline
    body = "\n".join(raw_lines).strip()
    if rest:
        # "推送：<正文>" on one line: the text after the colon starts the body, kept as typed.
        typed = _TYPED_PUSH_REST_RE.sub("", raw.strip().splitlines()[0], count=1).strip()
        first_body = typed if _fold(typed) == rest else rest
        body = f"{first_body}\n{body}" if body else first_body
    return Command(
        name="推送",
        body=body,
        content_id=content_id,
        scope=scope,
        deadline=deadline,
        explicit=True,
        raw=raw,
        legacy_ref=legacy,
    )


# 确认/取消 answer the bot's question about a big push; from anyone else they are chat.
_CONFIRM_WORDS = frozenset({"确认", "取消"})
_ALIASES = {
    "确认推送": "确认",
    "确认发送": "确认",
    "确定": "确认",
    "确定推送": "确认",
    "确定发送": "确认",
    "取消推送": "取消",
    "取消发送": "取消",
    "不推了": "取消",
    "撤回推送": "撤回",
    "撤销": "撤回",
    "撤销推送": "撤回",
}


def _explicit_name(core: str) -> tuple[str, str] | None:
    """Match `<command word>[ <args>]`; return the name and the argument text."""
    lowered = core.lower().strip(EDGE_PUNCT)
    if lowered in ("help", "帮助"):
        return "帮助", ""
    if lowered in _ALIASES:
        return _ALIASES[lowered], ""
    if lowered in _CONFIRM_WORDS:
        return lowered, ""
    if core.startswith("倒查") and len(core) > 2:
        return "倒查", core[2:].strip()  # "倒查张三": a name follows with or without a space
    for name in sorted(COMMAND_NAMES, key=len, reverse=True):
        if core == name:
            return name, ""
        if core.startswith(name) and core[len(name)].isspace():
            return name, core[len(name) :].strip()
    return None


def parse(text: str) -> Command | None:
    """Parse a command-group message; None when it is chat, an acknowledgement or a notice.

    `推送` is a command only when the message starts with it (`推送`, `/推送`); other commands
    must fit on one line (plus 范围/截止 option lines). Free phrasing is accepted only when
    it is short (FREE_MAX_CHARS) and every word in it serves the matched intent.
    """
    # Short lines repeat ("收到" from every pusher, "进度" every evening); notices do not.
    return _parse_short(text) if len(text) <= SHORT_CHARS else _parse(text)


SHORT_CHARS = 40


@lru_cache(maxsize=4096)
def _parse_short(text: str) -> Command | None:
    return _parse(text)


def _parse(text: str) -> Command | None:
    raw = text
    folded = _fold(text)
    if not folded:
        return None
    first = _SLASH_RE.sub("", folded.splitlines()[0].strip())
    if first.startswith("推送"):
        # 推送 heads a push; "推送情况怎么样" asks for 进度 like any other query.
        return _parse_push(raw, first) or _parse_query(raw)
    return _parse_query(raw)


# A message that @mentions someone else is talking to that person, not to the bot.
_BOT_NAME_RE = re.compile(r"机器人|助手|助理|bot|反诈", re.IGNORECASE)


def _addressed_to_person(raw: str) -> bool:
    names, _ = edge_mentions(to_simplified(unicodedata.normalize("NFKC", raw)))
    return any(not _BOT_NAME_RE.search(name) for name in names)


def _parse_query(raw: str) -> Command | None:
    """Every command but 推送, read from the normalised text (简体, half width)."""
    lines = _MENTION_RE.sub(" ", normalize(raw, join_cjk=False)).strip().splitlines()
    if not lines:
        return None
    first = lines[0].strip()
    slash = bool(_SLASH_RE.match(first))
    first = _SLASH_RE.sub("", first)
    extra = [line for line in lines[1:] if line.strip()]
    if any(not _OPTION_LINE_RE.match(line) for line in extra):
        return None
    push_id, core, legacy = _push_reference(first)
    scope, deadline, core = _options(" ".join([core, *extra]))
    core = core.strip()

    explicit = _explicit_name(core)
    if explicit is not None:
        name, args = explicit
        keyword = args if name in ("查", "倒查") else ""
        period = ranking_period(args) if name == "排名" else None
        deliberate = name not in _CONFIRM_WORDS
    else:
        if not slash and len(re.sub(r"\s+", "", first)) > FREE_MAX_CHARS:
            return None
        if _addressed_to_person(raw):
            return None
        free = free_phrasing(core, referenced=push_id is not None)
        if free is None:
            return None
        name, keyword = free
        period = ranking_period(core) if name == "排名" else None
        deliberate = slash
    return Command(
        name=name,
        push_id=push_id,
        scope=scope,
        deadline=deadline,
        keyword=keyword,
        explicit=deliberate,
        period=period,
        raw=raw,
        legacy_ref=legacy,
    )
