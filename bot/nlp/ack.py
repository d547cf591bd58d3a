"""Is a chat reply an acknowledgement (回执/签收) of a notice pushed into a group?

The rules, in order:

0. Take the sender's own words: the reply of a quote reply (quote first or last, see
   nlp/quote.py), the sender's line of a 接龙 (nlp/solitaire.py: the line with their name,
   else the last; their bare name on a list that asks for reading is a receipt).
1. Normalise (nlp/normalize.py): NFKC-fold full-width characters, traditional to simplified
   (opencc), drop @mentions and push references (#3, 第3期), join words typed with spaces
   (收 到), lowercase, turn WeChat emoji codes ([强], [OK], /:strong…) into markers.
2. Reject the whole message when it negates an acknowledgement verb anywhere (没收到,
   还没看, 看不懂, 不明白), tells others to acknowledge (请大家回复收到, 收到请回复, 收到的扣1),
   or refuses or complains (不看, 别发了, 退群, 烦死了天天发): a household that says
   "收到收到，别再发了" is asking to be left alone, not confirming it has read the notice.
   "1" and "扣1" on their own (扣1了, 已扣1, 收到，扣1) answer such a request and count;
   "扣1" after who should answer (收到的扣1, 看完扣1, 大家扣1) is the request itself.
3. Split into clauses at punctuation, whitespace and emoji. Segment each clause with jieba
   and the project dictionary, then grade it:
   - pure: every token is an acknowledgement word, a particle, a subject (我家, 全家, 已经),
     a polite or follow-up word (谢谢, 马上, 群里); graded strong (收到, 已阅, 转发了) or weak
     (好的, 嗯嗯, OK, 👍) by its strongest word, or neutral when it has none;
   - labelled: a short name or household label followed by a pure strong tail (李四收到,
     3组王建国已收到, 我们村已经转发了);
   - label: a short name-like clause on its own (李四：收到);
   - other: anything else (收到一个诈骗电话: 收到 followed by an object).
4. Walk the clauses from the start: labels and neutral clauses may precede the first
   acknowledgement clause, anything else before it means no. An acknowledgement clause that
   is a question (收到？ 收到吗 收到没) means no. After it, free text may follow (收到，我会
   转给家里老人看), but a question there cancels a weak acknowledgement (好的，这是真的吗？)
   and any question about receiving cancels a strong one.
"""

from __future__ import annotations

import re
from enum import IntEnum
from functools import lru_cache
from typing import NamedTuple

from bot.nlp.ack_words import (
    _DONE_MARKERS,
    _FILLERS,
    _MODAL_MARKERS,
    _NEEDS_DONE,
    _NEEDS_MODAL,
    _POLITE,
    _SOLO,
    _SOLO_STRONG,
    _STRONG,
    _SUBJECTS,
    _WEAK,
    _words,
)
from bot.nlp.emoji import ACK_MARK, replace_emoji_codes
from bot.nlp.normalize import fold, fold_name, join_spaced, strip_mentions
from bot.nlp.quote import split_quote
from bot.nlp.segment import cut, pos_tokenizer
from bot.nlp.solitaire import parse_solitaire


class _Grade(IntEnum):
    OTHER = 0
    LABEL = 1
    NEUTRAL = 2
    WEAK = 3
    STRONG = 4


# Name-like words that may label a household in front of 收到 (3组李四收到, 我妈收到了).
_LABEL_WORDS = _words(
    """
    组 号 户 家 村 社 队 屯 庄 寨 楼 栋 单元 室 网格 网格员 网格长 户主 村民 组长 队长 村长
    书记 主任 委员 会计 大爷 大妈 大娘 大叔 阿姨 叔叔 叔 婶 婶子 姐 哥 弟 妹 爷爷 奶奶 妈 爸
    老公 老婆 儿子 女儿 媳妇 老人 家属 村委 村委会 居委会 社区 小区 片区 党员 志愿者 老师
    同志 号户 全村 全组 全体 各村 各组 各户 本村 本组
    """
)
_LABEL_TAGS = _words("m q mq ns r t zg eng")
_LABEL_MAX_CHARS = 8
_UNIT_SUFFIXES = _words("村 组 社 屯 庄 寨 队 家 户 号 片区 小区 网格")

