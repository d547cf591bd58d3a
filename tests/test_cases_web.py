"""The 发案 page: the month form (office and 派出所), the Excel upload round trip with a real
workbook (a bad file imports nothing), read-only leaders, supervisors see their own unit,
every change audited with old→new, and the export."""

from __future__ import annotations

import html
import io
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from openpyxl import Workbook, load_workbook

from bot.config import Config, WebUser
from bot.runtime import Runtime
from bot.web import create_web_app
from bot.web.auth import hash_password
from tests.webclient import ITERATIONS, PASSWORD, USERS, hidden, login

POLICE = WebUser("pcs", "police", hash_password(PASSWORD, ITERATIONS))


@pytest.fixture
async def web(rt: Runtime, config: Config) -> AsyncIterator[TestClient[Any, Any]]:
    """The dashboard with the three usual users and a 派出所 login."""
    cfg = replace(config, web=replace(config.web, users=(*USERS, POLICE), secret="t"))
    app = create_web_app(rt, cfg, hash_iterations=ITERATIONS)
    async with TestClient(TestServer(app)) as c:
        yield c


def _sheet(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["月份", "村/单位", "发案数（起）", "经济损失（元）"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def _upload(c: TestClient[Any, Any], csrf: str, name: str, data: bytes) -> Any:
    from aiohttp import FormData

    form = FormData()
    form.add_field("csrf", csrf)
    form.add_field("file", data, filename=name)
    return await c.post("/cases/preview", data=form)


async def test_office_enters_a_month_and_reenters_it(
    web: TestClient[Any, Any], rt: Runtime
) -> None:
    await login(web, "zhang")
    page = await (await web.get("/cases?month=2026-11")).text()
    assert "2026年11月尚未录入发案数据" in page and "录入2026年11月数据" in page
    form = {"csrf": hidden(page, "csrf"), "month": "2026-11", "unit_0": "李家村"}
    form |= {"cases_0": "3", "loss_0": "1.5万", "unit_1": "王家村", "cases_1": "", "loss_1": ""}
    resp = await web.post("/cases", data=form, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/cases?month=2026-11&done=1"
    page = await (await web.get("/cases?month=2026-11&done=1")).text()
    assert "已保存：1 条发生变化" in page and "1.5万元" in page and "（未填，按0计）" in page
    assert 'name="cases_0" value="3"' in page and 'name="loss_0" value="15000"' in page
    bad = await web.post("/cases", data=form | {"cases_0": "三", "loss_0": "4万"})
    assert bad.status == 400
    assert "李家村：发案数 &#39;三&#39; 应为不小于 0 的整数" in await bad.text()
    await web.post("/cases", data=form | {"cases_0": "4", "loss_0": "20000"})
    (figure,) = rt.store.case_figures("2026-11", "2026-11")
    assert (figure.cases, figure.loss_fen, figure.by) == (4, 2_000_000, "zhang")
    details = [e.detail for e in rt.store.audit_log() if e.action == "发案录入"]
    assert details == [
        "李家村 2026年11月：3起/1.5万元→4起/2万元",
        "李家村 2026年11月：未填→3起/1.5万元",
    ]


async def test_upload_round_trip_and_a_bad_file(web: TestClient[Any, Any], rt: Runtime) -> None:
    csrf = await login(web, "pcs")  # 派出所 enters too
    template = await web.get("/cases/template.xlsx?month=2026-11")
    book = load_workbook(io.BytesIO(await template.read()))
    rows = [[c.value for c in r] for r in book.active.iter_rows()]  # type: ignore[union-attr]
    assert rows[0] == ["月份", "村/单位", "发案数（起）", "经济损失（元）"]
    assert [r[1] for r in rows[1:]] == ["李家村", "王家村", "农商银行", "中心小学"]

    bad = _sheet([["2026-11", "李家村", 2, "1万"], ["2026-13", "张家村", -1, "abc"]])
    resp = await _upload(web, csrf, "11月发案.xlsx", bad)
    text = html.unescape(await resp.text())
    assert resp.status == 400 and "文件有 4 处错误，没有导入任何数据" in text
    assert "文件 11月发案.xlsx 第 3 行 A 列（月份）：月份 '2026-13' 不是有效的年月" in text
    assert "文件 11月发案.xlsx 第 3 行 B 列（村/单位）：张家村 不是名册中的村/单位" in text
    assert "第 3 行 C 列（发案数（起））" in text and "第 3 行 D 列（经济损失（元））" in text
    assert rt.store.case_figures("2025-01", "2026-12") == []

    good = _sheet(
        [
            ["2025-11", "李家村", 5, 30000],
            ["2026-11", "李家村", 2, "1.2万"],
            ["2026年10月", "王家村", 1, 800.5],
        ]
    )
    resp = await _upload(web, csrf, "发案.xlsx", good)
    page = await resp.text()
    assert resp.status == 200 and "检查通过：共 3 行" in page
    done = await web.post(
        "/cases/import",
        data={
            "csrf": csrf,
            "filename": "发案.xlsx",
            "payload": html.unescape(hidden(page, "payload")),
        },
        allow_redirects=False,
    )
    assert done.headers["Location"] == "/cases?month=2026-11&done=3"
    assert [
        (f.unit, f.month, f.loss_fen) for f in rt.store.case_figures("2025-01", "2026-12")
    ] == [
        ("李家村", "2025-11", 3_000_000),
        ("王家村", "2026-10", 80050),
        ("李家村", "2026-11", 1_200_000),
    ]
    assert rt.store.audit_log()[0].detail == "发案.xlsx：3 行，变化 3 行"
    export = await web.get("/cases/export.xlsx?month=2026-11")
    sheet = load_workbook(io.BytesIO(await export.read())).active
    assert sheet is not None
    first = [c.value for c in sheet[5]]
    assert first[:6] == [1, "李家村", 2, 1, 12000, 1]
    assert first[10:12] == ["同比-60%", "达标（5→2起，-60%）"]


async def test_readers_cannot_enter_and_supervisors_see_their_unit(
    web: TestClient[Any, Any], rt: Runtime
) -> None:
    csrf = await login(web, "zhang")
    page = await (await web.get("/cases?month=2026-11")).text()
    form = {"csrf": csrf, "month": "2026-11", "unit_0": "李家村", "cases_0": "2"}
    await web.post("/cases", data=form | {"unit_1": "王家村", "cases_1": "1"})
    await web.post("/cases/population", data={"csrf": csrf, "unit": "王家村", "people": "800"})
    assert "800（办公室设定）" in await (await web.get("/cases?month=2026-11")).text()
    csrf = await login(web, "liu")
    page = await (await web.get("/cases?month=2026-11")).text()
    assert "王家村" in page and "录入2026年11月数据" not in page
    denied = await web.post("/cases", data=form | {"csrf": csrf}, allow_redirects=False)
    assert denied.status == 403
    csrf = await login(web, "li_sup")
    page = await (await web.get("/cases?month=2026-11")).text()
    assert "李家村" in page and "王家村" not in page
    export = await web.get("/cases/export.xlsx?month=2026-11")
    sheet = load_workbook(io.BytesIO(await export.read())).active
    assert sheet is not None and [r[1] for r in sheet.iter_rows(min_row=5, values_only=True)] == [
        "李家村"
    ]
    template = await web.get("/cases/template.xlsx")
    assert template.status == 403


async def test_json_api_and_a_csv_upload(web: TestClient[Any, Any], rt: Runtime) -> None:
    from tests.webclient import post_json

    csrf = await login(web, "pcs")
    body = {"month": "2026-10", "figures": [{"unit": "王家村", "cases": 2, "loss": "8000元"}]}
    assert (await post_json(web, "/api/cases", body, None)).status == 403  # no CSRF header
    resp = await post_json(web, "/api/cases", body, csrf)
    assert await resp.json() == {"changed": ["王家村 2026年10月：未填→2起/8000元"], "unchanged": 0}
    wrong = {"month": "2026-10", "figures": [{"unit": "王家村", "cases": -2}]}
    resp = await post_json(web, "/api/cases", wrong, csrf)
    assert (
        resp.status == 400
        and "王家村：发案数 '-2' 应为不小于 0 的整数" in (await resp.json())["error"]
    )
    data = await (await web.get("/api/cases?month=2026-10")).json()
    assert data["rows"][0]["unit"] == "王家村" and data["rows"][0]["loss"] == "8000元"
    assert data["populations"][0] == {"unit": "李家村", "people": 8, "source": "名册户数"}
    # A sheet saved as CSV in GBK (as older Excel does) goes through the same checks.
    csv = "月份,村/单位,发案数,损失\n2026年10月,李家村,1,0.5万\n".encode("gb18030")
    page = await (await _upload(web, csrf, "发案.csv", csv)).text()
    assert "检查通过：共 1 行" in page
    # The 派出所 may not set populations: that is the office's.
    resp = await web.post(
        "/cases/population", data={"csrf": csrf, "unit": "李家村", "people": "9"}
    )
    assert resp.status == 403
    csrf = await login(web, "zhang")
    bad = await web.post(
        "/cases/population", data={"csrf": csrf, "unit": "李家村", "people": "几千"}
    )
    assert bad.status == 400 and "应为正整数" in html.unescape(await bad.text())
    await web.post("/cases/population", data={"csrf": csrf, "unit": "李家村", "people": "2650"})
    assert rt.store.audit_log()[0][2:] == ("人口设定", "李家村：未设→2650")
    await login(web, "li_sup")
    data = await (await web.get("/api/cases?month=2026-10")).json()
    assert [r["unit"] for r in data["rows"]] == ["李家村"]
    assert data["populations"] == [{"unit": "李家村", "people": 2650, "source": "办公室设定"}]
