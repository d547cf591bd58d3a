"""The dashboard under hostile or broken input: redirects, exports, uploads, odd requests.

Same real aiohttp app over the small town's SQLite file as tests/test_web_api.py.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import unquote

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Config
from bot.runtime import Runtime
from bot.web import create_web_app
from tests.test_web_api import ITERATIONS, PASSWORD, login, web_config

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
