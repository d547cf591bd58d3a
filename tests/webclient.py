"""Shared by the dashboard tests: the test users and logging in (the `client` fixture that
serves the dashboard is in conftest.py)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient

from bot.config import Config, WebUser
from bot.web.auth import hash_password

ITERATIONS = 1000  # fast hashes in tests; the format carries the count


PASSWORD = "fanzha-test-1"


USERS = (
    WebUser("zhang", "office", hash_password(PASSWORD, ITERATIONS)),
    WebUser("liu", "leader", hash_password(PASSWORD, ITERATIONS)),
    WebUser("li_sup", "supervisor", hash_password(PASSWORD, ITERATIONS), "李家村"),
)


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf000001010100a2a8c4ab0000000049454e44ae426082"
)


def web_config(config: Config) -> Config:
    """The test config with three dashboard users and a fixed secret."""
    return replace(config, web=replace(config.web, users=USERS, secret="test-secret"))


async def login(c: TestClient[Any, Any], name: str, password: str = PASSWORD) -> str:
    """Log in through the form (as a fresh browser); returns the session's CSRF token."""
    c.session.cookie_jar.clear()
    page = await (await c.get("/login")).text()
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    resp = await c.post(
        "/login",
        data={"username": name, "password": password, "csrf": token.group(1), "next": "/"},
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()
    me = await (await c.get("/api/me")).json()
    assert me["name"] == name
    return str(me["csrf"])


async def post_json(
    c: TestClient[Any, Any], path: str, body: dict[str, Any], csrf: str | None
) -> aiohttp.ClientResponse:
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    return await c.post(path, json=body, headers=headers)


CHINESE = re.compile(r"[\u4e00-\u9fff]")


def hidden(page: str, name: str) -> str:
    """The value of a hidden form field in a page."""
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found is not None, page
    return found.group(1)
