"""专项行动 pages: the office starts a drive (checked form, audited, announced), everyone sees
each unit against its target line, a supervisor only their unit; the Excel export."""

from __future__ import annotations

import io
from typing import Any

from aiohttp.test_utils import TestClient
from openpyxl import load_workbook

from bot.runtime import Runtime
from tests.webclient import hidden, login

FORM = {
    "title": "推广国家反诈中心APP",
    "phrases": "已安装、已注册，装好了",
    "screenshot": "1",
    "starts": "2026-11-23",
    "ends": "2026-11-30",
    "targets": "25日50%，30日75%",
    "overrides": "王家村：30日25%",
}


async def test_office_starts_a_drive_and_exports_it(
    client: TestClient[Any, Any], rt: Runtime
) -> None:
    await login(client, "zhang")
    listing = await (await client.get("/drives")).text()
    assert "暂无专项行动" in listing and "发起专项行动" in listing
    assert 'value="推广国家反诈中心APP"' in listing  # the form starts from the plan's example
    csrf = hidden(listing, "csrf")
    bad = await client.post("/drives", data=FORM | {"targets": "30日75%，25日50%", "csrf": csrf})
    assert bad.status == 400
    text = await bad.text()
    assert "应晚于前一个目标" in text and 'value="推广国家反诈中心APP"' in text
    assert rt.store.drives() == []  # nothing stored partially
    unknown_unit = FORM | {"overrides": "张家村：30日10%", "csrf": csrf}
    unknown = await client.post("/drives", data=unknown_unit)
    assert "名册里没有“张家村”" in await unknown.text()
    assert (await client.post("/drives", data=FORM)).status == 403  # no CSRF token
    made = await client.post("/drives", data=FORM | {"csrf": csrf}, allow_redirects=False)
    assert made.status == 303 and made.headers["Location"] == "/drives/1"
    (drive,) = rt.store.drives()
    assert drive.phrases == ("已安装", "已注册", "装好了") and drive.screenshot
    assert dict(drive.overrides)["王家村"][0].rate == 0.25
    audit = [a for a in rt.store.audit_log() if a.action == "专项行动"]
    assert audit[0].actor.startswith("zhang") and "11月25日前50%" in audit[0].detail
    for who, group in [("lj1_h0", "lj1"), ("lj1_h1", "lj1"), ("wj_h0", "wj")]:
        assert rt.simulator is not None
        await rt.app.handle(rt.simulator.message(who, "已安装", group))
    page = await (await client.get("/drives/1")).text()
    assert "合计 3/18 户" in page and "16.7%" in page
    assert "<td>李家村</td><td>8</td><td>2</td><td>25.0%</td>" in page
    assert 'x1="100"' in page  # 李家村's target line at 50% of the 200-pixel bar
    assert 'x1="50"' in page  # 王家村's own 25%
    assert "<td>王家村</td><td>4</td><td>1</td><td>25.0%</td>" in page and "已达标" in page
    resp = await client.get("/drives/1/export.xlsx")
    assert resp.status == 200
    assert "drive-1.xlsx" in resp.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(await resp.read())).active
    assert sheet is not None
    rows = [r for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert rows[0][:5] == ("序号", "村/单位", "户数", "已参与户数", "参与率")
    assert rows[1][1:5] == ("李家村", 8, 2, 0.25) and rows[1][6] == 0.5
    assert rows[2][1:5] == ("王家村", 4, 1, 0.25) and rows[2][9] == "已达标"
    assert rows[-1][1:4] == ("全镇", 18, 3) and abs(rows[-1][4] - 3 / 18) < 1e-9
    assert sheet.cell(row=5, column=5).number_format == "0.0%"
    assert any(a.action == "导出" and "专项行动第1项" in a.detail for a in rt.store.audit_log())
    assert "推广国家反诈中心APP" in await (await client.get("/drives")).text()
    assert (await client.get("/drives/9")).status == 404


async def test_supervisor_sees_own_unit_and_cannot_start_one(
    client: TestClient[Any, Any], rt: Runtime
) -> None:
    await login(client, "zhang")
    csrf = hidden(await (await client.get("/drives")).text(), "csrf")
    await client.post("/drives", data=FORM | {"csrf": csrf})
    await client.get("/logout")
    client.session.cookie_jar.clear()
    await login(client, "li_sup")
    listing = await (await client.get("/drives")).text()
    assert "发起专项行动" not in listing
    csrf = hidden(listing, "csrf")
    assert (await client.post("/drives", data=FORM | {"csrf": csrf})).status == 403
    page = await (await client.get("/drives/1")).text()
    assert "<td>李家村</td>" in page and "王家村</td>" not in page
    sheet = load_workbook(io.BytesIO(await (await client.get("/drives/1/export.xlsx")).read()))
    units = [r[1] for r in sheet.active.iter_rows(min_row=4, values_only=True)]  # type: ignore[union-attr]
    assert units == ["李家村", "全镇"]
