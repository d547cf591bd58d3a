"""The dashboard under hostile or broken input: redirects, exports, uploads, odd requests.

Same real aiohttp app over the small town's SQLite file as tests/test_web_api.py.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from typing import Any
from urllib.parse import unquote

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from openpyxl import load_workbook

from bot.clock import SimClock
from bot.config import Config
from bot.domain.model import Org
from bot.formats.rosterfile import read_roster
from bot.formats.xlsx import escape_cell, unescape_cell
from bot.runtime import Runtime, build
from bot.web import create_web_app
from tests.conftest import small_town
from tests.webclient import (
    CHINESE,
    ITERATIONS,
    PASSWORD,
    PNG,
    hidden,
    login,
    web_config,
)

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


# -- login next= ------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", BAD_NEXT)
async def test_login_next_accepts_only_same_site_paths(
    client: TestClient[Any, Any], raw: str
) -> None:
    client.session.cookie_jar.clear()
    resp = await client.get(f"/login?next={raw}")
    assert resp.status == 200
    page = await resp.text()
    assert hidden(page, "next") == "/"
    # The form posts the value back as typed: the server must not trust it either.
    resp = await client.post(
        "/login",
        data={
            "username": "zhang",
            "password": PASSWORD,
            "csrf": hidden(page, "csrf"),
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
WEBP = bytes.fromhex("524946461a000000574542505650384c0d0000002f00000010071011118888fe0700")
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


# -- no 500s: every route with broken input ---------------------------------------------------

HUGE = "99999999999999999999999"
JUNK_QUERIES = (
    "",
    f"?since={HUGE}&period=%00&q=%FF%FE&unit=%0A&next=/%09/evil.example",
    "?since=-1&since=abc&period=year&q=" + "%E6%9D%8E" * 300,
)
BOUNDARY = "fanzhaBoundary"


def _multipart(filename: str, data: bytes) -> bytes:
    return (
        (
            f"--{BOUNDARY}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
BAD_BODIES: tuple[tuple[str, bytes], ...] = (
    ("application/json", b"{"),
    ("application/json", b"[" * 100_000 + b"]" * 100_000),
    ("application/json", b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
    ("application/json", b"\xff\xfe\x00{"),
    ("application/json", b"[]"),
    ("application/json", b'"text"'),
    ("application/json", b'{"content_id": 1e999, "scope": "x", "token": [], "chat": {}}'),
    (
        "application/json",
        f'{{"content_id": {HUGE}, "deadline": "9999-12-31T23:59-12:00"}}'.encode(),
    ),
    ("application/json", b'{"deadline": "0001-01-01T00:00+14:00", "body": "x"}'),
    ("application/json", '{"deadline": "9999-12-31T23:59-12:00", "body": "反诈"}'.encode()),
    ("text/plain", b"hello"),
    ("application/xml", b"<a/>"),
    ("multipart/form-data", b"no boundary at all"),
    (MULTIPART, b"garbage without any boundary line"),
    (MULTIPART, f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"'.encode()),
    (
        MULTIPART,
        _multipart("名册.csv", "姓名,角色,村/单位,微信号,所在群\r张三,办公室,,zs,cmd\r".encode()),
    ),
    (MULTIPART, _multipart("名册.xlsx", b"PK\x03\x04 not really a zip")),
    (MULTIPART, _multipart("a.csv", b"\x00\xff" * 100)),
    ("application/x-www-form-urlencoded", b"csrf=%ZZ&token=%FF&scope=%E6&deadline=\xff"),
)


def _concrete_paths(resource: Any) -> list[str]:
    info = resource.get_info()
    if "formatter" in info:
        names = re.findall(r"{(\w+)}", info["formatter"])
        return [info["formatter"].format(**dict.fromkeys(names, v)) for v in ("0", "1", HUGE)]
    if "prefix" in info:
        return [info["prefix"] + p for p in ("/app.css", "/%2e%2e/%2e%2e/etc/passwd", "/nope")]
    return [info["path"]]


async def _check(
    c: TestClient[Any, Any], method: str, url: str, problems: list[str], **kw: Any
) -> None:
    async with c.request(method, url, allow_redirects=False, **kw) as resp:
        what = f"{method} {url[:80]} {kw.get('headers', {}).get('Content-Type', '')}"
        if resp.headers.get("Content-Type", "").startswith("text/event-stream"):
            return  # the console stream: an endless 200
        body = "" if method == "HEAD" else await resp.text(errors="replace")
        if resp.status >= 500:
            problems.append(f"{what} → {resp.status}")
        elif resp.status >= 400 and method != "HEAD" and not CHINESE.search(body):
            problems.append(f"{what} → {resp.status} 没有中文说明：{body[:80]!r}")
        if "Traceback" in body:
            problems.append(f"{what} → 页面含 Traceback")


async def test_every_route_answers_broken_input_without_a_500(
    client: TestClient[Any, Any], rt: Runtime
) -> None:
    csrf = await login(client, "zhang")
    office = rt.app.org.member("office")
    assert office is not None
    rt.app.create_push("测试", "反诈测试正文，请注意防范。", office, rt.app.clock.now())
    problems: list[str] = []
    routes = list(client.app.router.routes())
    assert len(routes) > 30
    for route in routes:
        for path in _concrete_paths(route.resource):
            if route.method in ("GET", "HEAD"):
                for query in JUNK_QUERIES:
                    await _check(client, route.method, path + query, problems)
                continue
            for content_type, body in BAD_BODIES:
                for token in (csrf, None):
                    headers = {"Content-Type": content_type}
                    if token:
                        headers["X-CSRF-Token"] = token
                    await _check(client, route.method, path, problems, data=body, headers=headers)
                    if route.resource.canonical == "/logout":
                        csrf = await login(client, "zhang")
    assert not problems, "\n".join(problems)


async def test_huge_ids_are_404_and_broken_bodies_400_in_chinese(
    client: TestClient[Any, Any],
) -> None:
    csrf = await login(client, "zhang")
    for path in (f"/pushes/{HUGE}", f"/api/pushes/{HUGE}", f"/evidence/{HUGE}/0"):
        resp = await client.get(path)
        assert resp.status == 404, path
        assert "找不到编号为" in await resp.text()
    headers = {"X-CSRF-Token": csrf, "Content-Type": "application/json"}
    resp = await client.post("/api/pushes", data=b"[" * 100_000, headers=headers)
    assert resp.status == 400 and "嵌套" in (await resp.json())["error"]
    resp = await client.post("/api/console/send", data=b"{", headers=headers)
    assert resp.status == 400 and "JSON" in (await resp.json())["error"]
    resp = await client.post(
        "/api/roster/preview",
        data=_multipart("名册.csv", "姓名,角色\r张三,办公室\r".encode()),
        headers={"X-CSRF-Token": csrf, "Content-Type": MULTIPART},
    )
    # CR-only line endings parse (old Mac Excel); what is wrong is named row by row.
    body = await resp.json()
    assert resp.status == 400 and body["filename"] == "名册.csv" and not body["ok"]
    assert any("缺少" in err and "名册.csv" in err for err in body["errors"]), body["errors"]
    resp = await client.post(
        "/roster/preview", data=b"x", headers={"Content-Type": "multipart/form-data"}
    )
    assert resp.status == 400 and "表单数据格式不正确" in await resp.text()


async def test_an_unexpected_error_is_a_chinese_500_without_traceback(
    rt: Runtime, config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(request: web.Request) -> web.StreamResponse:
        raise RuntimeError("secret internals")

    app = create_web_app(rt, web_config(config), hash_iterations=ITERATIONS)
    app.router.add_get("/broken", broken)
    app.router.add_get("/api/broken", broken)
    async with TestClient(TestServer(app)) as c:
        await login(c, "zhang")
        for path in ("/broken", "/api/broken"):
            resp = await c.get(path)
            assert resp.status == 500
            body = await resp.text()
            assert "服务器内部错误" in body
            assert "secret internals" not in body and "Traceback" not in body
    assert "secret internals" in caplog.text  # the operator's log keeps the cause


# -- sessions: Secure behind a TLS proxy, logout survives a restart -------------------------------


# -- 总览 paging ---------------------------------------------------------------------------------
