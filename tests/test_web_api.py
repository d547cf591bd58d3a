"""The dashboard's HTTP surface: login, sessions, CSRF, roles, the JSON API and exports.

Runs the real aiohttp app on 127.0.0.1 (aiohttp's test server) over the small town's
SQLite file; the bot is the sandbox app, fed through the console API or App.handle().
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import socket
from collections.abc import AsyncIterator
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from openpyxl import load_workbook

from bot.__main__ import main
from bot.config import Config, ConfigError, WebUser
from bot.domain.model import MessageKind
from bot.formats.rosterfile import read_roster, roster_workbook
from bot.runtime import Runtime
from bot.web import create_web_app, start_web
from bot.web.auth import LoginLimiter, SessionCodec, hash_password, verify_password
from bot.web.context import CTX
from tests.conftest import small_town

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


@pytest.fixture
async def client(rt: Runtime, config: Config) -> AsyncIterator[TestClient[Any, Any]]:
    """A test client of the dashboard over the running sandbox app."""
    await rt.app.start()
    app = create_web_app(rt, web_config(config), hash_iterations=ITERATIONS)
    async with TestClient(TestServer(app)) as c:
        yield c
    await rt.app.stop()


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


async def test_without_session_api_is_401_and_pages_redirect(
    client: TestClient[Any, Any],
) -> None:
    for path in ("/api/pushes", "/api/roster", "/api/console/stream", "/api/pushes/1"):
        resp = await client.get(path)
        assert resp.status == 401
        assert "未登录" in (await resp.json())["error"]
    resp = await client.post("/api/pushes", json={"content_id": 1})
    assert resp.status == 401
    for path in ("/", "/roster", "/evidence/1/0", "/console", "/pushes/1"):
        resp = await client.get(path, allow_redirects=False)
        assert resp.status == 302
        assert resp.headers["Location"].startswith("/login?next=")
    login_page = await (await client.get("/login")).text()
    assert '<html lang="zh-CN">' in login_page and "登录" in login_page
    assert (await client.get("/static/app.css")).status == 200


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


async def test_push_from_library_via_api(client: TestClient[Any, Any], rt: Runtime) -> None:
    csrf = await login(client, "liu")
    resp = await post_json(
        client,
        "/api/pushes",
        {"content_id": 2, "scope": ["李家村", "王家村"], "deadline": "18:00"},
        csrf,
    )
    assert resp.status == 201
    push = await resp.json()
    assert push["scope"] == ["李家村", "王家村"]
    assert push["sign"]["text"] == "0/3（0.0%）"
    assert push["deadline_text"] == "2026-11-23 18:00"
    stored = rt.store.get_push(push["id"])
    assert stored is not None and stored.created_by == "web:liu" and stored.content_id == 2
    await rt.app.settle()
    (announce,) = rt.simulator.pop_sent()
    assert announce.conversation == "cmd" and set(announce.mentions) == {"lj_p1", "lj_p2", "wj_p"}
    assert ("liu", "推送") in [(actor, a) for _, actor, a, _ in rt.store.audit_log()]
    bad = await post_json(client, "/api/pushes", {"content_id": 1, "scope": ["张家村"]}, csrf)
    assert bad.status == 400 and "张家村" in (await bad.json())["error"]
    late = await post_json(client, "/api/pushes", {"content_id": 1, "deadline": "25:00"}, csrf)
    assert late.status == 400 and "截止时间" in (await late.json())["error"]
    missing = await post_json(client, "/api/pushes", {"content_id": 999}, csrf)
    assert missing.status == 404


async def test_supervisor_sees_only_own_unit(client: TestClient[Any, Any], rt: Runtime) -> None:
    office = rt.app.org.member("office")
    assert office is not None
    now = rt.app.clock.now()
    whole = rt.app.create_push("全镇推送", "全镇正文，注意防骗。", office, now)
    wang = rt.app.create_push("王家村推送", "王家村正文，注意防骗。", office, now, ["王家村"])
    await rt.app.settle()
    await login(client, "li_sup")
    pushes = (await (await client.get("/api/pushes")).json())["pushes"]
    assert [p["id"] for p in pushes] == [whole.id]
    assert [u["unit"] for u in pushes[0]["units"]] == ["李家村"]
    assert pushes[0]["sign"]["total"] == 2  # 李一 and 李二 only
    resp = await client.get(f"/api/pushes/{wang.id}")
    assert resp.status == 403 and "李家村" in (await resp.json())["error"]
    assert (await client.get(f"/pushes/{wang.id}")).status == 403
    detail = await (await client.get(f"/api/pushes/{whole.id}")).json()
    assert {m["unit"] for m in detail["unsigned"]} == {"李家村"}
    assert {g["unit"] for g in detail["groups"]} == {"李家村"}
    roster = await (await client.get("/api/roster")).json()
    assert {m["unit"] for m in roster["members"]} == {"李家村"}
    ranking = await (await client.get("/api/ranking?period=day")).json()
    assert [r["unit"] for r in ranking["rows"]] == ["李家村"] and ranking["units"] == 4
    assert (await client.get("/api/audit")).status == 403
    assert (await client.get("/api/console/chats")).status == 403
    coverage = await client.get(f"/api/pushes/{whole.id}/coverage.xlsx")
    sheet = load_workbook(io.BytesIO(await coverage.read()))["覆盖情况"]
    units = [row[1] for row in sheet.iter_rows(min_row=5, values_only=True)]
    assert units == ["李家村", "合计"]


async def test_roster_import_checks_every_row_before_writing(
    client: TestClient[Any, Any], rt: Runtime
) -> None:
    csrf = await login(client, "zhang")
    version = rt.store.roster_version()
    sheet = (
        "姓名,角色,村/单位,微信号,所在群,手机号\n"
        "张主任,办公室,,office,cmd,13800001111\n"
        "李一,推送员,李家村,lj_p1,cmd、lj、lj1,\n"
        "新户主,户主,李家村,lj1_new,lj9,138000\n"
        "王二,村长,王家村,wj_x,wj,\n"
    ).encode()
    form = aiohttp.FormData()
    form.add_field("file", sheet, filename="新名册.csv", content_type="text/csv")
    resp = await client.post("/api/roster/preview", data=form, headers={"X-CSRF-Token": csrf})
    assert resp.status == 400
    result = await resp.json()
    assert result["ok"] is False and result["token"] is None
    errors = "\n".join(result["errors"])
    assert '名册文件 新名册.csv：第 4 行（新户主）“所在群”列引用了不存在的群 "lj9"' in errors
    assert '第 4 行（新户主）“手机号”列的值 "138000" 不是有效的手机号' in errors
    assert '第 5 行（王二）“角色”列的值 "村长" 无效' in errors
    assert rt.store.roster_version() == version
    bogus = await post_json(client, "/api/roster/import", {"token": "nope"}, csrf)
    assert bogus.status == 400


async def test_roster_import_and_phone_masking(client: TestClient[Any, Any], rt: Runtime) -> None:
    csrf = await login(client, "zhang")
    org = rt.app.org
    lines = ["姓名,角色,村/单位,微信号,所在群,手机号"]
    for m in org.members:
        phone = "13812341234" if m.wechat == "lj_p1" else ""
        lines.append(
            f"{m.name},{m.role.value},{m.unit or ''},{m.wechat},{'、'.join(m.groups)},{phone}"
        )
    form = aiohttp.FormData()
    form.add_field("file", "\n".join(lines).encode("gb18030"), filename="roster.csv")
    resp = await client.post("/api/roster/preview", data=form, headers={"X-CSRF-Token": csrf})
    assert resp.status == 200, await resp.text()
    preview = await resp.json()
    assert preview["changes"] == {"added": 0, "removed": 0, "changed": 1, "total": 26}
    version = rt.store.roster_version()
    done = await post_json(client, "/api/roster/import", {"token": preview["token"]}, csrf)
    assert (await done.json())["imported"] == 1
    assert rt.store.roster_version() == version + 1
    assert rt.app.org.member("lj_p1") is not None
    assert rt.app.org.member("lj_p1").phone == "13812341234"  # type: ignore[union-attr]
    phones = {
        m["wechat"]: m["phone"]
        for m in (await (await client.get("/api/roster")).json())["members"]
    }
    assert phones["lj_p1"] == "13812341234"
    assert "网页导入名册" in [a for _, _, a, _ in rt.store.audit_log()]

    await login(client, "liu")
    members = (await (await client.get("/api/roster?unit=李家村")).json())["members"]
    assert {m["wechat"]: m["phone"] for m in members}["lj_p1"] == "138****1234"
    resp = await client.get("/api/roster.xlsx")
    sheet = load_workbook(io.BytesIO(await resp.read())).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("姓名", "角色", "村/单位", "微信号", "所在群", "手机号")
    assert ("李一", "推送员", "李家村", "lj_p1", "cmd、lj、lj1", "138****1234") in rows
    refused = await post_json(
        client, "/api/roster/import", {"token": "x"}, (await login(client, "liu"))
    )
    assert refused.status == 403


def test_roster_export_reimports_unchanged() -> None:
    org = small_town()
    again = read_roster("名册.xlsx", roster_workbook(org, None, mask=False), org)
    assert again.errors == [] and again.org == org
    broken = read_roster("名册.xlsx", b"not a zip", org)
    assert broken.errors == ["名册文件 名册.xlsx：不是有效的 Excel（.xlsx）文件"]
    missing = read_roster("a.csv", "姓名,角色\n张三,户主\n".encode(), org)
    assert "缺少列 村/单位、微信号、所在群" in missing.errors[0]


async def test_console_send_and_evidence_thumbnail(
    client: TestClient[Any, Any], rt: Runtime, config: Config
) -> None:
    csrf = await login(client, "zhang")
    office = rt.app.org.member("office")
    assert office is not None
    push = rt.app.create_push("测试", "反诈测试正文，请注意防范。", office, rt.app.clock.now())
    form = aiohttp.FormData()
    form.add_field("chat", "private:school_p")
    form.add_field("sender", "school_p")
    form.add_field("image", PNG, filename="截图.png", content_type="image/png")
    resp = await client.post("/api/console/send", data=form, headers={"X-CSRF-Token": csrf})
    assert resp.status == 200, await resp.text()
    assert len(rt.store.evidence(push.id)) == 1
    image = await client.get(f"/evidence/{push.id}/0")
    assert image.status == 200 and await image.read() == PNG
    detail = await (await client.get(f"/api/pushes/{push.id}")).json()
    assert detail["evidence"][0]["group"] == "中心小学家长群"
    assert (await client.get(f"/evidence/{push.id}/5")).status == 404

    wrong = await post_json(
        client, "/api/console/send", {"chat": "lj1", "sender": "wj_h0", "text": "收到"}, csrf
    )
    assert wrong.status == 400 and "不在这个群" in (await wrong.json())["error"]
    outside = await post_json(
        client,
        "/api/console/send",
        {"chat": "school", "sender": "school_h0", "text": "收到"},
        csrf,
    )
    assert outside.status == 400

    await login(client, "li_sup")
    assert (await client.get(f"/evidence/{push.id}/0")).status == 403


async def test_console_stream_delivers_bot_answers(client: TestClient[Any, Any]) -> None:
    csrf = await login(client, "zhang")
    history = await (await client.get("/api/console/history?since=0")).json()
    async with client.get(f"/api/console/stream?since={history['next']}") as stream:
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        resp = await post_json(
            client, "/api/console/send", {"chat": "cmd", "sender": "leader", "text": "帮助"}, csrf
        )
        assert resp.status == 200

        async def next_event() -> dict[str, Any]:
            while True:
                line = (await stream.content.readline()).decode()
                if line.startswith("data: "):
                    return dict(json.loads(line[6:]))

        said = await asyncio.wait_for(next_event(), 10)
        assert said["sender"] == "leader" and said["text"] == "帮助" and said["chat"] == "cmd"
        answer = await asyncio.wait_for(next_event(), 10)
        assert answer["from_bot"] and answer["chat"] == "cmd" and "推送" in answer["text"]


async def test_ranking_export_and_bulletins(
    client: TestClient[Any, Any], rt: Runtime, config: Config
) -> None:
    await login(client, "zhang")
    office = rt.app.org.member("office")
    assert office is not None
    now = rt.app.clock.now()
    rt.app.create_push("测试", "反诈测试正文，请注意防范。", office, now)
    await rt.app.settle()
    for who in ("lj_p1", "wj_p"):
        await rt.app.handle(rt.simulator.message(who, "收到", "cmd"))
    await rt.app.settle()
    data = await (await client.get("/api/ranking?period=week")).json()
    assert data["label"] == "本周" and len(data["rows"]) == 4
    resp = await client.get("/api/ranking.xlsx?period=week")
    assert "attachment" in resp.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(await resp.read())).active
    assert sheet is not None
    header = [c.value for c in sheet[4]]
    assert header[:7] == ["名次", "村/单位", "推送次数", "签收率", "送达率", "回执率", "得分"]
    first = [c.value for c in sheet[5]]
    assert first[0] == 1 and sheet.cell(row=5, column=4).number_format == "0.0%"

    assert (await (await client.get("/api/bulletins")).json()) == {"bulletins": []}
    rt.store.add_bulletin("daily", "2026-11-23", now, "今日通报：签收率 50.0%", None, "daily")
    (bulletin,) = (await (await client.get("/api/bulletins")).json())["bulletins"]
    assert bulletin["kind"] == "日报" and "签收率" in bulletin["text"]
    chart = config.data_dir / "bulletins" / "daily.png"
    chart.parent.mkdir(parents=True, exist_ok=True)
    chart.write_bytes(PNG)
    with_chart = rt.store.add_bulletin("daily", "2026-11-24", now, "图表通报", str(chart))
    outside = rt.store.add_bulletin("daily", "2026-11-25", now, "坏路径", "/etc/passwd")
    resp = await client.get(f"/bulletins/{with_chart.id}/image")
    assert resp.status == 200 and await resp.read() == PNG
    assert (await client.get(f"/bulletins/{outside.id}/image")).status == 404
    page = await (await client.get("/bulletins")).text()
    assert "今日通报" in page
    audit = await (await client.get("/api/audit")).json()
    assert any(e["action"] == "导出" and "本周排名" in e["detail"] for e in audit["entries"])


async def test_default_login_only_on_sandbox(rt: Runtime, config: Config) -> None:
    app = create_web_app(rt, config, hash_iterations=ITERATIONS)
    default = app[CTX].default_login
    assert default is not None and default.user.name == "office"
    async with TestClient(TestServer(app)) as c:
        page = await (await c.get("/login")).text()
        assert "临时账号" in page
        await login(c, "office", default.password)
    wechaty_like = replace(rt, simulator=None)
    with pytest.raises(ConfigError, match=r"web\.users"):
        create_web_app(wechaty_like, config)


async def test_start_web_serves_configured_port(
    rt: Runtime, config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = replace(web_config(config), web=replace(web_config(config).web, port=port))
    runner = await start_web(rt, cfg)
    try:
        url = f"http://127.0.0.1:{port}/api/pushes"
        async with aiohttp.ClientSession() as session, session.get(url) as resp:
            assert resp.status == 401
        assert f"http://127.0.0.1:{port}/" in capsys.readouterr().out
    finally:
        await runner.cleanup()


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


async def test_pages_render_for_office(client: TestClient[Any, Any], rt: Runtime) -> None:
    await login(client, "zhang")
    office = rt.app.org.member("office")
    assert office is not None
    rt.app.create_push("页面测试", "反诈测试正文，请注意防范。", office, rt.app.clock.now())
    await rt.app.handle(
        rt.simulator.message(
            "school_p", "", None, kind=MessageKind.IMAGE, data=PNG, filename="a.png"
        )
    )
    expected = {
        "/": "第1期《页面测试》",
        "/pushes/1": "中心小学家长群",
        "/ranking?period=month": "本月",
        "/roster": "李网格长",
        "/content?q=刷单": "刷单",
        "/content/1": "发起推送",
        "/bulletins": "还没有发布过通报",
        "/audit": "第1期《页面测试》",
        "/console": "模拟微信",
    }
    for path, text in expected.items():
        resp = await client.get(path)
        body = await resp.text()
        assert resp.status == 200, path
        assert text in body, path
        assert '<html lang="zh-CN">' in body
        assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    missing = await client.get("/no-such-page")
    assert missing.status == 404 and "页面不存在" in await missing.text()


def test_connection_badge_shows_the_wechat_state(rt: Runtime, config: Config) -> None:
    from dataclasses import replace as dc_replace

    from bot.transport.base import TransportStatus
    from bot.web.views.render import transport_badge

    ctx = SimpleNamespace(rt=rt)
    assert "模拟微信" in transport_badge(ctx)  # type: ignore[arg-type]
    real = dc_replace(rt, simulator=None, transport=SimpleNamespace(status=TransportStatus()))
    ctx = SimpleNamespace(rt=real)
    real.transport.status.last_error = "连接断开：连接被拒绝"  # type: ignore[attr-defined]
    badge = transport_badge(ctx)  # type: ignore[arg-type]
    assert "微信未连接" in badge and "连接被拒绝" in badge
    real.transport.status.connected = True  # type: ignore[attr-defined]
    real.transport.status.self_name = "反诈助手"  # type: ignore[attr-defined]
    assert "微信已连接 反诈助手" in transport_badge(ctx)  # type: ignore[arg-type]


async def test_ranking_shows_unseen_acks_as_null_and_states_the_rule(
    client: TestClient[Any, Any], rt: Runtime
) -> None:
    await login(client, "zhang")
    office = rt.app.org.member("office")
    assert office is not None
    push = rt.app.create_push("测试", "反诈测试正文，请注意防范。", office, rt.app.clock.now())
    await rt.app.settle()
    week = await (await client.get("/api/ranking?period=week")).json()
    rows = {r["unit"]: r for r in week["rows"]}
    assert rows["中心小学"]["ack_rate"] is None  # evidence only: the bot cannot see acks
    assert rows["农商银行"]["ack_rate"] == 0.0
    assert {r["rank"] for r in week["rows"]} == {1}  # nobody has done anything: all tied
    assert week["score_rule"].startswith("得分=签收30%+送达30%+回执40%")
    month = await (await client.get("/api/ranking?period=month")).json()
    assert (month["pending"], month["rows"]) == (1, [])  # within its first 24 h: not ranked
    page = await (await client.get("/ranking?period=week")).text()
    assert "看不到回执的单位按签收、送达折算" in page and "<td>—</td>" in page
    summary = await (await client.get(f"/api/pushes/{push.id}")).json()
    school = next(u for u in summary["units"] if u["unit"] == "中心小学")
    assert (school["ack_rate"], school["acks_seen"]) == ("—", False)
