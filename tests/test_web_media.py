"""素材库 media on the dashboard: posters and the link card shown, a new item with a poster
uploaded (CSRF, validation), and the running bot pushes it at once."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from bot.config import Config
from bot.domain.model import MessageKind
from bot.runtime import Runtime
from tests.conftest import make_config
from tests.media_library import with_library, write_library
from tests.posters import poster
from tests.webclient import login


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """The test config over a media library in the temp folder."""
    return with_library(make_config(tmp_path), write_library(tmp_path / "content"))


def png(seed: int) -> bytes:
    out = io.BytesIO()
    poster(seed).resize((150, 267)).save(out, "PNG")
    return out.getvalue()


def upload_form(csrf: str | None, data: bytes, **fields: str) -> aiohttp.FormData:
    form = aiohttp.FormData()
    if csrf is not None:
        form.add_field("csrf", csrf)
    for key, value in {"title": "新海报", "fraud_types": "刷单返利，网络贷款", **fields}.items():
        form.add_field(key, value)
    form.add_field("body", fields.get("body", "新海报正文：凡是先交钱的贷款都是诈骗。"))
    form.add_field("poster", data, filename="新海报.png", content_type="image/png")
    return form


async def test_item_page_shows_poster_and_card(client: TestClient[Any, Any]) -> None:
    await login(client, "zhang")
    page = await (await client.get("/content/1")).text()
    assert 'src="/content/1/media/1"' in page
    assert "警惕！冒充客服退款新套路" in page and "letters/告家长书.pdf" in page
    image = await client.get("/content/1/media/1")
    assert image.status == 200 and image.headers["Content-Type"] == "image/png"
    assert (await client.get("/content/1/media/2")).status == 404
    listing = await (await client.get("/content")).text()
    assert 'src="/content/2/media/1"' in listing


async def test_upload_adds_an_item_the_bot_pushes(
    client: TestClient[Any, Any], rt: Runtime, config: Config
) -> None:
    csrf = await login(client, "zhang")
    page = await (await client.get("/content")).text()
    assert 'enctype="multipart/form-data"' in page
    refused = await client.post("/content/new", data=upload_form(None, png(5)))
    assert refused.status == 403
    bad = await client.post("/content/new", data=upload_form(csrf, b"GIF? no"))
    assert bad.status == 400 and "海报应为 PNG" in await bad.text()
    empty = await client.post("/content/new", data=upload_form(csrf, png(5), title=""))
    assert empty.status == 400 and "请填写标题和正文" in await empty.text()

    done = await client.post("/content/new", data=upload_form(csrf, png(5)))
    assert done.status == 200 and str(done.url).endswith("/content/4")
    assert "新海报" in await done.text()
    folder = Path(config.bot.content_dir)
    md = (folder / "004-upload.md").read_text("utf-8")
    assert re.search(r'media = \["posters/upload-4-[0-9a-f]{8}\.png"\]', md)
    assert rt.app.library[-1].fraud_types == ("刷单返利", "网络贷款")

    # The running bot knows the new item at once (its outbox shows what 推送 queued; the
    # running sender sends it, and the client fixture reads those lines).
    assert rt.simulator is not None
    await rt.app.handle(rt.simulator.message("office", "推送 素材4", "cmd"))
    rows = [r for r in rt.store.outbox() if r.push_id == 1 or r.text.startswith("【第1期】")]
    assert [r.kind for r in rows] == [MessageKind.TEXT, MessageKind.IMAGE]
    assert rows[1].path is not None and rows[1].path.endswith(".png")


async def test_supervisors_cannot_upload(client: TestClient[Any, Any]) -> None:
    csrf = await login(client, "li_sup")
    resp = await client.post("/content/new", data=upload_form(csrf, png(5)))
    assert resp.status == 403
