"""What the safety desk says: answers to households' questions, tip notices to supervisors."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.domain.desk import Tip, key_advice
from bot.domain.model import Content

HOTLINES = "拿不准就拨打 96110（全国反诈专线）咨询；已经转账、正在被骗，马上拨打 110 报警。"
GENERAL_ADVICE = (
    "记住“三不一多”：不轻信陌生来电和链接，不透露验证码和银行卡信息，"
    "不下载陌生人让装的App、不开屏幕共享，转账前多和家人、村干部商量。"
)


def answer(items: Sequence[Content], screenshot: bool = False) -> str:
    """The private answer to "这是不是诈骗": the closest library items and the hotlines."""
    lines = []
    if screenshot:
        lines.append("收到您的截图。机器人看不懂图片里的内容，下面是常见骗局的提醒，请对照看看：")
    elif items:
        lines.append("您问的情况，和下面的反诈提醒最接近，请对照看看：")
    else:
        lines.append("您问的情况，素材库里没有找到很接近的提醒。")
    for n, item in enumerate(items, 1):
        tags = f"（{'、'.join(item.fraud_types)}）" if item.fraud_types else ""
        lines.append(f"{n}. 《{item.title}》{tags}")
        lines.extend(f"   · {advice}" for advice in key_advice(item))
    lines.append(GENERAL_ADVICE)
    lines.append(HOTLINES)
    return "\n".join(lines)


def urgent_advice() -> str:
    """What a household who says money already moved is told, privately and at once."""
    return (
        "看到您说钱已经转出去了，请马上做三件事：\n"
        "1. 立即拨打 110 报警（或到最近的派出所），说清对方账号、转账时间和金额；\n"
        "2. 马上打银行客服电话，说明被骗，申请紧急止付、冻结；\n"
        "3. 保留聊天记录、转账截图和对方电话，不要删除，也不要再给对方转钱。\n"
        "咨询可拨打 96110。我们已通知村里的片警和网格长，他们会尽快联系您。"
    )


def tip_notice(tip: Tip, who: str, place: str, link: str, now: datetime) -> str:
    """The private message to a supervisor about a new tip."""
    head = "【线索·紧急】" if tip.urgent else "【线索】"
    quote = tip.text if len(tip.text) <= 120 else tip.text[:120] + "…"
    lines = [
        f"{head}第{tip.id}条 {tip.category}",
        f"谁：{who}",
        f"在哪：{place}",
        f"时间：{tip.at.astimezone(now.tzinfo):%m月%d日 %H:%M}",
        f"说了什么：“{quote}”",
    ]
    if tip.urgent:
        lines.append("对方说钱已转出，请立即联系，协助报警（110）和银行止付。")
    else:
        lines.append("请尽快联系核实，提醒不要转账、不要透露验证码。")
    lines.append(f"处理情况请在看板登记：{link}")
    return "\n".join(lines)


def tip_count_lines(new: int, urgent: int, open_count: int) -> list[str]:
    """The 日报 line about tips: numbers only, nobody named."""
    line = f"今日新线索 {new} 条"
    if urgent:
        line += f"（其中涉及转账的紧急线索 {urgent} 条）"
    return [line + f"；尚未处理完的共 {open_count} 条。"]
