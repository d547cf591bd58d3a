"""Tests for the language layer: acknowledgements and forwarded-notice matching."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from pathlib import Path

import jieba
import pytest

from bot.nlp import content_similarity, is_acknowledgement, is_forward_of
from bot.nlp.ack import normalize
from bot.nlp.segment import cut, tokenizer
from bot.nlp.similarity import FORWARD_THRESHOLD, MIN_COVERAGE

# --- acknowledgements -------------------------------------------------------------------

ACKS = [
    # 收到 and its forms
    "收到",
    "收到了",
    "已收到",
    "收到！",
    "收到!!!",
    "收到~",
    "收到。",
    "收到收到",
    "好的收到",
    "好嘞收到",
    "收到，谢谢",
    "收到了，谢谢领导",
    "收到，辛苦了",
    "收到，马上转发",
    "收到 明白",
    "收到了哈",
    "收到滴",
    "确认收到",
    "通知已收到",
    "收到消息了",
    # read / understood
    "已阅",
    "已阅，谢谢",
    "已读",
    "阅",
    "阅。",
    "明白",
    "明白了",
    "知道了",
    "知道啦",
    "晓得了",
    "了解",
    "已了解",
    "已知晓",
    "已知悉",
    "收悉",
    "清楚了",
    "刚看到，收到",
    "看了",
    "全家都看了",
    "我们全家都看了",
    "我们家都知道了",
    # signed / forwarded
    "签收",
    "已签收",
    "签收 #3",
    "签收#3",
    "签收 第3期",
    "已转发",
    "转发了",
    "已转",
    "已推送",
    "已发群里",
    "已转家族群",
    "已转发至本村群",
    "已经转到村群了",
    "发到家族群了",
    "马上转到群里",
    "转发完毕",
    "已通知到每户",
    "已传达",
    "本组已全部转发",
    "全村已转发",
    # small talk that acknowledges
    "好的",
    "好",
    "好的好的",
    "好吧",
    "好滴",
    "好嘞",
    "行",
    "可以的",
    "是的",
    "嗯",
    "嗯嗯",
    "哦哦好的",
    "谢谢",
    "谢谢提醒",
    "感谢提醒",
    "谢谢领导提醒",
    "领导辛苦了",
    "没问题",
    "1",
    "111",
    # English and width variants
    "OK",
    "ok",
    "Ok",
    "okay",
    "OK了",
    "ＯＫ",
    "okk",
    # emoji
    "👍",
    "👍🏻",
    "👍🏿",
    "👍👍👍",
    "👌",
    "🙏",
    "🙏🙏🙏",
    "收到👍",
    "好的👌",
    "[强]",
    "[OK]",
    "[好的]",
    "[抱拳]",
    "[握手]",
    "[抱拳][抱拳][抱拳]",
    "收到[强][强]",
    # learning and pledges
    "学习了",
    "已学习",
    "认真学习",
    "会注意的",
    "一定注意",
    "一定提高警惕",
    "我们一定不会上当",
    "收到，不会转账的",
    "明白，坚决完成任务",
    "遵照执行",
    "坚决落实",
    "好的收到，马上落实",
    # who acknowledges
    "我家收到了",
    "我妈收到了",
    "王秀英收到",
    "陈桂芳收到",
    "3组李四收到",
    "五组王建国已收到",
    "网格员张三已转发",
    "我们村已经转发了",
    "李四：收到",
    "收到 李四",
    # dialect
    "要得",
    "要得要得",
    "中",
    "妥",
    "妥妥的",
    "晓得啦",
    "得嘞",
    # mentions, quotes, follow-up text
    "@张三 收到",
    "@张三\u2005收到",
    "@镇反诈办\u2005@李书记\u2005已转发",
    "收到，我会转给家里老人看",
    "收到了，我让我爸妈也看看",
    "收到，这个是骗子吗",
    "「镇反诈办：请大家回复收到」\n- - - - - - - - - - - - - - -\n收到",
    "不好意思，收到",
    # more real-chat phrasings
    "收到！谢谢提醒",
    "收到，已转发家人",
    "收到了，会提醒家里老人",
    "好的，知道了",
    "已经转给家里人了",
    "转给我爸妈了",
    "已转告家人",
    "收到，我们会注意的",
    "谢谢村里提醒",
    "谢谢网格员",
    "已阅，已转发",
    "已读已转",
    "全家已学习",
    "已组织全家学习",
    "收到！会注意防范的",
    "嗯嗯，知道了",
    "谢谢关心",
    "看过了",
    "已看完",
    "我已经看了",
    "老人也看了",
    "收到，立即落实",
    "明白，马上转",
    "懂了",
    "记住了",
    "收到，已提醒家人",
    "OK，收到",
    "收到，已安排",
    "收到💪",
    "收到✅",
    "✅",
    "谢谢你们",
    "晓得了，谢谢哈",
    "本人已收到",
    "李家村已收到",
    "王家村3组已转发",
    "张三家已阅",
    "已分享到家族群",
    "会告诉家里老人的",
    "收到🌹",
    "收到，请领导放心",
    "嗯哪",
]

NOT_ACKS = [
    # negations
    "没收到",
    "没有收到",
    "还没收到",
    "我没收到文件",
    "未收到",
    "收不到",
    "没看到",
    "还没看",
    "还没来得及看",
    "不明白",
    "不知道",
    "看不懂",
    "打不开",
    "我没有转发",
    "收到没收到",
    # questions
    "收到?",
    "收到？",
    "收到吗",
    "收到没",
    "收到了吗",
    "收到没有",
    "收到了没",
    "都收到了吧",
    "有没有收到",
    "是不是收到了",
    "你们收到了吗？",
    "谁收到了？",
    "好不好",
    "好么",
    "要得么",
    "好的，这是真的吗？",
    "嗯，这个是骗子吗",
    "👍？这是真的吗",
    # received something
    "收到一个诈骗电话",
    "我收到短信说中奖了",
    "收到个红包",
    "收到了一条短信",
    "我也收到过这种短信",
    "这种短信我也收到了",
    "验证码收到了",
    "钱收到了",
    "快递收到",
    # instructions to others
    "请大家回复收到",
    "收到请回复",
    "请回复：收到",
    "请转发",
    "请各位网格员及时签收",
    "大家注意",
    # nothing to acknowledge
    "",
    "   ",
    "\n",
    "今天天气好",
    "好多骗子",
    "好消息",
    "你好",
    "我中了",
    "注意",
    "注意了",
    "警惕！",
    "转发",
    "看看",
    "我看看",
    "😊",
    "[微笑]",
    "李四",
    "3",
    "今天下午村里开会，主要讨论了道路硬化的事情，大家有意见可以提，好的",
    "我们今天去镇上开会，领导说好的，大家都要注意",
    "注意！最新诈骗手法曝光，请大家提高警惕",
    "各位村民：近期电信诈骗案件高发，收到陌生短信不要点链接，不要向陌生账户转账。",
    # more real-chat phrasings
    "收到短信了吗",
    "怎么收不到",
    "没看懂",
    "看不太懂",
    "字太小看不清",
    "这个是真的吗",
    "收到了，但是看不懂",
    "好像没收到",
    "我家没收到",
    "收到的是什么",
    "在哪里看",
    "谁发的",
    "骗子又来了",
    "刚才有人打电话说我中奖了",
    "我收到了一个陌生链接",
    "收到了一笔转账",
    "收到一条中奖短信",
    "怎么下载国家反诈中心APP",
    "@所有人 请大家回复收到",
    "收到的请回复1",
    "看完请回复收到",
    "大家好",
    "早上好",
    "好人一生平安",
    "好看",
    "我知道一个骗子",
    "知道他的电话吗",
    "明白人都懂",
    "不太明白",
    "还不了解",
    "转发有奖吗",
    "已经被骗了怎么办",
    "收到钱了吗",
]


@pytest.mark.parametrize("text", ACKS)
def test_acknowledgements(text: str) -> None:
    assert is_acknowledgement(text) is True


@pytest.mark.parametrize("text", NOT_ACKS)
def test_not_acknowledgements(text: str) -> None:
    assert is_acknowledgement(text) is False


def test_repeated_calls_agree_and_hit_the_cache() -> None:
    from bot.nlp.ack import _decide_raw

    first = [is_acknowledgement(t) for t in ("收到", "没收到", "好的，收到")]
    hits = _decide_raw.cache_info().hits
    again = [is_acknowledgement(t) for t in ("收到", "没收到", "好的，收到")]
    assert first == again == [True, False, True]
    assert _decide_raw.cache_info().hits >= hits + 3


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("@张三\u2005收到", "收到"),
        ("＠张三　收到！", "收到!"),
        ("ＯＫ", "ok"),
        ("签收 ＃12", "签收"),
        ("签收 第3期", "签收"),
        ("  收到\n\n谢谢  ", "收到 谢谢"),
        ("[强]", "\ue000"),
        ("[微笑]收到", "收到"),
    ],
)
def test_normalize(raw: str, folded: str) -> None:
    assert normalize(raw) == folded


def test_project_dictionary_keeps_negated_receipt_together(tmp_path: Path) -> None:
    default = jieba.Tokenizer()
    default.tmp_dir = str(tmp_path)
    assert default.lcut("没收到", HMM=False) == ["没收", "到"]
    assert default.lcut("我没收到文件", HMM=False) == ["我", "没收", "到", "文件"]

    assert cut("没收到") == ["没收到"]
    assert cut("我没收到文件") == ["我", "没收到", "文件"]
    assert cut("未收到") == ["未收到"]
    assert cut("收到一个诈骗电话") == ["收到", "一个", "诈骗", "电话"]


def test_private_tokenizer_leaves_global_jieba_alone() -> None:
    tokenizer()
    assert jieba.dt is not tokenizer()
    assert "没收到" not in jieba.dt.FREQ or jieba.dt.FREQ["没收到"] == 0


# --- forwarded notices --------------------------------------------------------------------

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
