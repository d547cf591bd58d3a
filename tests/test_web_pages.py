"""The dashboard's pages and console as the browser gets them (rendered from the templates)."""

from __future__ import annotations

import asyncio
import json
import re
import socket
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.clock import SimClock
from bot.config import Config, ConfigError
from bot.domain.model import MessageKind
from bot.runtime import Runtime, build
from bot.web import create_web_app, start_web
from bot.web.context import CTX
from tests.conftest import small_town
from tests.webclient import (
    CHINESE,
    ITERATIONS,
    PNG,
    login,
    post_json,
    web_config,
)


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


async def test_overview_api_and_page_are_paged_newest_first(
    client: TestClient[Any, Any], rt: Runtime
) -> None:
    office = rt.app.org.member("office")
    assert office is not None
    ids = []
    for i in range(25):
        scope = ["王家村"] if i % 5 == 0 else []
        push = rt.app.create_push(
            f"测试{i}", f"反诈测试正文{i}。", office, rt.app.clock.now(), scope
        )
        ids.append(push.id)
    await login(client, "zhang")
    first = await (await client.get("/api/pushes")).json()
    assert [p["id"] for p in first["pushes"]] == ids[::-1][:20]
    assert first["limit"] == 20 and first["next_before"] == ids[5]
    rest = await (await client.get(f"/api/pushes?before={first['next_before']}")).json()
    assert [p["id"] for p in rest["pushes"]] == ids[4::-1]
    assert rest["next_before"] is None
    small = await (await client.get("/api/pushes?limit=10")).json()
    assert [p["id"] for p in small["pushes"]] == ids[::-1][:10]
    assert small["next_before"] == ids[15]
    for query in ("limit=0", "limit=101", "limit=abc", "before=-1", "before=x"):
        resp = await client.get(f"/api/pushes?{query}")
        assert resp.status == 400, query
        assert CHINESE.search((await resp.json())["error"]), query

    page = await (await client.get("/")).text()
    assert len(re.findall(r'class="card push-card" data-push-id="\d+"', page)) == 20
    assert f'href="/?before={ids[5]}"' in page and "更早的推送" in page
    older = await (await client.get(f"/?before={ids[5]}")).text()
    cards = re.findall(r'class="card push-card" data-push-id="(\d+)"', older)
    assert cards == [str(i) for i in ids[4::-1]]
    assert "最新的推送" in older and "更早的推送" not in older

    # A supervisor pages through the pushes of their own unit only.
    await login(client, "li_sup")
    mine = await (await client.get("/api/pushes?limit=3")).json()
    visible = [i for n, i in enumerate(ids) if n % 5 != 0][::-1]
    assert [p["id"] for p in mine["pushes"]] == visible[:3]
    assert mine["next_before"] == visible[2]


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>&\''


async def test_pages_escape_what_users_typed(config: Config, clock: SimClock) -> None:
    town = small_town()
    members = tuple(
        replace(m, name=m.name + HOSTILE) if m.wechat in ("lj_p1", "wj_h0") else m
        for m in town.members
    )
    rt = build(config, clock, org=replace(town, members=members))
    await rt.app.start()
    office = rt.app.org.member("office")
    assert office is not None
    rt.app.create_push("标题" + HOSTILE, "正文" + HOSTILE, office, clock.now())
    app = create_web_app(rt, web_config(config), hash_iterations=ITERATIONS)
    try:
        async with TestClient(TestServer(app)) as c:
            await login(c, "zhang")
            for path in ("/", "/pushes/1", "/roster", "/audit", "/content?q=" + HOSTILE):
                page = await (await c.get(path)).text()
                assert "&lt;script&gt;alert(" in page, path
                assert "<script>alert" not in page and "<img src=x" not in page, path
            c.session.cookie_jar.clear()
            page = await (await c.get("/login?next=/" + HOSTILE)).text()
            assert "<script>alert" not in page
    finally:
        await rt.app.stop()
        rt.store.close()