_ALLOWED = (
    _STRONG
    | _WEAK
    | _NEEDS_DONE
    | _NEEDS_MODAL
    | _DONE_MARKERS
    | _MODAL_MARKERS
    | _FILLERS
    | _SUBJECTS
    | _POLITE
)

_ACK_EMOJI = frozenset("👍👌🙏🤝💪✊✅✔☑🫡👏🆗🙆")

_QUOTE_RE = re.compile(r"「[^」]*」")
_QUOTE_SEPARATOR_RE = re.compile(r"^.*(?:-\s){5,}-?\s*$", re.MULTILINE | re.DOTALL)
# A mention typed by hand, glued to the reply (@王网格员收到): keep the reply.
_GLUED_MENTION_RE = re.compile(
    r"@[^\s@]{1,12}?(?=(?:已?收到|已阅|已读|好的|明白|知道|已转发)[了啦!。~]*$)"
)
_REFERENCE_RE = re.compile(r"#\s*\d+|第\s*\d+\s*[期号条次]|\d+\s*号推送")
_SPACE_RE = re.compile(r"\s+")

# 没/未 negate having done something (没收到, 还没看, 未转发); 不/别 negate understanding
# (不明白). 转 followed by 账/钱/款 is a money transfer: 收到，不会转账的 is a fine reply.
_NEGATION_RE = re.compile(
    r"(?:没有?|未|没能)(?:太|怎么|有|全|来得及)?"
    r"(?:收|看|读|懂|明白|知道|晓得|清楚|了解|签|转(?![账钱款])|推|阅|学|听)"
    r"|(?:不|别|无法|没法)(?:太|怎么|大|是很|很|能)?"
    r"(?:懂|明白|知道|晓得|清楚|了解|理解|看懂)"
    r"|(?:收|看|读|听|搞|弄|打|点)不(?:到|懂|清|明白|了|开)"
)
_INSTRUCTION_RE = re.compile(
    r"(?<!已)回复|接龙|回个|回一下|说一声"
    r"|(?:(?<!好)的|请|家|位|们|就|后|到|完|阅|了|都)\s*(?:扣|回|打)个?\s*1"
    r"|(?:请|务必|记得|麻烦|要求)[^\W_]{0,8}?(?:收到|签收|转发|阅|知悉|学习|确认)"
)
# Refusals, "stop sending" and complaints, anywhere in the message. 发/推/看 count only
# when the sentence ends there or names the messages (别发了, 少发点, 不看这些), so that advice
# after an acknowledgement (收到，不要发验证码给别人; 不看陌生链接) is not taken for one.
_REFUSAL_RE = re.compile(
    r"(?:别|不要|不用|甭|少|停止|能不能别|可不可以别)(?:再|老|老是|天天|总|总是|一直|每天|都|乱)*"
    r"(?:发|推|推送|转发|艾特|打扰|烦我|吵|刷屏|拉我)"
    r"(?=$|[^\w]|了|啦|吧|给我|这些|这种|这个|这类|消息|信息|过来|进来|点|一点|些|东西|啥)"
    r"|勿(?:再)?(?:发|推|扰|打扰|艾特)|退群|退出群|退出本群|退了群|拉黑|屏蔽|取关|取消关注|删群"
    r"|烦(?:死|人|不烦|得很)|(?:好|真|太|很)烦|吵死|刷屏|有完没完|没完没了"
    r"|(?:不想|不要|懒得|不)看(?=$|[^\w]|了|啦|这些|这种|这个|这类|你们)|没兴趣|谁看|没人看"
    r"|不需要(?=$|[^\w]|了)|不用了"
)
# A saying that opens many a reply: "if you don't look you won't know; one look and you jump".
_IDIOM_RE = re.compile(r"不看不知道[,，\s]*一看吓一跳")
_ANSWER_ONE_RE = re.compile(r"(?:已经?)?扣个?\s*1")
_QUESTION_RE = re.compile(
    r"谁|(?<!嗯)哪|什么|啥|怎么|咋|为何|是否|有没有|吗|几时|多少|(.)[不没]\1|(..)[不没]\2"
    r"|(?:么|没|没有|不|否|未)[呢啊呀哈]*$|了吧$"
)
_ACK_STEM_RE = re.compile(r"收到|签收|阅|转发|明白|知道|看到")


