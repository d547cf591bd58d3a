"""What read-confirm links say: the lines in relays, tasks and announcements, and the
phone page households open (no names, no phone numbers: the page is public)."""

from __future__ import annotations

from collections.abc import Sequence

BUTTON = "已阅，我会提醒家人"
THANKS = "已确认，谢谢您！请提醒家人：不转账、不透露验证码，有疑问拨打 96110 或 110。"
ALREADY = "这台手机已经确认过了，谢谢您！"
TOO_MANY = "操作太频繁，请稍后再试。"
NOT_FOUND = "链接无效或已失效：请核对链接，或在群里回复“收到”。"
WITHDRAWN = "这条提醒已撤回，不需要确认。"
HINT = "看完请点下面的按钮，不需要填写任何个人信息。"


def relay_lines(links: Sequence[tuple[str, str]]) -> list[str]:
    """Lines after a relay or 群发 text: its group's link, or one per group (name, URL)."""
    if len(links) == 1:
        return [f"看完也可以点链接确认已阅：{links[0][1]}"]
    if links:
        return ["看完也可以点本群的链接确认已阅：", *(f"{name}：{url}" for name, url in links)]
    return []


def pasted_lines(links: Sequence[tuple[str, str]]) -> list[str]:
    """The announcement's lines giving forward/evidence groups' pushers their links."""
    if not links:
        return []
    return [
        "转发群、家长群请把本群的已阅确认链接随内容一起发到群里（点“已阅”即算回执）：",
        *(f"{name}：{url}" for name, url in links),
    ]
