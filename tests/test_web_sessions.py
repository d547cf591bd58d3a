"""Dashboard logins and sessions: cookies, logout, throttling, CSRF, TLS proxies, restarts."""

from __future__ import annotations

import io
import logging
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.__main__ import main
from bot.clock import SimClock
from bot.config import Config, ConfigError, load_config
from bot.runtime import Runtime, build
from bot.web import create_web_app
from bot.web.auth import LoginLimiter, SessionCodec, hash_password, verify_password
from tests.conftest import small_town
from tests.webclient import (
    ITERATIONS,
    PASSWORD,
    hidden,
    login,
    post_json,
    web_config,
)


async def test_login_cookie_is_httponly_strict_and_signed(
    client: TestClient[Any, Any], rt: Runtime
) -> None:
    page = await (await client.get("/login")).text()
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    resp = await client.post(
        "/login",
        data={"username": "zhang", "password": PASSWORD, "csrf": token.group(1)},
        allow_redirects=False,
    )
    cookie = next(v for v in resp.headers.getall("Set-Cookie") if v.startswith("fanzha_session="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert (await client.get("/api/me")).status == 200
    # A tampered cookie is no session.
    value = cookie.split(";")[0].split("=", 1)[1]
    forged = value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB")
    client.session.cookie_jar.clear()
    resp = await client.get("/api/me", headers={"Cookie": f"fanzha_session={forged}"})
    assert resp.status == 401
    resp = await client.get("/api/me", headers={"Cookie": f"fanzha_session={value}"})
    assert resp.status == 200
    actions = [a for _, _, a, _ in rt.store.audit_log()]
    assert "网页登录" in actions


async def test_logout_ends_the_session(client: TestClient[Any, Any]) -> None:
    csrf = await login(client, "zhang")
    old = client.session.cookie_jar.filter_cookies(client.make_url("/"))["fanzha_session"].value
    resp = await client.post("/logout", data={"csrf": csrf}, allow_redirects=False)
    assert resp.status == 303
    resp = await client.get("/api/me", headers={"Cookie": f"fanzha_session={old}"})
    assert resp.status == 401


async def test_failed_logins_are_rate_limited_and_logged(
    client: TestClient[Any, Any], rt: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    page = await (await client.get("/login")).text()
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match is not None
    token = match.group(1)

    async def attempt(name: str, password: str) -> int:
        resp = await client.post(
            "/login",
            data={"username": name, "password": password, "csrf": token},
            allow_redirects=False,
        )
        return resp.status

    with caplog.at_level(logging.WARNING, logger="bot.web"):
        assert [await attempt("zhang", "wrong") for _ in range(5)] == [401] * 5
        assert await attempt("zhang", PASSWORD) == 429  # right password, but throttled
    assert "登录失败" in caplog.text and "zhang" in caplog.text
    assert await attempt("liu", PASSWORD) == 303  # another user from the same address
    failures = [d for _, actor, a, d in rt.store.audit_log() if a == "网页登录失败"]
    assert len(failures) == 5


def test_login_limiter_forgets_after_window() -> None:
    now = [0.0]
    limiter = LoginLimiter(max_failures=2, window_seconds=60, clock=lambda: now[0])
    limiter.failed("1.2.3.4", "a")
    limiter.failed("1.2.3.4", "a")
    assert limiter.retry_after("1.2.3.4", "a") == 60
    assert limiter.retry_after("1.2.3.4", "b") == 0
    now[0] = 61
    assert limiter.retry_after("1.2.3.4", "a") == 0


async def test_posts_without_csrf_token_are_refused(
    client: TestClient[Any, Any], rt: Runtime
) -> None:
    csrf = await login(client, "zhang")
    for token in (None, "forged"):
        resp = await post_json(client, "/api/pushes", {"content_id": 1}, token)
        assert resp.status == 403
        assert "CSRF" in (await resp.json())["error"]
    resp = await client.post("/content/1/push", data={"deadline": ""}, allow_redirects=False)
    assert resp.status == 403
    assert rt.store.latest_push() is None
    resp = await post_json(client, "/api/pushes", {"content_id": 1}, csrf)
    assert resp.status == 201
    # The login form itself needs its token (a double-submit cookie) too.
    client.session.cookie_jar.clear()
    resp = await client.post("/login", data={"username": "zhang", "password": PASSWORD})
    assert resp.status == 403


def test_password_hash_format_and_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    encoded = hash_password("正确的密码", 1000)
    scheme, iterations, _, _ = encoded.split("$")
    assert (scheme, iterations) == ("pbkdf2_sha256", "1000")
    assert verify_password("正确的密码", encoded)
    assert not verify_password("错误的密码", encoded)
    assert not verify_password("x", "md5$1$a$b") and not verify_password("x", "garbage")
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert main(["hash-password", "--iterations", "1000"]) == 0
    printed = capsys.readouterr().out.strip()
    assert verify_password("a-long-password", printed)


def test_session_codec_expires() -> None:
    now = [1000.0]
    codec = SessionCodec(b"k", clock=lambda: now[0])
    cookie, session = codec.issue("张主任")
    assert codec.read(cookie) == session
    assert codec.check_csrf(session, codec.csrf_token(session))
    assert SessionCodec(b"other").read(cookie) is None
    now[0] += 13 * 3600
    assert codec.read(cookie) is None


def _session_cookie(resp: aiohttp.ClientResponse) -> str:
    return next(v for v in resp.headers.getall("Set-Cookie") if v.startswith("fanzha_session="))


async def _form_login(c: TestClient[Any, Any], headers: dict[str, str]) -> aiohttp.ClientResponse:
    c.session.cookie_jar.clear()
    resp = await c.get("/login", headers=headers)
    page = await resp.text()
    # Sent by hand: the test client talks plain HTTP and would hold back a Secure cookie.
    token = resp.cookies["fanzha_login_csrf"].value
    return await c.post(
        "/login",
        data={"username": "zhang", "password": PASSWORD, "csrf": hidden(page, "csrf")},
        headers={**headers, "Cookie": f"fanzha_login_csrf={token}"},
        allow_redirects=False,
    )


@pytest.mark.parametrize(
    ("trust_proxy", "proto", "secure"),
    [(False, "https", False), (True, "https", True), (True, "", False), (True, "http", False)],
)
async def test_session_cookie_is_secure_only_behind_a_trusted_tls_proxy(
    rt: Runtime, config: Config, trust_proxy: bool, proto: str, secure: bool
) -> None:
    cfg = web_config(config)
    cfg = replace(cfg, web=replace(cfg.web, trust_proxy=trust_proxy))
    app = create_web_app(rt, cfg, hash_iterations=ITERATIONS)
    headers = {"X-Forwarded-Proto": proto, "X-Forwarded-For": "203.0.113.7"} if proto else {}
    async with TestClient(TestServer(app)) as c:
        resp = await _form_login(c, headers)
        assert resp.status == 303
        assert ("Secure" in _session_cookie(resp)) is secure
    audit = [d for _, _, a, d in rt.store.audit_log() if a == "网页登录"]
    assert audit == ["来自 203.0.113.7" if trust_proxy and proto else "来自 127.0.0.1"]


def test_trust_proxy_is_off_by_default_and_read_from_the_config(tmp_path: Path) -> None:
    assert load_config(None).web.trust_proxy is False
    path = tmp_path / "config.toml"
    path.write_text("[web]\ntrust_proxy = true\n", encoding="utf-8")
    assert load_config(path).web.trust_proxy is True
    path.write_text('[web]\ntrust_proxy = "yes"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"web\.trust_proxy"):
        load_config(path)


async def test_logout_revokes_a_copied_cookie_across_restarts(
    config: Config, clock: SimClock
) -> None:
    cfg = web_config(config)
    rt = build(cfg, clock, org=small_town())
    async with TestClient(TestServer(create_web_app(rt, cfg, hash_iterations=ITERATIONS))) as c:
        kept = _session_cookie(await _form_login(c, {})).split(";")[0]
        copied = _session_cookie(await _form_login(c, {})).split(";")[0]
        csrf = (await (await c.get("/api/me")).json())["csrf"]
        resp = await c.post("/logout", data={"csrf": csrf}, allow_redirects=False)
        assert resp.status == 303
        c.session.cookie_jar.clear()
        assert (await c.get("/api/me", headers={"Cookie": copied})).status == 401
    rt.store.close()

    # A new server process over the same store file, with the same secret.
    again = build(cfg, clock, org=small_town())
    try:
        app = create_web_app(again, cfg, hash_iterations=ITERATIONS)
        async with TestClient(TestServer(app)) as c:
            assert (await c.get("/api/me", headers={"Cookie": kept})).status == 200
            c.session.cookie_jar.clear()
            resp = await c.get("/api/me", headers={"Cookie": copied})
            assert resp.status == 401
            assert "未登录" in (await resp.json())["error"]
    finally:
        again.store.close()
