"""A labelled set of household group messages for the tip classifier (bot.nlp.tips).

Each case: (text, category or None for "not a tip", urgent). Written by hand from the kinds of
things households say in village groups; negatives include acknowledgements, talk about
fraud in general, questions, advice to others and the bot's own notices pasted back.
"""

from __future__ import annotations

LOSS = "已被骗"
POLICE = "冒充公检法"
SERVICE = "冒充客服"
APP = "下载APP/屏幕共享"
ORDERS = "刷单返利"
INVEST = "虚假投资理财"
LOAN = "网络贷款"
KIN = "冒充熟人/领导"
PRIZE = "虚假中奖"
CALL = "可疑来电/短信"

TipCase = tuple[str, str | None, bool]

POSITIVE: list[TipCase] = [
    ("接到一个冒充公安的电话", POLICE, False),
    ("刚才有个自称警察的打电话说我涉嫌洗钱", POLICE, False),
    ("我妈接到电话说她的银行卡涉案，要配合调查", POLICE, False),
    ("有人打电话说我是通缉犯，让我去开个安全账户", POLICE, False),
    ("今天接了个电话，说是检察院的，说我快递里有违禁品", POLICE, False),
    ("对方说他是派出所民警，要我把钱转到安全账户", POLICE, False),
    ("我爸刚接到法院的电话，说有传票", POLICE, False),
    ("有人让我下载APP", APP, False),
    ("有人加我微信叫我下载一个会议软件开屏幕共享", APP, False),
    ("对方让我下载一个叫什么安全卫士的app", APP, False),
    ("刚刚有人让我扫码领补贴", APP, False),
    ("我儿子被人叫去下载了一个软件，说能赚钱", APP, False),
    ("收到一个诈骗电话", CALL, False),
    ("收到一条短信说我医保卡异常，让点链接", CALL, False),
    ("刚接到一个陌生电话，听着像骗子", CALL, False),
    ("我也接到过诈骗电话，直接挂了", CALL, False),
    ("今天接到好几个可疑电话", CALL, False),
    ("收到了一个陌生链接，不知道是不是诈骗", CALL, False),
    ("差点被骗，幸好看了群里的提醒", CALL, False),
    ("我家老人差一点就转账了，被我拦下来了", CALL, False),
    ("有个客服打电话说我的快递丢了要给我理赔", SERVICE, False),
    ("接到电话说我开通了百万保障，不取消每月扣费", SERVICE, False),
    ("有人冒充淘宝客服给我打电话要退款", SERVICE, False),
    ("对方说是京东客服，要注销我的校园贷账户", SERVICE, False),
    ("有人拉我进群刷单，说点赞就返佣金", ORDERS, False),
    ("我女儿在网上做任务，对方说先垫钱再返利", ORDERS, False),
    ("有人加我QQ叫我做兼职刷单", ORDERS, False),
    ("刚才有人加我微信说有导师带炒股稳赚", INVEST, False),
    ("有人拉我进投资群，说高回报", INVEST, False),
    ("我接到电话推荐虚拟币理财", INVEST, False),
    ("有人打电话说能无抵押贷款，先交保证金", LOAN, False),
    ("收到短信说可以帮我修复征信", LOAN, False),
    ("对方说我的贷款额度冻结了要交解冻费", LOAN, False),
    ("有人冒充我们村书记加我微信找我借钱", KIN, False),
    ("刚才有人假装我儿子打电话说出车祸了", KIN, False),
    ("有人自称我老同学，QQ上找我借钱", KIN, False),
    ("收到短信说我中奖了，要先交手续费", PRIZE, False),
    ("有人打电话说我抽中了一台电视，让我去领奖", PRIZE, False),
    ("我被骗了", LOSS, True),
    ("已经转账了", LOSS, True),
    ("我妈被骗了五千块", LOSS, True),
    ("我刚转了3000元给对方，现在联系不上了", LOSS, True),
    ("已经汇款了怎么办", LOSS, True),
    ("他们让我转到安全账户，我已经转了两万", LOSS, True),
    ("我爸上当了，钱被转走了", LOSS, True),
    ("刷单被骗了好几千", LOSS, True),
    ("我已经转账给那个客服了", LOSS, True),
    ("老人被骗走了养老钱", LOSS, True),
    ("我刚打了5000块过去，对方把我拉黑了", LOSS, True),
    ("按他说的汇款了，现在后悔了", LOSS, True),
    ("我卡里的钱没了", LOSS, True),
    ("转了1万元，对方说还要交税", LOSS, True),
    ("我上当受骗了，谁能帮帮我", LOSS, True),
    ("我付了2000保证金，贷款一直不放", LOSS, True),
    ("接到冒充公安的电话，我已经转账了", LOSS, True),
    ("骗子骗了我三千块钱", LOSS, True),
    ("我家老人今天被骗了", LOSS, True),
    ("网上买游戏装备被骗了", LOSS, True),
    ("今天有人打电话给我，说我涉嫌犯罪，让我别告诉家人", POLICE, False),
    ("刚刚接到一个电话自称公检法的", POLICE, False),
    ("有人发短信给我说我的社保卡被冒用了", CALL, False),
    ("刚才一个陌生号码打来说要给我退医保", SERVICE, False),
]

