"""The dashboard under hostile or broken input: redirects, exports, uploads, odd requests.

Same real aiohttp app over the small town's SQLite file as tests/test_web_api.py.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any
from urllib.parse import unquote

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from openpyxl import load_workbook

from bot.clock import SimClock
from bot.config import Config
from bot.core.model import Org
from bot.runtime import Runtime, build
from bot.web import create_web_app
from bot.web.exports import escape_cell, unescape_cell
from bot.web.rosterfile import read_roster
from tests.conftest import small_town
from tests.test_web_api import ITERATIONS, PASSWORD, PNG, login, web_config

BAD_NEXT = (
    "/%09/evil.example",
    "/%0A/evil.example",
    "/%0D%0ALocation:%20https://evil.example",
    "//evil.example",
    "/%5Cevil.example",
    "/%5C/evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "evil.example",
    "%09//evil.example",
)


@pytest.fixture
async def client(rt: Runtime, config: Config) -> AsyncIterator[TestClient[Any, Any]]:
    """A test client of the dashboard over the running sandbox app."""
    await rt.app.start()
    app = create_web_app(rt, web_config(config), hash_iterations=ITERATIONS)
    async with TestClient(TestServer(app)) as c:
        yield c
    await rt.app.stop()


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found is not None, page
    return found.group(1)


# -- login next= ------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", BAD_NEXT)
async def test_login_next_accepts_only_same_site_paths(
    client: TestClient[Any, Any], raw: str
) -> None:
    client.session.cookie_jar.clear()
    resp = await client.get(f"/login?next={raw}")
    assert resp.status == 200
    page = await resp.text()
    assert _hidden(page, "next") == "/"
    # The form posts the value back as typed: the server must not trust it either.
    resp = await client.post(
        "/login",
        data={
            "username": "zhang",
            "password": PASSWORD,
            "csrf": _hidden(page, "csrf"),
            "next": raw.replace("%09", "\t").replace("%0A", "\n").replace("%5C", "\\"),
        },
        allow_redirects=False,
    )
    assert resp.status == 303
    assert resp.headers["Location"] == "/"
    # Already logged in: /login?next=… redirects straight away, to "/" only.
    resp = await client.get(f"/login?next={raw}", allow_redirects=False)
    assert resp.status == 302
    assert resp.headers["Location"] == "/"


async def test_login_next_keeps_a_same_site_path(client: TestClient[Any, Any]) -> None:
    await login(client, "zhang")
    resp = await client.get("/login?next=/roster%3Fq%3D%E6%9D%8E", allow_redirects=False)
    assert resp.status == 302
    assert unquote(resp.headers["Location"]) == "/roster?q=李"


# -- exports: formula injection ---------------------------------------------------------------

HOSTILE_UNIT = '=HYPERLINK("http://evil.example","王家村")'
HOSTILE_NAME = "@SUM(1+1)"


def hostile_town() -> Org:
    """The small town with 王家村 renamed to a formula and a household named like one."""
    town = small_town()
    groups = tuple(replace(g, unit=HOSTILE_UNIT) if g.unit == "王家村" else g for g in town.groups)
    members = tuple(
        replace(m, unit=HOSTILE_UNIT, name=HOSTILE_NAME if m.wechat == "wj_h0" else m.name)
        if m.unit == "王家村"
        else m
        for m in town.members
    )
    return replace(town, groups=groups, members=members)


def _texts(data: bytes) -> list[Any]:
    book = load_workbook(io.BytesIO(data))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "导出文件里不应有公式"
    return [c.value for c in cells if isinstance(c.value, str)]


async def test_exports_write_formula_like_names_as_text(config: Config, clock: SimClock) -> None:
    rt = build(config, clock, org=hostile_town())
    await rt.app.start()
    office = rt.app.org.member("office")
    assert office is not None
    push = rt.app.create_push("测试", "反诈测试正文，请注意防范。", office, clock.now())
    app = create_web_app(rt, web_config(config), hash_iterations=ITERATIONS)
    try:
        async with TestClient(TestServer(app)) as c:
            await login(c, "zhang")
            exports = {}
            for path in (
                "/api/roster.xlsx",
                f"/api/pushes/{push.id}/coverage.xlsx",
                "/api/ranking.xlsx?period=day",
            ):
                resp = await c.get(path)
                assert resp.status == 200, path
                exports[path] = await resp.read()
    finally:
        await rt.app.stop()
        rt.store.close()
    for path, data in exports.items():
        texts = _texts(data)
        assert "'" + HOSTILE_UNIT in texts, path
        assert not [t for t in texts if t.startswith(("=", "+", "-", "@", "\t", "\r"))], path
    assert "'" + HOSTILE_NAME in _texts(exports["/api/roster.xlsx"])
    # The escaped roster still imports back as the same roster.
    again = read_roster("roster.xlsx", exports["/api/roster.xlsx"], hostile_town())
    assert again.ok, again.errors
    assert again.org is not None and again.org.members == hostile_town().members


def test_escape_cell_only_touches_formula_starts() -> None:
    for text in ("=1+1", "+86", "-3", "@A1", "\tx", "\rx"):
        assert escape_cell(text) == "'" + text
        assert unescape_cell(escape_cell(text)) == text
    for text in ("李家村", "'quoted", "1-2", ""):
        assert escape_cell(text) == text
        assert unescape_cell(text) == text


# -- evidence files ----------------------------------------------------------------------------

GIF = bytes.fromhex(
    "47494638396101000100800000ffffff00000021f90401000000002c00000000010001000002024401003b"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
WEBP = bytes.fromhex(
    "524946461a000000574542505650384c0d0000002f00000010071011118888fe0700"
)
HTML = b"<html><script>alert(document.cookie)</script></html>"


async def test_evidence_is_inline_only_when_the_bytes_are_an_image(
    client: TestClient[Any, Any], rt: Runtime
) -> None:
    csrf = await login(client, "zhang")
    office = rt.app.org.member("office")
    assert office is not None
    uploads = [
        ("截图.png", PNG, "image/png"),
        ("截图.png", GIF, "image/gif"),  # the bytes decide, not the name
        ("截图.jpg", JPEG, "image/jpeg"),
        ("截图.webp", WEBP, "image/webp"),
        ("截图.png", HTML, None),
        ("截图.gif", b"GIF8", None),  # too short to be a GIF
    ]
    for name, data, kind in uploads:
        # One screenshot counts per push and group: each upload gets its own push.
        push = rt.app.create_push(
            "测试", f"反诈测试正文{name}{kind}。", office, rt.app.clock.now()
        )
        form = aiohttp.FormData()
        form.add_field("chat", "private:school_p")
        form.add_field("sender", "school_p")
        form.add_field("image", data, filename=name, content_type="image/png")
        resp = await client.post("/api/console/send", data=form, headers={"X-CSRF-Token": csrf})
        assert resp.status == 200, await resp.text()
        assert len(rt.store.evidence(push.id)) == 1
        resp = await client.get(f"/evidence/{push.id}/0")
        assert resp.status == 200
        assert await resp.read() == data
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        disposition = resp.headers["Content-Disposition"]
        if kind is None:
            assert resp.headers["Content-Type"] == "application/octet-stream"
            assert disposition.startswith("attachment")
        else:
            assert resp.headers["Content-Type"] == kind
            assert disposition == "inline"
