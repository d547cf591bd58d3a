"""The word lists the acknowledgement rules grade clauses with (nlp/ack.py)."""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    """The whitespace-separated words of `text`."""
    return frozenset(text.split())


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