NEGATIVE: list[TipCase] = [
    ("收到，会注意的", None, False),
    ("骗子真多", None, False),
    ("收到", None, False),
    ("已阅", None, False),
    ("收到，谢谢提醒", None, False),
    ("好的，我会转告家里老人", None, False),
    ("大家注意冒充公安的电话", None, False),
    ("提醒大家不要下载陌生APP", None, False),
    ("千万不要转账给陌生人", None, False),
    ("现在骗子手段越来越多了", None, False),
    ("这个提醒很及时", None, False),
    ("谢谢网格员", None, False),
    ("👍", None, False),
    ("[强]", None, False),
    ("明白了", None, False),
    ("诈骗太可恶了", None, False),
    ("记住了，不转账不汇款", None, False),
    ("公检法不会电话办案，记住了", None, False),
    ("派出所的民警今天来村里宣传了", None, False),
    ("明天村里开会吗", None, False),
    ("今天天气不错", None, False),
    ("几点发鸡蛋", None, False),
    ("我去下载国家反诈中心APP了", None, False),
    ("已经下载了国家反诈中心", None, False),
    ("谁家的狗跑丢了", None, False),
    ("收到，已转发给家人", None, False),
    ("已转发家族群", None, False),
    ("好的好的", None, False),
    ("小心骗子", None, False),
    ("谨防刷单诈骗", None, False),
    ("注意防范电信诈骗", None, False),
    ("这个视频讲得好", None, False),
    ("老人一定要看看", None, False),
    (
        "【反诈提醒】“警察”打电话说你涉案？先挂电话\n\n对方自称“公安局”的工作人员，"
        "说你的银行卡涉嫌洗钱，要你下载会议软件、开屏幕共享，把钱转到“安全账户”。\n\n"
        "请各位阅读后回复“收到”。",
        None,
        False,
    ),
    (
        "【常见套路】对方自称公安局工作人员，说你涉嫌洗钱，要你转账到安全账户。"
        "【记住这几点】公检法机关不会通过电话办案。",
        None,
        False,
    ),
    ("请大家阅读后回复收到", None, False),
    ("村委会通知：明天上午打疫苗", None, False),
    ("国家反诈中心APP大家都装一下", None, False),
    ("有没有人知道96110是什么电话", None, False),
    ("大家转账前多想想", None, False),
    ("没被骗，放心", None, False),
    ("转发给我妈看看", None, False),
    ("刷单就是诈骗", None, False),
    ("投资理财要找正规银行", None, False),
    ("贷款要去正规银行", None, False),
    ("我已经签收了", None, False),
    ("收到，马上看", None, False),
    ("不要相信陌生人的电话", None, False),
    ("这种诈骗我们村以前也有", None, False),
    ("防骗知识要多学习", None, False),
    ("好，我们全家都看了", None, False),
    ("我会提醒爸妈的", None, False),
    ("文章写得好，转了", None, False),
    ("我家孩子在学校也学了反诈", None, False),
    ("今天交了医保", None, False),
    ("我给我妈转发了", None, False),
    ("大家不要扫陌生二维码", None, False),
    ("记住96110", None, False),
    ("已读", None, False),
    ("OK", None, False),
    ("谢谢", None, False),
]

CASES: list[TipCase] = POSITIVE + NEGATIVE
