"""Replay lines with media: kind = image | link | video | file, with the fields they need."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli.replay import ReplayError, parse_events, replay
from bot.config import Config
from bot.domain.model import MessageKind
from tests.conftest import small_town
from tests.media_library import LETTER, with_library, write_library
from tests.posters import as_wechat_sends, poster

T = "2026-11-23T{}:00+08:00"
SHARED = (
    "https://mp.weixin.qq.com/s?__biz=MzA5NjQ1MDM2Mw==&mid=2651234567&idx=1&sn=0a1b2c3d4e5f"
    "&from=groupmessage&isappinstalled=0"
)


def write(tmp_path: Path, rows: list[dict[str, object]]) -> Path:
    p = tmp_path / "chat.jsonl"
    p.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    return p


async def test_replay_of_a_media_push_and_its_media_forwards(
    tmp_path: Path, config: Config
) -> None:
    (tmp_path / "wx.jpg").write_bytes(as_wechat_sends(poster(1)))
    (tmp_path / "letter.pdf").write_bytes(LETTER)
    rows: list[dict[str, object]] = [
        {"at": T.format("09:00"), "group": "cmd", "from": "office", "text": "推送 素材1"},
        {"at": T.format("09:05"), "group": "cmd", "from": "wj_p", "text": "收到"},
        {"at": T.format("09:06"), "group": "cmd", "from": "bank_p", "text": "收到"},
        {"at": T.format("09:10"), "group": "bank", "from": "bank_p", "kind": "link",
         "url": SHARED, "title": "警惕！冒充客服退款新套路"},
    ]  # fmt: skip
    events = parse_events(write(tmp_path, rows))
    assert events[3].kind is MessageKind.LINK and events[3].link is not None
    cfg = with_library(config, write_library(tmp_path / "content"))
    rt, printed = await replay(events, small_town(), cfg, tmp_path / "data")
    try:
        wj = [line for line in printed if "王家村村民群" in line]
        assert len(wj) == 4
        assert "[图片]" in wj[1] and "[文件]" in wj[2] and "警惕！冒充客服退款新套路" in wj[3]
        via = {d.group_id: d.via for d in rt.store.deliveries(1)}
        assert via["bank"] == "forward" and via["wj"] == "relay"
    finally:
        rt.store.close()


async def test_replay_image_and_file_forwards(tmp_path: Path, config: Config) -> None:
    (tmp_path / "wx.jpg").write_bytes(as_wechat_sends(poster(1), 360, 50))
    (tmp_path / "letter.pdf").write_bytes(LETTER)
    rows: list[dict[str, object]] = [
        {"at": T.format("09:00"), "group": "cmd", "from": "office", "text": "推送 素材1"},
        {"at": T.format("09:06"), "group": "cmd", "from": "bank_p", "text": "收到"},
        {"at": T.format("09:10"), "group": "bank", "from": "bank_p", "kind": "image",
         "file": "wx.jpg"},
    ]  # fmt: skip
    cfg = with_library(config, write_library(tmp_path / "content"))
    rt, _ = await replay(parse_events(write(tmp_path, rows)), small_town(), cfg, tmp_path / "d")
    try:
        assert {d.group_id: d.via for d in rt.store.deliveries(1)}["bank"] == "forward"
    finally:
        rt.store.close()
    rows[2] = {"at": T.format("09:10"), "group": "bank", "from": "bank_p", "kind": "video",
               "file": "letter.pdf"}  # fmt: skip
    events = parse_events(write(tmp_path, rows))
    assert events[2].kind is MessageKind.FILE and events[2].data == LETTER


def test_bad_media_lines_name_line_and_key(tmp_path: Path) -> None:
    at = T.format("09:00")
    rows: list[dict[str, object]] = [
        {"at": at, "from": "bank_p", "group": "bank", "kind": "link"},
        {"at": at, "from": "bank_p", "group": "bank", "kind": "link", "url": "ftp://x"},
        {"at": at, "from": "bank_p", "group": "bank", "kind": "video"},
        {"at": at, "from": "bank_p", "group": "bank", "kind": "image", "url": "https://x"},
        {"at": at, "from": "bank_p", "group": "bank", "kind": "sticker"},
        {"at": at, "from": "bank_p", "group": "bank", "kind": "link", "title": 3},
    ]
    with pytest.raises(ReplayError) as bad:
        parse_events(write(tmp_path, rows))
    text = str(bad.value)
    assert "第 1 行：kind = link 需要字段 url 或 title" in text
    assert "第 2 行：字段 url 的值 'ftp://x' 应以 https:// 或 http:// 开头" in text
    assert "第 3 行：kind = video 需要字段 file" in text
    assert "第 4 行：字段 url 只用于 kind = link" in text
    assert "第 5 行：字段 kind 的值 'sticker' 无效" in text
    assert "第 6 行：字段 title 应为字符串" in text
