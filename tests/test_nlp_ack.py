"""Tests for the language layer: which replies are acknowledgements (收到, 已转发…) and which
are not, text normalization and the tokenizer's project dictionary."""

from __future__ import annotations

from pathlib import Path

import jieba
import pytest

from bot.nlp import is_acknowledgement
from bot.nlp.ack import normalize
from bot.nlp.segment import cut, tokenizer

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
