"""Free phrasing of commands: intents, the words that may surround them, periods, 查 keywords.

A short sentence is a command when, once an intent's key phrase is found in it, every other
word is a filler of that intent (查一下今天的进度, 哪几个网格员没签收, 现在完成多少了,
本月排名); failing that, a search head (查/搜/找, 有没有…的素材) followed by a short keyword
is a 查. Chat that merely mentions a command word (今天进度很快啊, 本月排名第一的是李家村,
别催了) keeps words no intent allows, so it is not a command.

The grammar covers colloquial and regional forms leaders use (咋样, 啷个样, 点样, 几多,
好多, 边个, 冇, 一哈, 搞快…). Callers pass text already folded by `bot.nlp.normalize`
(simplified, half width). `bot.nlp.commands.parse` decides when free phrasing is tried.
"""

from __future__ import annotations

import re

__all__ = ["EDGE_PUNCT", "FREE_MAX_CHARS", "free_phrasing", "ranking_period"]

# Free phrasing longer than this (after stripping) is chat, not a command.
FREE_MAX_CHARS = 20

EDGE_PUNCT = " \t?？!！。.,，~～、:："

# "How is it / how many": 怎么样 and its regional forms, 多少 and its regional forms.
_HOW = """
    怎么样 咋样 如何 怎样 啥样 咋个样 啷个样 么样 点样 多少 几个 几成 好多 几多 百分之多少 百分之几
    啥子情况 什么情况 啥情况 到哪一步 哪一步 到哪了 哪个程度 什么程度
"""
_HOW_RE = "|".join(sorted(_HOW.split(), key=len, reverse=True))

# Politeness, addressing the bot, time words and sentence-final particles: allowed anywhere.
_COMMON = """
    请 麻烦 帮我 帮忙 给我 机器人 小助手 助手 你好 您好 一下 下 一哈 下子 现在 目前 当前 而家
    今天 今日 的 了 吧 呢 啊 呀 吗 嘛 啦 嘞 哈 撒 咯 哦 么
"""
_QUERY_FILLERS = (
    _COMMON
    + _HOW
    + """
    查一下 查下 查查 查看 查询 看一下 看下 看看 看哈 瞧瞧 发一下 发下 发 发我 发给我 报一下 报
    报给我 说 说下 说一下 汇报 通报 更新 统计 把 来个 来份 发个 出 出个 生成 整个 出来 出来没
    最新 情况 一期 这期 这一期 本期 上一期 上期 推送 签收 转发 回执 户 个 群 村 有 到 全镇 整体
    群里 是 看 本周 这周 进度 进展
"""
)
_WHO_FILLERS = (
    _COMMON
    + """
    哪些 哪个 哪几个 哪家 哪几家 谁 有谁 还有谁 还有哪些 有哪些 都有谁 啥人 边个 村 村子 户 家
    单位 网格 网格员 推送员 联络员 群 群里 人 还 还是 还有 都 名单 看看 看下 查一下 查下 查看
    几个 有几个 有 还剩 还差 列 列一下 列出来 发出来 分别 是 那些 把
"""
)
_RANK_FILLERS = (
    _QUERY_FILLERS
    + " 各村 单位 各单位 榜 上周 本月 这个月 上个月 月度 周 月 日 当日 哪个 谁 排 得分 积分"
)
_URGE_FILLERS = (
    _COMMON
    + """
    他们 大家 没签收的 未签收的 没转发的 未转发的 还没签收的 还没转发的 没有签收的 没有转发的
    那几个 那些 网格员 推送员 去 再 一遍 一次 赶紧 搞快 快 挨个 一键 把 发 发个 签收 转发
"""
)
_HELP_FILLERS = (
    _COMMON
    + "请问 你 都 有哪些 有什么 有啥 哪些 什么 怎么 如何 看看 查看 功能 列表 这个 用 给 信息"
    + " 教 教我 我"
)

_NOT_YET = r"(?:还没有|还没|没有|没|未曾|未|冇|仲未)"
_TARGET = rf"(?:那几个|那些)?{_NOT_YET}(?:签收|转发)的"
_PERIOD_WORD = {"日报": r"今天|今日|当天", "周报": r"本周|这周|一周|这一周|上周"}


def _summary(name: str) -> re.Pattern[str]:
    days = _PERIOD_WORD[name]
    return re.compile(rf"{name}|(?:{days})的?(?:推送)?(?:情况)?(?:汇总|小结|总结)")


