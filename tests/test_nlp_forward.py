"""Tests for the language layer: recognising a forwarded notice through the edits people
make (greetings, emoji, punctuation, trimming) and not mistaking quotes or other notices."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

import pytest

from bot.nlp import content_similarity, is_forward_of
from bot.nlp.similarity import FORWARD_THRESHOLD, MIN_COVERAGE

# Four notices of different fraud types, plus one that reuses the first one's office
# boilerplate (header and closing advice) around a different story.
SHUADAN = (
    "【青石镇反诈中心提醒】近期我镇连续发生多起刷单返利类诈骗案件。骗子先在短视频平台或兼职群里发布"
    "“动动手指日赚三百”“足不出户轻松赚钱”的广告，诱导群众下载陌生聊天软件，再安排所谓的“导师”带着"
    "做任务。开始几单会按时返还本金和少量佣金，让人放松警惕；等到受害人投入的金额越来越大，对方就以"
    "“任务未完成”“账户被冻结需要解冻费”为借口拒绝返款，并要求继续充值，直到把人拉黑。\n"
    "请大家牢记：凡是要求先垫付资金的刷单都是诈骗！不要相信高额回报，不要下载来路不明的软件，"
    "不要向陌生账户转账。如发现可疑情况，请立即拨打96110或110咨询报警，并下载安装国家反诈中心APP。"
)
GONGJIANFA = (
    "各位乡亲请注意：最近有不法分子冒充公安局、检察院、法院工作人员打电话，声称您的身份证被人冒用，"
    "涉嫌洗钱或者非法集资，马上就要被逮捕。为了让人相信，他们会报出您的姓名和身份证号码，还会发来"
    "伪造的“通缉令”“冻结令”，甚至穿着制服和您视频通话。接着以“案件保密”为由，让您不要告诉家人，"
    "独自到宾馆开房配合调查，最后要求把存款转入所谓的“安全账户”进行资金核查。\n"
    "在此郑重提醒：公检法机关不会通过电话、微信办案，不会发送电子通缉令，更没有什么“安全账户”！"
    "接到此类电话请马上挂断，与家人商量，或者到附近派出所当面核实。反诈专线96110来电请及时接听。"
)
TOUZI = (
    "镇反诈办温馨提示：当前虚假投资理财诈骗仍处于高发态势，损失金额居各类案件前列。犯罪分子通常通过"
    "婚恋交友网站、股票推荐群、直播间等渠道接近受害人，自称有内部消息、能够稳赚不赔，推荐所谓的外汇、"
    "数字货币、期货或养老项目平台。刚开始小额投入确实能看到盈利，也能顺利提现，等到您追加大笔资金后，"
    "平台就会显示“系统维护”“账户异常”，无法取出，客服也联系不上。\n"
    "请广大群众特别是中老年朋友记住：正规投资理财必须通过有资质的金融机构办理，网上所谓的高收益、"
    "零风险、保本保息都是陷阱。不轻信、不透露、不转账，守护好自己的养老钱。遇到拿不准的情况，"
    "请先咨询村里网格员或拨打96110。"
)
KEFU = (
    "【防范冒充电商物流客服诈骗】近日，有村民接到自称“快递客服”的电话，说他购买的商品在运输途中"
    "丢失，要给予三倍理赔；还有人接到“电商客服”来电，称其误开通了会员服务，不取消就会每月自动扣费。"
    "骗子会引导您打开手机共享屏幕，或者下载视频会议软件，一步步操作“退款”“关闭服务”，并索要银行卡号"
    "和短信验证码，最终把卡里的钱全部转走。\n"
    "请大家注意：真正的客服退款理赔不会要求您提供验证码，不会让您共享屏幕，更不会让您向个人账户"
    "转账。遇到此类来电，请通过购物平台官方渠道核实，切勿点击对方发来的链接。验证码是您的钱袋子钥匙，"
    "千万不能告诉任何人！"
)
GAME_SAME_BOILERPLATE = (
    "【青石镇反诈中心提醒】近期我镇发生多起网络游戏账号装备交易诈骗案件，受害人多为在校学生。骗子在"
    "游戏里以低价出售稀有皮肤、高价收购账号为诱饵，把孩子引到非官方的交易网站，随后以“账号冻结”"
    "“保证金不足”为由，让孩子用家长的手机扫码付款，甚至冒充警察吓唬孩子删除聊天记录。\n"
    "请各位家长多关心孩子上网情况，保管好手机支付密码。凡是要求先垫付资金的交易都是诈骗！不要相信"
    "高额回报，不要下载来路不明的软件，不要向陌生账户转账。如发现可疑情况，请立即拨打96110或110咨询"
    "报警，并下载安装国家反诈中心APP。"
)
NOTICES = {"刷单返利": SHUADAN, "冒充公检法": GONGJIANFA, "虚假投资理财": TOUZI, "冒充客服": KEFU}

_PUNCT_RE = re.compile(r"[，。：；！？、“”【】（）\n]")

EDITS: dict[str, Callable[[str], str]] = {
    "unchanged": lambda t: t,
    "greeting": lambda t: "各位村民请注意：\n" + t,
    "forward intro with emoji": lambda t: "转发镇反诈办通知👇\n" + t,
    "emoji added": lambda t: "⚠️⚠️" + t.replace("。", "。🚫") + "🙏🙏",
    "punctuation removed": lambda t: _PUNCT_RE.sub("", t),
    "punctuation changed": lambda t: (
        t.replace("，", ",").replace("。", "!").replace("“", '"').replace("”", '"')
    ),
    "line breaks changed": lambda t: t.replace("\n", "").replace("。", "。\n\n"),
    "full-width digits": lambda t: t.replace("96110", "９６１１０"),
    "tail trimmed 40%": lambda t: t[: int(len(t) * 0.6)],
    "greeting and half kept": lambda t: "大家看一下：" + t[: int(len(t) * 0.5)],
    "minor edits": lambda t: (
        t.replace("请", "要").replace("不要", "别").replace("诈骗", "骗局", 1)
    ),
    "comment appended": lambda t: (
        t + "\n大家一定要注意啊，我们村前几天就有人被骗了好几万，家里有老人的多提醒提醒。"
    ),
    "everything at once": lambda t: (
        "📢各位乡亲：" + _PUNCT_RE.sub(" ", t[: int(len(t) * 0.65)]).replace("请", "要") + "……"
    ),
}


@pytest.mark.parametrize("edit", list(EDITS))
@pytest.mark.parametrize("kind", list(NOTICES))
def test_tolerated_edits_are_forwards(kind: str, edit: str) -> None:
    original = NOTICES[kind]
    candidate = EDITS[edit](original)
    assert is_forward_of(original, candidate)
    assert content_similarity(original, candidate) >= FORWARD_THRESHOLD


@pytest.mark.parametrize(("kind", "other"), list(itertools.permutations(NOTICES, 2)))
def test_a_different_notice_is_not_a_forward(kind: str, other: str) -> None:
    assert not is_forward_of(NOTICES[kind], NOTICES[other])
    assert not is_forward_of(NOTICES[kind], "转发镇反诈办通知👇\n" + NOTICES[other])
    assert content_similarity(NOTICES[kind], NOTICES[other]) < 0.1


def test_shared_boilerplate_is_not_a_forward() -> None:
    assert not is_forward_of(SHUADAN, GAME_SAME_BOILERPLATE)
    assert not is_forward_of(GAME_SAME_BOILERPLATE, SHUADAN)
    assert content_similarity(SHUADAN, GAME_SAME_BOILERPLATE) < 0.4


@pytest.mark.parametrize(
    "candidate",
    [
        "【青石镇反诈中心提醒】",
        "国家反诈中心APP",
        "下载安装国家反诈中心APP",
        "请大家牢记：凡是要求先垫付资金的刷单都是诈骗！",
        "如发现可疑情况，请立即拨打96110或110咨询报警，并下载安装国家反诈中心APP。",
        SHUADAN[: int(len(SHUADAN) * 0.2)],
        SHUADAN[-int(len(SHUADAN) * 0.25) :],
        "今天下午三点在村委会开会，请各组组长准时参加，带好笔记本。",
        "收到",
        "👍👍",
        "",
    ],
)
def test_quotes_and_chat_are_not_forwards(candidate: str) -> None:
    assert not is_forward_of(SHUADAN, candidate)


def test_coverage_floor_rejects_a_quoted_third() -> None:
    third = SHUADAN[: int(len(SHUADAN) * 0.3)]
    assert not is_forward_of(SHUADAN, third)
    assert MIN_COVERAGE > 0.3


def test_similarity_orders_candidates_sensibly() -> None:
    full = content_similarity(SHUADAN, "各位村民请注意：" + SHUADAN)
    trimmed = content_similarity(SHUADAN, SHUADAN[: int(len(SHUADAN) * 0.4)])
    title = content_similarity(SHUADAN, "【青石镇反诈中心提醒】")
    other = content_similarity(SHUADAN, KEFU)
    assert 1.0 >= full > trimmed > title > other >= 0.0
    assert content_similarity(SHUADAN, SHUADAN) == pytest.approx(1.0)


@pytest.mark.parametrize(("original", "candidate"), [("", ""), ("", "收到"), (SHUADAN, "")])
def test_empty_texts(original: str, candidate: str) -> None:
    assert content_similarity(original, candidate) == 0.0
    assert not is_forward_of(original, candidate)


def test_short_original_still_matches_its_forward() -> None:
    original = "今晚八点前请各户下载国家反诈中心APP并完成注册。"
    assert is_forward_of(original, "转发：今晚八点前请各户下载国家反诈中心APP并完成注册")
    assert not is_forward_of(original, "国家反诈中心APP")