class _Clause(NamedTuple):
    text: str
    emoji_ack: bool
    question: bool


def _strip_quote(text: str) -> str:
    # WeChat renders a quoted reply as 「who：quoted」 then a dashed line, then the reply.
    text = _QUOTE_SEPARATOR_RE.sub("", text) if "- - - -" in text else text
    return _QUOTE_RE.sub(" ", text)


@lru_cache(maxsize=16384)
def normalize(text: str) -> str:
    """Fold a chat message to the form the acknowledgement rules read (cached)."""
    text = _strip_quote(replace_emoji_codes(fold(text)))
    text = join_spaced(strip_mentions(_GLUED_MENTION_RE.sub(" ", text)))
    text = _REFERENCE_RE.sub(" ", text)
    text = text.replace("❓", "?").replace("❔", "?")
    return _SPACE_RE.sub(" ", text).strip().lower()


def _split(text: str) -> list[_Clause]:
    clauses: list[_Clause] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            clauses.append(_Clause("".join(buf), False, False))
            buf.clear()

    for ch in text:
        if ch.isalnum():
            buf.append(ch)
            continue
        flush()
        if ch == "?":
            if clauses:
                clauses[-1] = clauses[-1]._replace(question=True)
        elif ch == ACK_MARK or ch in _ACK_EMOJI:
            clauses.append(_Clause("", True, False))
    flush()
    return clauses


def _pure_grade(tokens: list[str]) -> _Grade | None:
    """Grade a token run made only of allowed words; None when some token is not allowed."""
    solo = False
    for tok in tokens:
        if tok in _SOLO:
            solo = True
        elif tok not in _ALLOWED:
            return None
    if solo:
        rest = [t for t in tokens if t not in _FILLERS and t not in _SOLO]
        if rest:
            # 收到1, 好的11: an acknowledgement with the "1" a request asked for.
            ones_only = all(not t.strip("1") for t in tokens if t in _SOLO)
            grade = _pure_grade(rest) if ones_only else None
            return grade if grade is not None and grade >= _Grade.WEAK else None
        return _Grade.STRONG if any(t in _SOLO_STRONG for t in tokens) else _Grade.WEAK
    done = any(t in _DONE_MARKERS for t in tokens)
    modal = any(t in _MODAL_MARKERS for t in tokens)
    grade = _Grade.NEUTRAL
    for tok in tokens:
        if (
            tok in _STRONG
            or (tok in _NEEDS_DONE and (done or modal))
            or (tok in _NEEDS_MODAL and modal)
        ):
            return _Grade.STRONG
        if tok in _WEAK:
            grade = _Grade.WEAK
    return grade


@lru_cache(maxsize=4096)
def _is_label(text: str) -> bool:
    """A short name or household label: 李四, 3组, 张三家, 我妈, 李家村."""
    if not text or len(text) > _LABEL_MAX_CHARS:
        return False
    pairs = pos_tokenizer().lcut(text)
    for index, pair in enumerate(pairs):
        word, flag = pair.word, pair.flag
        if word in _LABEL_WORDS or word in _SUBJECTS:
            continue
        if flag.startswith("nr") or flag in _LABEL_TAGS:
            continue
        # A name jieba does not know, made one by its suffix: 王家 + 村, 河东 + 组.
        if index + 1 < len(pairs) and pairs[index + 1].word in _UNIT_SUFFIXES:
            continue
        return False
    return True


def _own_label_grade(text: str, name: str) -> _Grade | None:
    """The fast path for a household's own name as the label (李四, 3组李四, 李四家 +
    a strong tail: "3组李四收到"): no POS tagging; None when the clause is not that."""
    rest = _OWN_LABEL_PREFIX_RE.sub("", text, count=1)
    if not rest.startswith(name):
        return None
    tail = rest[len(name) :].removeprefix("家")
    if not tail:
        return _Grade.LABEL
    return _tail_grade(tail)


@lru_cache(maxsize=4096)
def _tail_grade(tail: str) -> _Grade | None:
    # The words after a household's own name: every name is new, the tails repeat (收到).
    return _Grade.STRONG if _pure_grade(cut(tail)) is _Grade.STRONG else None