# (name, key phrase, fillers), tried in order: 没签收 must win over 催 and 进度.
_INTENTS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    (
        "未签收",
        re.compile(
            rf"{_NOT_YET}(?:签收|签|回复收到|回收到|回复|回)"
            r"|(?:谁|有谁|哪些|哪几个|哪个|几个)还?(?:没有|没)收到"
        ),
        _WHO_FILLERS,
    ),
    (
        "未转发",
        re.compile(
            rf"{_NOT_YET}(?:转发|转到群里|转到|转|发到群里|发到|发出去|发|送达)"
            rf"|(?<=群){_NOT_YET}收到"
        ),
        _WHO_FILLERS,
    ),
    ("催办", re.compile(r"催办|催促|催一催|催催|催|督促|提醒"), _URGE_FILLERS),
    # 艾特/喊/通知 urge only when they name who: 艾特一下没签收的, 把没转发的喊一下.
    (
        "催办",
        re.compile(rf"(?:艾特|喊|通知)(?:一下|一哈|下)?{_TARGET}|{_TARGET}(?:艾特|喊|通知)"),
        _URGE_FILLERS,
    ),
    (
        "进度",
        re.compile(
            r"进度|进展|(?:完成|签收|转发|推送|落实|回执|覆盖|送达)的?(?:情况|率|度)"
            r"|(?:签收|转发|推送|推|落实|回执|覆盖|送达|完成|回复收到|回收到|弄|搞|整|收|签|转)"
            rf"(?:了|得|的|咗)?到?有?(?:{_HOW_RE})"
            r"|(?:多少|几个)个?(?:户|人|家|群|村)?(?:签收|转发|收到|完成|送达)"
        ),
        _QUERY_FILLERS,
    ),
    (
        "排名",
        re.compile(r"排行榜|排名榜|排名|排行|名次|排个名|排一下名|排下名|排第一|得分|积分"),
        _RANK_FILLERS,
    ),
    ("日报", _summary("日报"), _QUERY_FILLERS),
    ("周报", _summary("周报"), _QUERY_FILLERS),
    (
        "帮助",
        re.compile(
            r"帮助|help|怎么用|咋个用|咋用|点用|如何使用|怎么使用|使用说明|用法|菜单|命令|指令"
            r"|(?:怎么|如何|咋)操作"
            r"|功能|说明书|(?:会|能)(?:干|做)(?:啥|什么|嘛)|会些什么|会什么|会啥"
        ),
        _HELP_FILLERS,
    ),
)
# With a push named (第3期怎么样了, 看看第4期的情况) "how is it" alone asks for its 进度.
_REFERENCED_INTENTS = (("进度", re.compile(rf"情况|{_HOW_RE}"), _QUERY_FILLERS),)


# Spaces and the commas between clauses do not change what is asked (你好，怎么用).
_INNER_PUNCT_RE = re.compile(r"[\s，,、]+")
_THIS_PUSH_RE = re.compile(r"这一?期|本期")


def _filler_re(words: str) -> re.Pattern[str]:
    ordered = sorted(set(words.split()), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered)))


_FILLER_RES = {id(words): _filler_re(words) for _, _, words in _INTENTS + _REFERENCED_INTENTS}

_MATERIAL = r"(?:素材|资料|海报|视频|内容|文章|材料|宣传|图片|通知)"
_SEARCH_HEAD_RE = re.compile(
    r"^(?:帮我|请|麻烦)?(?P<library>在?素材库?里?)?"
    r"(?:(?P<search>查询|查找|查一下|查一查|查下|查查|搜一下|搜下|搜搜|搜索|搜"
    r"|(?:查|搜|找)素材(?=\s)|查(?=\s))"
    r"|(?P<ask>有没有|有|找一下|找下|找找|找个|找|来个|来份|来一个))\s*(?P<keyword>.+)$"
)
_KEYWORD_LEAD_RE = re.compile(r"^(?:一下|下|关于|有关|有没有|讲|素材库里?|素材)+")
_KEYWORD_TAIL_RE = re.compile(rf"(?:相关|有关)?的?{_MATERIAL}?[吗吧呢]?$")
_ASKS_FOR_MATERIAL_RE = re.compile(rf"{_MATERIAL}[吗吧呢]?$")
_CHATTY_KEYWORD_RE = re.compile(r"[了吗呢吧啊呀么]$|^[到出收]|[他她你我它谁]|什么|这个|那个")

_PERIODS = (
    ("day", re.compile(r"今日|今天|当日|日榜|日排名|每日")),
    ("week", re.compile(r"本周|这周|一周|周榜|周排名|每周|周")),
    ("month", re.compile(r"本月|这个月|月度|月榜|月排名|每月|月")),
)


def ranking_period(text: str) -> str | None:
    """ "day", "week" or "month" when the text names a period for 排名."""
    for name, pattern in _PERIODS:
        if pattern.search(text):
            return name
    return None


def _free_intent(core: str, referenced: bool) -> str | None:
    compact = _INNER_PUNCT_RE.sub("", core).strip(EDGE_PUNCT)
    referenced = referenced or _THIS_PUSH_RE.search(compact) is not None
    intents = _INTENTS + _REFERENCED_INTENTS if referenced else _INTENTS
    for name, pattern, words in intents:
        for match in pattern.finditer(compact):
            rest = compact[: match.start()] + " " + compact[match.end() :]
            rest = _FILLER_RES[id(words)].sub("", rest).replace(" ", "")
            if not rest.strip(EDGE_PUNCT):
                return name
    return None


def _search_keyword(core: str) -> str | None:
    match = _SEARCH_HEAD_RE.match(core.strip(EDGE_PUNCT))
    if match is None:
        return None
    keyword = match["keyword"].strip(EDGE_PUNCT + "「」“”\"'")
    topic = keyword.startswith(("关于", "有关"))
    if match["ask"] and not (match["library"] or topic or _ASKS_FOR_MATERIAL_RE.search(keyword)):
        return None
    keyword = _KEYWORD_LEAD_RE.sub("", keyword)
    trimmed = _KEYWORD_TAIL_RE.sub("", keyword).strip(EDGE_PUNCT)
    keyword = (trimmed or keyword).strip(EDGE_PUNCT)
    if not keyword or len(keyword) > 12 or _CHATTY_KEYWORD_RE.search(keyword):
        return None
    return keyword


def free_phrasing(core: str, referenced: bool = False) -> tuple[str, str] | None:
    """The command a free-phrased sentence asks for and its 查 keyword ("" for the others).

    `referenced` says the sentence named a push (第3期), which was taken out of `core`.
    """
    intent = _free_intent(core, referenced)
    if intent is not None:
        return intent, ""
    keyword = _search_keyword(core)
    return None if keyword is None else ("查", keyword)
