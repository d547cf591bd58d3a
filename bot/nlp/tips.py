"""Is a household's message a fraud report (线索)? Pure rules over normalised text.

A tip is someone telling what happened to them or their family: "接到一个冒充公安的电话",
"有人让我下载APP", "我被骗了", "已经转账了". Talk *about* fraud ("骗子真多", "大家注意防骗"),
acknowledgements ("收到，会注意的") and the bot's own notices pasted back are not tips.

Categories (the first that matches wins, in this order):

- 已被骗：money already moved (urgent): 被骗了, 已经转账, 转了5000元, 汇款了, 钱被转走 …
- 冒充公检法、冒充客服、下载APP/屏幕共享、刷单返利、虚假投资理财、网络贷款、冒充熟人/领导、
  虚假中奖
- 可疑来电/短信：a fraud call or message with no more detail ("收到一个诈骗电话").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from bot.nlp.similarity import fold

LOSS = "已被骗"
SUSPICIOUS = "可疑来电/短信"


@dataclass(frozen=True)
class TipSignal:
    """What a fraud report is about, and whether money has already moved."""

    category: str
    urgent: bool


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


# Money already moved. Checked after the negations below are removed.
_LOSS = _re(
    r"被骗了|被骗走|被骗\d|骗了我|上当了|上当受骗|已经?转(账|钱|款|过去|了)|已经?汇(款|钱|了)"
    r"|汇款了|转账了|转了\s*[\d一二两三四五六七八九十百千万]+\s*(元|块|万|千)?"
    r"|打了\s*[\d一二两三四五六七八九十百千万]+\s*(元|块|万|千)|钱(被|让人)(转走|骗)"
    r"|卡里的钱没了|付了\s*[\d一二两三四五六七八九十百千万]+|交了\s*[\d一二两三四五六七八九十百千万]+\s*(元|块|万)"
)
# "差点被骗", "没被骗", "还没转账", "幸好没上当": the attempt is a tip, the loss is not.
_LOSS_NEGATED = _re(
    r"(差点|差一点|险些|幸好没|还好没|好在没|没有|没|未|不会|别|不要|防止)(就|有)?"
    r"(被骗|上当|转账|转钱|汇款|转)"
)
# A near miss is still a report: someone tried.
_NEAR_MISS = _re(r"(差点|差一点|险些|幸好没|还好没|好在没)(就|有)?(被骗|上当|转账|转钱|汇款|转)")
_CATEGORIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "冒充公检法",
        _re(
            r"公安|警察|民警|检察|法院|公检法|通缉|逮捕|洗钱|安全账户|涉案|涉嫌|配合调查"
            r"|(别|不要|不许)告诉家"
        ),
    ),
    (
        "冒充客服",
        _re(
            r"客服|退款|退(医保|费|钱)|理赔|快递(丢|赔)|注销.{0,4}(账户|校园贷|百万保障)|百万保障"
        ),
    ),
    (
        "下载APP/屏幕共享",
        _re(
            r"下载.{0,12}(app|软件|应用)|装.{0,4}(app|软件)|屏幕共享|共享屏幕|会议软件|扫.{0,2}码"
        ),
    ),
    ("刷单返利", _re(r"刷单|点赞.{0,6}(返|佣金|赚)|做任务|返利|兼职.{0,6}(赚|日结)")),
    ("虚假投资理财", _re(r"投资|理财|炒股|荐股|导师|虚拟币|高回报|稳赚")),
    ("网络贷款", _re(r"贷款|无抵押|征信|放款|额度")),
    (
        "冒充熟人/领导",
        _re(
            r"(冒充|假装|假冒|自称|说是).{0,6}(领导|老板|儿子|女儿|孙子|亲戚|朋友|同学|老师)|借钱"
        ),
    ),
    ("虚假中奖", _re(r"中奖|抽中|领奖|奖品")),
)
# Something happened to the speaker or their family.
_EVENT = _re(
    r"接到|接了|收到(了)?(一|个|条|封|好几|几|短信|电话|信息|消息|链接)|打来|打给我|来电|有人|对方|让我|叫我|要我|加我|给我"
    r"|我(被|刚|今天|昨天|上午|下午|晚上|也|家|妈|爸|老伴|儿子|女儿)|俺|刚才|刚刚|家里(人|老人)"
    r"|老人(被|接)|我.{0,6}(转|汇|付)"
)
_FRAUD_WORDS = _re(
    r"诈骗|骗子|骗人|可疑|链接|异常|冻结|冒用|陌生(电话|号码|短信|链接)|不明(电话|链接)|冒充"
)
# The bot's own notices and the library's text, quoted or pasted back.
_NOTICE = _re(
    r"【反诈提醒】|【常见套路】|【记住这几点】|【遇到了怎么办】|请各位阅读后回复|请.{0,6}回复.?收到"
)
# Advice to others, not a report: "大家注意", "提醒大家", "不要相信".
_ADVICE = _re(r"^(大家|各位|请大家|提醒|注意|小心|谨防|不要|千万|切记|记住)")
LONG_TEXT = 150


@lru_cache(maxsize=4096)
def classify_tip(text: str) -> TipSignal | None:
    """The fraud report in `text`, or None when it is chat, advice or a notice (cached:
    households repeat the same chat; a TipSignal is immutable)."""
    flat = " ".join(text.split())
    if not flat or _NOTICE.search(flat):
        return None
    if len(flat) > LONG_TEXT and "我" not in flat:
        return None  # a pasted article, not someone's story
    rest = _LOSS_NEGATED.sub("", flat)
    if _LOSS.search(rest):
        return TipSignal(LOSS, True)
    event = _EVENT.search(flat) is not None
    event = event or _NEAR_MISS.search(flat) is not None
    if not event or (_ADVICE.search(flat) and not re.search(r"我|俺", flat)):
        return None
    for category, pattern in _CATEGORIES:
        if pattern.search(flat) and _looks_like_fraud(flat, category):
            return TipSignal(category, False)
    if _FRAUD_WORDS.search(flat) or _NEAR_MISS.search(flat):
        return TipSignal(SUSPICIOUS, False)
    return None


_CONTACT = _re(
    r"电话|短信|微信|QQ|链接|视频|app|软件|让我|叫我|要我|加我|拉我|群|骗|冒充|自称|说我"
    r"|对方|有人|打来"
)


def _looks_like_fraud(text: str, category: str) -> bool:
    """A category word alone ("派出所的民警来村里了") is not a report without contact or fraud."""
    if category == "下载APP/屏幕共享" and "反诈" in text:
        return False  # 国家反诈中心 is the app everyone is asked to install
    return bool(_CONTACT.search(text)) or category == "刷单返利"


# A message taking this share of its 3-character shingles from a notice is that notice
# quoted or pasted back (a household's own story shares words, not runs of characters).
BORROWED_SHARE = 0.6
BORROWED_MIN_CHARS = 12


def borrowed_from(text: str, originals: Iterable[str]) -> bool:
    """Whether `text` is mostly copied from one of `originals` (the bot's notices)."""
    folded = fold(text)
    if len(folded) < BORROWED_MIN_CHARS:
        return False
    mine = {folded[i : i + 3] for i in range(len(folded) - 2)}
    for original in originals:
        theirs = fold(original)
        common = sum(1 for s in mine if s in theirs)
        if common / len(mine) >= BORROWED_SHARE:
            return True
    return False
