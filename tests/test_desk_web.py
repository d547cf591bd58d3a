"""The 线索 page and API: office sees all, a supervisor only their unit; status changes are
CSRF-protected, forward-only and audited; phones only for the office."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from aiohttp.test_utils import TestClient

from bot.runtime import Runtime
from tests.webclient import hidden, login, post_json


async def _two_tips(rt: Runtime) -> None:
    org = rt.app.org
    household = org.member("lj1_h0")
    assert household is not None
    # Give the household a phone so that its visibility can be checked.
    members = tuple(
        replace(m, phone="13800001111") if m.wechat == "lj1_h0" else m for m in org.members
    )
    rt.app.org = replace(org, members=members)
    # The app is running here (the dashboard fixture): what the bot sends is checked in
    # test_desk_chat.py; the client fixture counts it as read.
    assert rt.simulator is not None
    for who, text, group in (
        ("lj1_h0", "我妈被骗了五千块", "lj1"),
        ("wj_h0", "接到一个冒充公安的电话", "wj"),
    ):
        await rt.app.handle(rt.simulator.message(who, text, group))
    # 王家村 has no supervisor in the small town: the office hears of it.
    assert rt.store.audit_log()[0].detail.endswith("已通知张主任")


async def test_office_sees_all_tips_and_changes_status(
    client: TestClient[Any, Any], rt: Runtime
) -> None:
    await _two_tips(rt)
    csrf = await login(client, "zhang")
    page = await (await client.get("/tips")).text()
    assert "线索" in page and "第1条" in page and "第2条" in page and "13800001111" in page
    data = await (await client.get("/api/tips")).json()
    assert [t["id"] for t in data["tips"]] == [2, 1]
    assert data["tips"][1]["urgent"] and data["tips"][1]["place"] == "李家村·李家村一网格群"

    detail = await (await client.get("/tips/1")).text()
    no_token = await client.post("/tips/1", data={"status": "已联系", "note": "x"})
    assert no_token.status == 403
    resp = await client.post(
        "/tips/1",
        data={
            "status": "已联系",
            "note": "已电话联系，陪同去派出所",
            "csrf": hidden(detail, "csrf"),
        },
        allow_redirects=False,
    )
    assert resp.status == 303
    tip = rt.store.get_tip(1)
    assert tip is not None and tip.status == "已联系"
    assert tip.notes[0].text == "已电话联系，陪同去派出所" and tip.notes[0].who.startswith("zhang")
    back = await post_json(client, "/api/tips/1", {"status": "新"}, csrf)
    assert back.status == 400 and "不能改回" in (await back.json())["error"]
    done = await post_json(client, "/api/tips/1", {"status": "已处理", "note": "已立案"}, csrf)
    assert (await done.json())["status"] == "已处理"
    assert len(rt.store.get_tip(1).notes) == 2  # type: ignore[union-attr]
    audits = [a for a in rt.store.audit_log() if a.action == "线索处理"]
    assert [a.detail for a in audits] == [
        "第1条：已联系→已处理（已立案）",
        "第1条：新→已联系（已电话联系，陪同去派出所）",
    ]
    assert len([a for a in rt.store.audit_log() if a.action == "线索"]) == 2
    shown = await (await client.get("/tips?status=已处理")).text()
    assert "第1条" in shown and "第2条" not in shown


async def test_supervisor_sees_only_own_unit_and_no_phones(
    client: TestClient[Any, Any], rt: Runtime
) -> None:
    await _two_tips(rt)
    csrf = await login(client, "li_sup")
    page = await (await client.get("/tips")).text()
    assert "第1条" in page and "第2条" not in page and "13800001111" not in page
    assert re.search(r'href="/tips"', page)
    assert (await client.get("/tips/2")).status == 404
    assert (await client.get("/api/tips/2")).status == 404
    other = await post_json(client, "/api/tips/2", {"status": "已联系"}, csrf)
    assert other.status == 404
    ok = await post_json(client, "/api/tips/1", {"note": "明天上门"}, csrf)
    assert ok.status == 200 and (await ok.json())["notes"][0]["text"] == "明天上门"
    empty = await post_json(client, "/api/tips/1", {}, csrf)
    assert empty.status == 400


async def test_leader_reads_but_cannot_change(client: TestClient[Any, Any], rt: Runtime) -> None:
    await _two_tips(rt)
    csrf = await login(client, "liu")
    assert len((await (await client.get("/api/tips")).json())["tips"]) == 2
    page = await (await client.get("/tips/1")).text()
    assert "登记处理情况" not in page
    refused = await post_json(client, "/api/tips/1", {"status": "已联系"}, csrf)
    assert refused.status == 403
