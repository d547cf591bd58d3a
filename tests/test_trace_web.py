"""The 责任倒查 page: lookup with disambiguation, roles (a supervisor only their own unit, a
Chinese 403 otherwise), phones masked for all but the office, every lookup audited, and the
exports read back (xlsx with openpyxl, the one-page PDF's text with pypdf)."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from openpyxl import load_workbook
from pypdf import PdfReader

from bot.clock import SimClock
from bot.config import Config, WebUser
from bot.formats import tracepdf
from bot.runtime import Runtime
from bot.web import create_web_app
from bot.web.auth import hash_password
from tests.trace_town import month_of_pushes
from tests.webclient import ITERATIONS, PASSWORD, USERS, login, web_config

POLICE = WebUser("zhao", "police", hash_password(PASSWORD, ITERATIONS))


@pytest.fixture
async def web(rt: Runtime, config: Config, clock: SimClock) -> AsyncIterator[TestClient[Any, Any]]:
    """The dashboard (with a 派出所 login too) over a month of pushes."""
    await month_of_pushes(rt, clock)
    await rt.app.start()
    cfg = web_config(config)
    cfg = replace(cfg, web=replace(cfg.web, users=(*USERS, POLICE)))
    app = create_web_app(rt, cfg, hash_iterations=ITERATIONS)
    async with TestClient(TestServer(app)) as c:
        yield c
    await rt.app.stop()
    assert rt.simulator is not None
    rt.simulator.pop_sent()


def _audits(rt: Runtime, action: str) -> list[str]:
    return [a.detail for a in rt.store.audit_log() if a.action == action]


async def test_office_disambiguates_and_reads_the_record(
    web: TestClient[Any, Any], rt: Runtime
) -> None:
    await login(web, "zhang")
    nav = await (await web.get("/")).text()
    assert 'href="/trace"' in nav
    listing = await (await web.get("/trace", params={"q": "1234"})).text()
    assert "找到 2 人，请选择" in listing
    assert "13800001234" in listing and "13900001234" in listing  # the office sees phones
    link = re.search(r'href="(/trace\?q=1234&amp;who=lj1_h0[^"]*)"', listing)
    assert link is not None
    record = await (await web.get(link.group(1).replace("&amp;", "&"))).text()
    assert "李一户0（户主）" in record
    assert "李一户0（李家村）：所在群收到 1 期，本户回执 1 期，未收到 1 期" in record
    assert "收到了，谢谢提醒" in record and "第1期《警惕刷单返利诈骗》" in record
    assert "计划送达，但未送达" in record and "第2期《冒充客服退款诈骗》" in record
    assert _audits(rt, "倒查检索") == ["检索“1234”：2 人符合"]
    assert _audits(rt, "倒查查看") == ["李一户0（李家村，lj1_h0）"]

    # One match opens the record at once; a former household says so.
    gone = await (await web.get("/trace", params={"q": "王户3"})).text()
    assert "已不在当前名册，按历史名册倒查" in gone and "推送时本户不在名册中" in gone
    school = await (await web.get("/trace", params={"q": "家长0"})).text()
    assert "截图佐证" in school and 'href="/evidence/1/0"' in school
    none = await (await web.get("/trace", params={"q": "赵钱孙"})).text()
    assert "没有找到“赵钱孙”" in none
    bad = await web.get("/trace", params={"q": "李一户0", "until": "昨天"})
    assert bad.status == 400 and "案发日期“昨天”无法识别" in await bad.text()


async def test_police_sees_all_with_masked_phones(web: TestClient[Any, Any], rt: Runtime) -> None:
    await login(web, "zhao")
    page = await (await web.get("/trace", params={"q": "13900001234"})).text()
    assert "李二户0（户主）" in page and "手机：139****1234" in page
    assert page.count("13900001234") == 1  # only in the search box, as typed
    # The audit log keeps no full phone number of the lookup either.
    assert _audits(rt, "倒查检索") == ["检索“139****1234”：1 人符合"]


async def test_supervisor_only_own_unit(web: TestClient[Any, Any], rt: Runtime) -> None:
    await login(web, "li_sup")
    page = await (await web.get("/trace", params={"q": "户0"})).text()
    assert "李一户0" in page and "李二户0" in page and "王户0" not in page and "家长0" not in page
    assert "138****1234" in page
    other = await web.get("/trace", params={"who": "wj_h0"})
    text = await other.text()
    assert other.status == 403 and "只能倒查本村/单位的住户，无权查看王家村的住户" in text
    export = await web.get("/trace/export.xlsx", params={"who": "wj_h0"})
    assert export.status == 403
    assert (await web.get("/trace", params={"who": "nobody"})).status == 404
    assert _audits(rt, "倒查查看") == []  # refused lookups open nothing, and are on record
    assert _audits(rt, "倒查拒绝") == ["王户0（王家村，wj_h0）", "王户0（王家村，wj_h0）"]


async def test_exports_read_back(web: TestClient[Any, Any], rt: Runtime) -> None:
    await login(web, "liu")  # leaders may trace (they chair the 约谈); phones masked
    resp = await web.get("/trace/export.xlsx", params={"who": "lj1_h0"})
    assert resp.status == 200
    assert "filename*=UTF-8''" in resp.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(await resp.read()))
    got = book["收到的推送"]
    assert got["A1"].value == "责任倒查：李一户0"
    assert "手机：138****1234" in str(got["A2"].value)
    rows = [[c.value for c in row] for row in got.iter_rows(min_row=7)]
    assert rows.pop(0)[:5] == ["期数", "标题", "所在群", "送达方式", "送达时间"]
    assert rows[0][:3] == ["第1期", "警惕刷单返利诈骗", "李家村一网格群"]
    assert rows[0][6] == "收到了，谢谢提醒" and rows[0][7] == 1
    missed = [[c.value for c in row] for row in book["未收到的推送"].iter_rows(min_row=2)]
    assert [(r[0], r[4]) for r in missed] == [("第2期", "计划送达，但未送达（机器人发送）")]

    pdf = await web.get("/trace/export.pdf", params={"who": "lj1_h0"})
    assert pdf.status == 200 and pdf.content_type == "application/pdf"
    reader = PdfReader(io.BytesIO(await pdf.read()))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for expected in ("李一户0", "警惕刷单返利诈骗", "冒充客服退款诈骗", "138****1234", "点击1"):
        assert expected in text
    assert _audits(rt, "倒查导出") == [
        "李一户0（李家村，lj1_h0） PDF",
        "李一户0（李家村，lj1_h0） Excel",
    ]


async def test_pdf_without_chinese_font_is_503_and_xlsx_still_works(
    web: TestClient[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tracepdf, "find_cjk_family", lambda: None)
    await login(web, "zhao")
    pdf = await web.get("/trace/export.pdf", params={"who": "lj1_h0"})
    assert pdf.status == 503 and "没有可以显示中文的字体" in await pdf.text()
    xlsx = await web.get("/trace/export.xlsx", params={"who": "lj1_h0"})
    assert xlsx.status == 200


async def test_json_api(web: TestClient[Any, Any], rt: Runtime) -> None:
    await login(web, "li_sup")
    found = await (await web.get("/api/trace", params={"q": "1234"})).json()
    assert [(c["name"], c["phone"]) for c in found["candidates"]] == [
        ("李一户0", "138****1234"),
        ("李二户0", "139****1234"),
    ]
    record = (await (await web.get("/api/trace", params={"who": "lj2_h0"})).json())["record"]
    assert record["summary"] == "李二户0（李家村）：所在群收到 1 期，本户回执 0 期，未收到 1 期"
    assert [(m["push_id"], m["reason"]) for m in record["missed"]] == [
        (1, "计划送达，但未送达（机器人发送）")
    ]
    other = await web.get("/api/trace", params={"who": "wj_h0"})
    assert other.status == 403 and "无权查看王家村的住户" in (await other.json())["error"]