_OWN_LABEL_PREFIX_RE = re.compile(r"^(?:\d{1,3}[组号])?")


@lru_cache(maxsize=16384)
def _clause_grade(text: str, name: str | None = None) -> _Grade:
    if name and name in text:
        fast = _own_label_grade(text, name)
        if fast is not None:
            return fast
    tokens = cut(text)
    grade = _pure_grade(tokens)
    if grade is not None:
        return grade
    start = len(tokens)
    while start > 0 and tokens[start - 1] in _ALLOWED:
        start -= 1
    if (
        start < len(tokens)
        and _pure_grade(tokens[start:]) is _Grade.STRONG
        and _is_label("".join(tokens[:start]))
    ):
        return _Grade.STRONG
    return _Grade.LABEL if _is_label(text) else _Grade.OTHER


def _is_question(clause: _Clause) -> bool:
    return clause.question or bool(_QUESTION_RE.search(clause.text))


@lru_cache(maxsize=16384)
def _decide(norm: str, name: str | None = None) -> bool:
    norm = _IDIOM_RE.sub(" ", norm)
    if (
        not norm
        or _NEGATION_RE.search(norm)
        or _INSTRUCTION_RE.search(norm)
        or _REFUSAL_RE.search(norm)
    ):
        return False
    clauses = _split(_ANSWER_ONE_RE.sub(" 1 ", norm))
    grade = _Grade.OTHER
    rest = len(clauses)
    for index, clause in enumerate(clauses):
        current = _Grade.WEAK if clause.emoji_ack else _clause_grade(clause.text, name)
        if current >= _Grade.WEAK:
            if _is_question(clause):
                return False
            grade = max(grade, current)
        elif current is _Grade.OTHER:
            rest = index
            break
    if grade < _Grade.WEAK:
        return False
    for clause in clauses[rest:]:
        if _is_question(clause) and (grade is _Grade.WEAK or _ACK_STEM_RE.search(clause.text)):
            return False
    return True


def _own_words(text: str, sender: str | None) -> str | None:
    """The part of a message that is the sender's reply, normalised; None when it is
    the sender's name joining a 接龙 that asks for reading (a receipt without words)."""
    text = split_quote(fold(text)).reply
    solitaire = parse_solitaire(text)
    if solitaire is None:
        return normalize(text)
    own = solitaire.own_entry(sender and fold(sender))
    if own is None:
        return ""  # a list just started, with nobody on it yet
    entry = normalize(own)
    if solitaire.asks_for_reading and (not entry or _is_label(entry)):
        return None
    return entry


@lru_cache(maxsize=16384)
def _decide_raw(text: str, sender: str | None = None) -> bool:
    words = _own_words(text, sender)
    if words is None:
        return True
    # The sender's own name labelling the reply takes the fast path (see _own_label_grade);
    # other replies share one cache entry whoever sends them.
    name = sender and fold(sender).lower()
    return _decide(words, name if name and name in words else None)


@lru_cache(maxsize=16384)
def _plain_words(text: str) -> str | None:
    """What `_own_words` makes of a text that is not a 接龙 (the sender plays no part in
    it); None for a 接龙."""
    reply = split_quote(fold(text)).reply
    return None if parse_solitaire(reply) is not None else normalize(reply)


def is_acknowledgement(text: str, sender: str | None = None) -> bool:
    """Tell whether a chat reply acknowledges a pushed notice (收到, 已阅, 已转发, 👍…).

    Negations (没收到, 看不懂), questions (收到吗, 收到？), instructions to others
    (请大家回复收到, 收到的扣1), refusals and complaints (别发了, 退群, 烦死了天天发) and
    "received something" sentences (收到一个诈骗电话) are not acknowledgements; "1" or
    "扣1" alone answers a request and is one. Only the reply of a quote reply counts, and
    only the sender's own line of a 接龙 (the line with `sender`'s name, else the last).
    Results are cached: households repeat the same few phrases (whoever sends them: the
    sender only counts where its name is in the words, or in a 接龙).
    """
    words = _plain_words(text) if sender else None
    if words is None:
        return _decide_raw(text, sender)
    name = fold_name(sender or "")
    return _decide(words, name if name and name in words else None)
