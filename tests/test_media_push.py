"""A push of a library item with media: text, then poster, letter and article card, in
order, paced, once each; check-config checks the media files."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import SimClock
from bot.config import Config
from bot.domain.model import MessageKind
from bot.formats.content import load_library, missing_media
from bot.runtime import Runtime, build
from tests.chat import advance, say
from tests.conftest import small_town
from tests.media_library import ARTICLE, with_library, write_library

K = MessageKind


@pytest.fixture
async def mrt(config: Config, clock: SimClock, tmp_path: Path) -> AsyncIterator[Runtime]:
    """The small town with the media library."""
    folder = write_library(tmp_path / "content")
    runtime = build(with_library(config, folder), clock, org=small_town())
    yield runtime
    runtime.store.close()
    assert runtime.simulator is not None
    assert runtime.simulator.unread == []


async def test_media_push_relays_text_then_parts_in_order_paced_once(
    mrt: Runtime, clock: SimClock
) -> None:
    sent = await say(mrt, "office", "推送 素材1", "cmd")
    # The announcement carries the media too: pushers of forward-mode groups forward them.
    assert [(s.conversation, s.kind) for s in sent] == [
        ("cmd", K.TEXT),
        ("cmd", K.IMAGE),
        ("cmd", K.FILE),
        ("cmd", K.LINK),
    ]
    advance(clock, 5)
    sent = await say(mrt, "lj_p1", "收到", "cmd")
    by_group = {g: [s for s in sent if s.conversation == g] for g in ("lj", "lj1")}
    assert set(by_group) == {s.conversation for s in sent}
    for lines in by_group.values():
        assert [s.kind for s in lines] == [K.TEXT, K.IMAGE, K.FILE, K.LINK]
        assert "冒充“客服”" in lines[0].text
        assert lines[1].path is not None and lines[1].path.endswith("posters/kefu.png")
        assert lines[2].path is not None and lines[2].path.endswith("告家长书.pdf")
        assert lines[3].text == f"警惕！冒充客服退款新套路\n{ARTICLE}"
        # The per-group gap (1 s in tests) holds between the parts of one group.
        gaps = [(b.at - a.at).total_seconds() for a, b in itertools.pairwise(lines)]
        assert min(gaps) >= mrt.app.config.sender.group_gap_seconds
    # The delivery is the text's send, not the last part's.
    deliveries = {d.group_id: d for d in mrt.store.deliveries(1)}
    assert deliveries["lj"].delivered_at == by_group["lj"][0].at
    assert deliveries["lj1"].delivered_at == by_group["lj1"][0].at

    # Planning again (a restart, a second 收到) queues nothing twice.
    mrt.app.chat.relays.resume(mrt.app.context(clock.now()))
    assert await say(mrt, "lj_p1", "收到", "cmd") == []
    keys = [r.id for r in mrt.store.outbox()]
    assert len(keys) == 12  # announce + 2 relays, 4 parts each
    assert sum(1 for r in mrt.store.outbox() if r.kind is K.LINK and r.link) == 3


async def test_text_only_item_sends_text_only(mrt: Runtime, clock: SimClock) -> None:
    sent = await say(mrt, "office", "推送 素材3", "cmd")
    assert [s.kind for s in sent] == [K.TEXT]
    sent = await say(mrt, "wj_p", "收到", "cmd")
    assert [(s.conversation, s.kind) for s in sent] == [("wj", K.TEXT)]


async def test_a_failed_text_holds_its_parts_until_it_goes_out(
    mrt: Runtime, clock: SimClock
) -> None:
    await say(mrt, "office", "推送 素材1", "cmd")
    assert mrt.simulator is not None
    mrt.simulator.fail_next(1)  # 王家村's text fails once
    assert await say(mrt, "wj_p", "收到", "cmd") == []
    assert mrt.store.deliveries(1)[-1].delivered_at is None
    advance(clock, 5)  # past the retry time
    await mrt.app.settle()
    sent = mrt.simulator.pop_sent()
    assert [(s.conversation, s.kind) for s in sent] == [
        ("wj", K.TEXT),
        ("wj", K.IMAGE),
        ("wj", K.FILE),
        ("wj", K.LINK),
    ]


async def test_withdrawal_cancels_unsent_parts(mrt: Runtime, clock: SimClock) -> None:
    await say(mrt, "office", "推送 素材1", "cmd")
    mrt.app.chat.relays.ready(mrt.app.context(clock.now()), 1)  # nothing ready yet
    assert mrt.simulator is not None
    mrt.simulator.fail_next(1)  # 王家村's text fails once, so its parts wait too
    await say(mrt, "wj_p", "收到", "cmd")
    sent = await say(mrt, "office", "撤回", "cmd")
    assert any("撤回" in s.text for s in sent)
    assert all(r.status != "pending" for r in mrt.store.outbox())


def test_check_config_names_missing_and_oversized_media(tmp_path: Path) -> None:
    folder = write_library(tmp_path / "content")
    assert missing_media(folder, load_library(folder)) == []
    (folder / "letters" / "告家长书.pdf").unlink()
    big = folder / "posters" / "shuadan.png"
    big.write_bytes(b"\0" * (10 * 1024 * 1024 + 1))
    problems = missing_media(folder, load_library(folder))
    assert any("素材1" in p and "字段 files" in p and "告家长书.pdf 不存在" in p for p in problems)
    assert any("素材2" in p and "字段 media" in p and "太大" in p for p in problems)
    assert len(problems) == 2


def test_bad_link_table_is_named(tmp_path: Path) -> None:
    from bot.formats.content import ContentError, parse_item

    head = '+++\nid = 1\ntitle = "t"\nfraud_types = []\naudiences = []\n'
    with pytest.raises(ContentError) as bad:
        parse_item(head + 'link = { url = "ftp://x", titel = "y" }\n+++\n正文', "a.md")
    text = str(bad.value)
    assert "link 的有未知字段 titel" in text
    assert "link 的缺少必填字段 title" in text
    with pytest.raises(ContentError) as bad:
        parse_item(head + 'link = "https://x"\nvideo = 3\n+++\n正文', "a.md")
    assert "字段 link 应为表" in str(bad.value) and "字段 video 的类型应为字符串" in str(bad.value)
