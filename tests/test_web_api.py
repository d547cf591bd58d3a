"""The dashboard's JSON API: roles, pushes, roster import and exports, bulletins.

Runs the real aiohttp app on 127.0.0.1 (aiohttp's test server) over the small town's
SQLite file; the bot is the sandbox app, fed through the console API or App.handle().
"""

from __future__ import annotations

import io
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient
from openpyxl import load_workbook

from bot.config import Config
from bot.formats.rosterfile import read_roster, roster_workbook
from bot.runtime import Runtime
from tests.conftest import small_town
from tests.webclient import (
    PNG,
    login,
    post_json,
)


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
