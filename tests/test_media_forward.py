"""Forwards of media in forward-mode groups: a poster after WeChat resized and recompressed
it, an article with tracking parameters, a letter by its bytes, a 视频号 card by title; and
the perceptual-hash margins these rely on."""

from __future__ import annotations

import io
import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import imagehash
import pytest
from PIL import Image

from bot.clock import SimClock
from bot.config import Config
from bot.domain.media import LinkCard
from bot.domain.model import MessageKind
from bot.nlp.mediamatch import IMAGE_MAX_DISTANCE, canonical_link
from bot.runtime import Runtime, build
from tests.chat import say
from tests.conftest import small_town
from tests.media_library import LETTER, with_library, write_library
from tests.posters import as_wechat_sends, poster

K = MessageKind
SHARED = (
    "http://mp.weixin.qq.com/s?sn=0a1b2c3d4e5f&idx=1&mid=2651234567&__biz=MzA5NjQ1MDM2Mw=="
    "&sharer_shareid=9f8e&sharer_sharetime=1764000000&from=groupmessage&isappinstalled=0"
    "&scene=1&clicktime=1764000001&enterid=1764000001#rd"
)


@pytest.fixture
async def mrt(config: Config, clock: SimClock, tmp_path: Path) -> AsyncIterator[Runtime]:
    """The small town with the media library, 素材1 pushed and 农商银行's pusher signed."""
    folder = write_library(tmp_path / "content")
    runtime = build(with_library(config, folder), clock, org=small_town())
    await say(runtime, "office", "推送 素材1", "cmd")
    assert await say(runtime, "bank_p", "收到", "cmd") == []
    yield runtime
    runtime.store.close()
    assert runtime.simulator is not None
    assert runtime.simulator.unread == []


def bank_delivery(rt: Runtime) -> tuple[object, object]:
    d = next(d for d in rt.store.deliveries(1) if d.group_id == "bank")
    return d.delivered_at, d.via


async def test_resized_recompressed_poster_is_the_forward(mrt: Runtime) -> None:
    shot = as_wechat_sends(poster(1), width=540, quality=70)
    await say(mrt, "bank_p", "", "bank", kind=K.IMAGE, data=shot, filename="wx.jpg")
    assert bank_delivery(mrt)[1] == "forward"


async def test_a_different_poster_is_not(mrt: Runtime) -> None:
    for seed in (2, 3, 7):
        shot = as_wechat_sends(poster(seed))
        await say(mrt, "bank_p", "", "bank", kind=K.IMAGE, data=shot, filename="wx.jpg")
    await say(mrt, "bank_p", "", "bank", kind=K.IMAGE, data=b"not an image", filename="x.jpg")
    assert bank_delivery(mrt) == (None, None)


async def test_article_with_tracking_parameters_is_the_forward(mrt: Runtime) -> None:
    card = LinkCard(url=SHARED, title="转发：别信客服退款")  # the title was edited
    await say(mrt, "bank_p", "", "bank", kind=K.LINK, link=card)
    assert bank_delivery(mrt)[1] == "forward"


async def test_another_article_is_not_but_same_title_is(mrt: Runtime) -> None:
    other = SHARED.replace("sn=0a1b2c3d4e5f", "sn=ffffffffffff")
    await say(mrt, "bank_p", "", "bank", kind=K.LINK, link=LinkCard(other, "另一篇文章"))
    assert bank_delivery(mrt) == (None, None)
    # A 视频号 or mini-program card has no stable URL: its title is what identifies it.
    card = LinkCard(url="", title="警惕！冒充客服退款新套路 ")
    await say(mrt, "bank_p", "", "bank", kind=K.LINK, link=card)
    assert bank_delivery(mrt)[1] == "forward"


async def test_letter_by_content_hash(mrt: Runtime) -> None:
    await say(mrt, "bank_p", "", "bank", kind=K.FILE, data=LETTER + b"x", filename="告家长书.pdf")
    assert bank_delivery(mrt) == (None, None)
    await say(mrt, "bank_p", "", "bank", kind=K.FILE, data=LETTER, filename="家长信.pdf")
    assert bank_delivery(mrt)[1] == "forward"


async def test_households_images_are_not_forwards(mrt: Runtime) -> None:
    shot = as_wechat_sends(poster(1))
    await say(mrt, "bank_h0", "", "bank", kind=K.IMAGE, data=shot, filename="wx.jpg")
    assert bank_delivery(mrt) == (None, None)


def test_canonical_links() -> None:
    ours = "https://mp.weixin.qq.com/s?__biz=MzA5NjQ1MDM2Mw==&mid=2651234567&idx=1&sn=0a1b2c3d4e5f"
    assert canonical_link(ours) == canonical_link(SHARED)
    assert canonical_link(ours.replace("idx=1", "idx=2")) != canonical_link(SHARED)
    short = "https://mp.weixin.qq.com/s/AbCdEf123?scene=1&from=timeline"
    assert canonical_link(short) == canonical_link("https://mp.weixin.qq.com/s/AbCdEf123")
    page = "https://www.gov.cn/fz/a.html?id=3&utm_source=wechat&spm=1.2"
    assert canonical_link(page) == canonical_link("https://WWW.gov.cn/fz/a.html?id=3")
    assert canonical_link(page) != canonical_link("https://www.gov.cn/fz/a.html?id=4")


def test_perceptual_hash_margins_on_twenty_posters() -> None:
    """Same poster after WeChat: ≤ 2 bits; two different posters: ≥ 12 (threshold 6)."""
    originals = [poster(seed) for seed in range(20)]
    hashes = [imagehash.phash(p) for p in originals]
    same = [
        hashes[i] - imagehash.phash(Image.open(io.BytesIO(as_wechat_sends(p, w, q))))
        for i, p in enumerate(originals)
        for w, q in ((240, 40), (360, 50), (540, 70), (1080, 85))
    ]
    different = [a - b for a, b in itertools.combinations(hashes, 2)]
    assert max(same) <= 2 < IMAGE_MAX_DISTANCE < 12 <= min(different)
