"""A content library with media, for the media tests: item 1 has a poster, a letter and an
article card; item 2 another poster; item 3 is text only."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.config import Config
from tests.posters import save_poster

ARTICLE = (
    "https://mp.weixin.qq.com/s?__biz=MzA5NjQ1MDM2Mw==&mid=2651234567&idx=1&sn=0a1b2c3d4e5f"
    "&chksm=8b4c1d2e&scene=21#wechat_redirect"
)
BODY = (
    "近期有不法分子冒充“客服”，以退款、理赔为由诱导群众下载会议软件、开启屏幕共享，"
    "进而盗取银行卡信息。记住：正规客服不会要求屏幕共享，遇到可疑情况请拨打96110。"
)

ITEM_1 = f"""+++
id = 1
title = "冒充客服退款诈骗"
fraud_types = ["冒充客服"]
audiences = ["全体村民"]
media = ["posters/kefu.png"]
files = ["letters/告家长书.pdf"]
link = {{ url = "{ARTICLE}", title = "警惕！冒充客服退款新套路", desc = "镇反诈办提醒" }}
+++
{BODY}
"""
ITEM_2 = """+++
id = 2
title = "刷单返利"
fraud_types = ["刷单返利"]
audiences = ["全体村民"]
media = ["posters/shuadan.png"]
+++
刷单返利全是骗局：凡是要你先垫钱的兼职都是诈骗，遇到请拨打96110咨询。
"""
ITEM_3 = """+++
id = 3
title = "纯文字"
fraud_types = []
audiences = []
+++
只有文字的素材。
"""
LETTER = b"%PDF-1.4\n% a letter to parents\n" + bytes(range(256)) * 8


def write_library(folder: Path) -> Path:
    """Write the three items and their media into `folder`."""
    save_poster(1, folder / "posters" / "kefu.png")
    save_poster(2, folder / "posters" / "shuadan.png")
    (folder / "letters").mkdir(parents=True, exist_ok=True)
    (folder / "letters" / "告家长书.pdf").write_bytes(LETTER)
    for n, text in enumerate((ITEM_1, ITEM_2, ITEM_3), 1):
        (folder / f"00{n}.md").write_text(text, encoding="utf-8")
    return folder


def with_library(config: Config, folder: Path) -> Config:
    """`config` reading its content library from `folder`."""
    return replace(config, bot=replace(config.bot, content_dir=str(folder)))
