"""Free phrasing of commands: intents, the words that may surround them, periods, 查 keywords.

A short sentence is a command when, once an intent's keyword is found in it, every other
word is a filler of that intent (查一下今天的进度, 还有谁没转发, 本月排名); failing that, a
查/搜 head followed by a short keyword is a 查. `bot.nlp.commands.parse` decides when free
phrasing is tried at all.
"""

from __future__ import annotations

import re

__all__ = ["EDGE_PUNCT", "FREE_MAX_CHARS", "free_phrasing", "ranking_period"]

# Free phrasing longer than this (after stripping) is chat, not a command.
FREE_MAX_CHARS = 20

EDGE_PUNCT = " \t?？!！。.,，~～、:："

# Words that may surround an intent's keyword without changing its meaning.
_QUERY_FILLERS = """
    查一下 查下 查查 查看 查询 看一下 看下 看看 瞧瞧 给我 帮我 请 麻烦 发一下 发下 发 报一下
    来个 来一下 现在 目前 当前 最新 今天 今日 的 了 吧 呢 啊 呀 吗 如何 怎么样 咋样 怎样
    情况 多少 机器人 一下 下 查 看 一期 这期 本期 上一期 上期 推送
"""
_WHO_FILLERS = """
    哪些 哪个 哪几个 哪家 哪几家 谁 有谁 还有谁 还有哪些 有哪些 都有谁 村 村子 户 家 单位
    网格 群 推送员 人 还 还是 都 的 了 吗 呢 啊 名单 看看 查一下 查下 查看 给我 帮我 一下
    现在 目前 今天
"""
_RANK_FILLERS = _QUERY_FILLERS + " 各村 村 单位 榜 今日 本周 这周 本月 这个月 月度 周 月 日 当日"
_URGE_FILLERS = """
    请 帮我 麻烦 一下 下 他们 大家 没签收的 未签收的 没转发的 未转发的 还没签收的 还没转发的
    吧 呗 去 再
"""
_HELP_FILLERS = "请问 机器人 你 有哪些 有什么 哪些 什么 的 怎么 如何 看看 查看 一下 吗 呢 啊 功能"

# (name, keyword pattern, fillers), tried in order: 没签收 must win over 催 and 进度.
_INTENTS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("未签收", re.compile(r"(?:还没有|还没|没有|没|未)(?:签收|回复|回)"), _WHO_FILLERS),
    ("未转发", re.compile(r"(?:还没有|还没|没有|没|未)转发?"), _WHO_FILLERS),
    ("催办", re.compile(r"催办|催促|催一催|催"), _URGE_FILLERS),
    (
        "进度",
        re.compile(
            r"进度|进展|完成情况|签收情况|转发情况|签收率|转发率|完成率|覆盖率|覆盖情况"
            r"|回执率|回执情况|送达率|送达情况"
            r"|(?:推送|转发|签收|回执)(?:得|的)?(?:怎么样|如何|咋样|怎样)"
        ),
        _QUERY_FILLERS,
    ),
    ("排名", re.compile(r"排行榜|排名|排行|名次"), _RANK_FILLERS),
    ("日报", re.compile(r"日报"), _QUERY_FILLERS),
    ("周报", re.compile(r"周报"), _QUERY_FILLERS),
    (
        "帮助",
        re.compile(r"帮助|help|怎么用|如何使用|怎么使用|使用说明|用法|菜单|命令|指令"),
        _HELP_FILLERS,
    ),
)


def _filler_re(words: str) -> re.Pattern[str]:
    ordered = sorted(set(words.split()), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered)))


_INTENT_FILLER_RES = {name: _filler_re(words) for name, _, words in _INTENTS}

_SEARCH_HEAD_RE = re.compile(
    r"^(?:帮我|请)?(?:查询|查找|搜索|搜一下|搜搜|查一下|查一查|查下|查查|搜)\s*(.+)$|^查\s+(.+)$"
)
_KEYWORD_TRIM_RE = re.compile(
    r"^(?:一下|关于|有关)+|(?:相关|有关)?的?(?:素材|内容|材料|文章|通知|宣传|资料|视频|图片|海报)?"
    r"[吧呢]?$"
)
_CHATTY_KEYWORD_RE = re.compile(r"[了吗呢吧啊呀么]$|^[到出]")

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


def _free_intent(core: str) -> str | None:
    compact = re.sub(r"\s+", "", core).strip(EDGE_PUNCT)
    for name, pattern, _ in _INTENTS:
        match = pattern.search(compact)
        if match is None:
            continue
        rest = compact[: match.start()] + compact[match.end() :]
        rest = _INTENT_FILLER_RES[name].sub("", rest)
        if not rest.strip(EDGE_PUNCT):
            return name
    return None


def _search_keyword(core: str) -> str | None:
    match = _SEARCH_HEAD_RE.match(core)
    if match is None:
        return None
    keyword = (match.group(1) or match.group(2) or "").strip(EDGE_PUNCT + "「」“”\"'")
    trimmed = _KEYWORD_TRIM_RE.sub("", keyword).strip(EDGE_PUNCT)
    keyword = trimmed or keyword
    if not keyword or len(keyword) > 12 or _CHATTY_KEYWORD_RE.search(keyword):
        return None
    return keyword


def free_phrasing(core: str) -> tuple[str, str] | None:
    """The command a free-phrased sentence asks for and its 查 keyword ("" for the others)."""
    intent = _free_intent(core)
    if intent is not None:
        return intent, ""
    keyword = _search_keyword(core)
    return None if keyword is None else ("查", keyword)
