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

from bot.nlp.emoji import ACK_MARK, replace_emoji_codes
from bot.nlp.normalize import fold, join_spaced, strip_mentions
from bot.nlp.quote import split_quote
from bot.nlp.segment import cut, pos_tokenizer
from bot.nlp.solitaire import parse_solitaire


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


class _Grade(IntEnum):
    OTHER = 0
    LABEL = 1
    NEUTRAL = 2
    WEAK = 3
    STRONG = 4


# Words that acknowledge on their own.
_STRONG = _words(
    """
    收到 收到了 已收到 收悉 查收 已阅 已读 签收 已签收 已签 签到 已推送 已转发 已学习 明白
    明了 了解 已了解 知道 晓得 知晓 已知晓 知悉 已知悉 清楚 记住 记下 了然 看到 看过 转过
    遵命 照办 遵照执行 坚决落实 坚决执行 认真落实 抓好落实 立即落实 马上落实 马上转 认真学习
    好好学习 谢谢提醒 感谢提醒 没问题 没得问题 莫得问题 妥妥 received noted roger 不会上当
    不上当 不会受骗 不受骗 不转账 绝不转账
    """
)
# Words that acknowledge, but are also small talk: a question elsewhere cancels them.
_WEAK = _words(
    """
    好 好的 好滴 好哒 好嘞 好咧 好勒 好吧 得嘞 要得 可以 嗯 嗯嗯 嗯呐 嗯哪 哦哦 噢噢 是的
    谢谢 谢谢你 谢谢您 谢谢你们 感谢 多谢 谢了 谢啦 辛苦 辛苦了 ok okk okok okay 好好 yes
    thanks thx
    """
)
# Acknowledge only when nothing but particles sits beside them: 中 alone, but 我中了 is
# "I won"; 行 alone, but 行动 is something else.
_SOLO = _words("中 阅 妥 行 对 是 1 11 111 1111")
_SOLO_STRONG = _words("阅 妥")
# Verbs that acknowledge once done or promised: 已转 转发了 马上转发, but a bare 转发 may be
# an instruction.
_NEEDS_DONE = _words(
    """
    看 读 收 签 转 发 推 传 转发 推送 转给 转到 发到 发给 分享 传达 告知 转告 通知 学习 学
    确认 完成 落实 执行 宣传 提醒 安排 办 办理 部署 告诉 组织 懂 下载 安装
    """
)
# Pledges that acknowledge only with a modal: 会注意的, 一定注意; a bare 注意 (or 注意了)
# is how notices themselves start.
_NEEDS_MODAL = _words("注意 警惕 提高警惕 防范 照做 配合 遵守 做到 留意 小心 当心")
_DONE_MARKERS = _words("了 过 完 完了 好了 已 已经 啦 完毕 早 早就 刚 刚刚 刚才 均已 都已")
_MODAL_MARKERS = _words(
    """
    会 一定 肯定 定 将 坚决 认真 立即 立刻 马上 保证 绝对 必 必须 这就 随后 稍后 及时 积极
    遵照 按要求 好好 切实 全力 尽快
    """
)
_FILLERS = _words(
    """
    了 的 啦 哈 哈哈 哈哈哈 呢 啊 呀 哦 噢 喔 嗯 滴 哒 嘞 咧 勒 嘛 呐 哟 吧 呗 哇 耶 嘿 啰
    罗 咯 喽 嗷 昂 哎 诶 欸 呵呵 嘻嘻 好嘞 哈喽 亲
    """
)
_SUBJECTS = _words(
    """
    我 我家 我们 我们家 我们村 我们组 咱 咱们 咱家 俺 俺们 俺家 全家 一家 家里 家里人 家人
    本人 我这边 这边 我这 这里 本村 本组 我方 都 也 也都 均 全部 全都 全 已 已经 早 早就 刚
    刚刚 刚才
    """
)
_POLITE = _words(
    """
    谢谢 谢谢你 谢谢您 感谢 多谢 辛苦 辛苦了 辛苦啦 提醒 马上 立即 立刻 随后 这就 稍后 一会
    等下 领导 老师 书记 主任 村长 组长 您 你 你们 各位 放心 请放心 一定 会 定 将 认真 及时
    按时 按要求 积极 坚决 保证 好好 切实 全力 尽快 不好意思 麻烦 麻烦了 通知 消息 信息 文件
    内容 素材 材料 宣传 这个 这条 此 此条 本条 上面 以上 精神 指示 要求 任务 群 群里 家族群
    村群 朋友圈 家里 老人 父母 孩子 邻居 亲戚 朋友 村民 给 到 至 本 一下 下 去 再 并 和 跟
    一起 每户 每家 到位 完成 转发 学习 本群 村民群 微信群 工作群 各群 各组 各村 各户 爸妈
    爸爸 妈妈 老爸 老妈 家长 子女 儿女 村里 村委 村委会 网格员 关心 关怀 谢谢你们 里
    """
)
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


def is_acknowledgement(text: str, sender: str | None = None) -> bool:
    """Tell whether a chat reply acknowledges a pushed notice (收到, 已阅, 已转发, 👍…).

    Negations (没收到, 看不懂), questions (收到吗, 收到？), instructions to others
    (请大家回复收到, 收到的扣1), refusals and complaints (别发了, 退群, 烦死了天天发) and
    "received something" sentences (收到一个诈骗电话) are not acknowledgements; "1" or
    "扣1" alone answers a request and is one. Only the reply of a quote reply counts, and
    only the sender's own line of a 接龙 (the line with `sender`'s name, else the last).
    Results are cached: households repeat the same few phrases.
    """
    return _decide_raw(text, sender)
