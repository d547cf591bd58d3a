"""回访 on the dashboard: the office draws a round, exports the call list, fills it in with
openpyxl and uploads it back (checked preview, then all or nothing); the selects of the round
page; what leaders and supervisors may see; every action audited."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient
from openpyxl import Workbook, load_workbook

from bot.app import App
from bot.domain.callbacks import KNOWN, UNKNOWN, UNREACHABLE, Call
from bot.formats.callbackfile import HEADER
from bot.runtime import Runtime
from tests.webclient import hidden, login


def give_phones(rt: Runtime) -> None:
    """Every household a phone, except 王户0 and 王户1 (the roster is re-imported)."""
    org = rt.app.org
    members = tuple(
        replace(m, phone=f"1380000{i:04d}")
        if m.role.value == "household" and m.wechat not in ("wj_h0", "wj_h1")
        else m
        for i, m in enumerate(org.members)
    )
    App.import_roster(rt.store, replace(org, members=members), rt.app.clock.now(), "测试")
    rt.app.reload_roster()


async def draw(client: TestClient[Any, Any], **fields: str) -> aiohttp.ClientResponse:
    page = await (await client.get("/callbacks")).text()
    form = aiohttp.FormData({"csrf": hidden(page, "csrf"), "size_by": "count"} | fields)
    for unit in ("李家村", "王家村"):
        form.add_field("unit", unit)
    return await client.post("/callbacks", data=form, allow_redirects=False)


async def upload(
    client: TestClient[Any, Any], round_id: int, name: str, data: bytes
) -> tuple[int, str]:
    page = await (await client.get(f"/callbacks/{round_id}")).text()
    form = aiohttp.FormData({"csrf": hidden(page, "csrf")})
    form.add_field("file", data, filename=name)
    resp = await client.post(f"/callbacks/{round_id}/preview", data=form)
    return resp.status, await resp.text()


def xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def exported(client: TestClient[Any, Any], calls: list[Call]) -> Workbook:
    """The call list as the office downloads it, checked against the round."""
    resp = await client.get("/callbacks/1/calls.xlsx")
    assert resp.status == 200
    assert "filename*=UTF-8''" in resp.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(await resp.read()))
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert tuple(rows[0]) == HEADER
    assert [r[:3] for r in rows[1:]] == [[c.unit, c.name, c.phone] for c in calls]
    assert all(r[4] is None for r in rows[1:])
    assert rows[1][3] in ("李家村一网格群", "李家村二网格群")
    return book


async def complete_by_select(
    client: TestClient[Any, Any], rt: Runtime, page: str, last: str
) -> None:
    """The last household through the round page's select completes the round."""
    resp = await client.post(
        "/callbacks/1",
        data={"csrf": hidden(page, "csrf"), f"outcome:{last}": KNOWN, f"note:{last}": "上门"},
        allow_redirects=False,
    )
    assert resp.status == 303
    round_ = rt.store.callback_round(1)
    assert round_ is not None and round_.completed_at == rt.app.clock.now()
    assert "已完成" in await (await client.get("/callbacks/1")).text()


async def test_export_fill_upload_round_trip(client: TestClient[Any, Any], rt: Runtime) -> None:
    give_phones(rt)
    await login(client, "zhang")
    resp = await draw(client, per_village="3", seed="2026", exclude_days="30")
    assert resp.status == 303 and resp.headers["Location"].startswith("/callbacks/1")
    page = await (await client.get("/callbacks/1?done=drawn")).text()
    assert "已抽取本轮回访名单" in page and "随机种子 2026" in page
    assert re.search(r"<td>王家村</td><td>4</td><td>2</td><td>0</td><td>2</td>", page)
    calls = rt.store.callback_calls(1)
    assert [c.unit for c in calls] == ["李家村"] * 3 + ["王家村"] * 2
    assert calls[0].phone in page  # the office sees full phones

    book = await exported(client, calls)
    sheet = book.worksheets[0]

    # Filled in as a 督导组 member would: synonyms, a note, one row left for later.
    for row, result, note in (
        (2, "知道", "知道96110"),
        (3, "不知晓", ""),
        (4, "联系不上", "关机"),
    ):
        sheet.cell(row=row, column=5, value=result)
        sheet.cell(row=row, column=6, value=note)
    sheet.cell(row=5, column=5, value="知晓")
    buffer = io.BytesIO()
    book.save(buffer)
    status, preview = await upload(client, 1, "第1轮回访名单.xlsx", buffer.getvalue())
    assert status == 200, preview
    assert "检查通过：共 5 行，确认后登记 4 户" in preview and "未填写（保持原样）" in preview
    assert all(not c.outcome for c in rt.store.callback_calls(1))  # nothing until confirmed
    resp = await client.post(
        "/callbacks/1/import",
        data={"csrf": hidden(preview, "csrf"), "token": hidden(preview, "token")},
        allow_redirects=False,
    )
    assert resp.status == 303
    got = [(c.outcome, c.note) for c in rt.store.callback_calls(1)]
    assert got == [
        (KNOWN, "知道96110"),
        (UNKNOWN, ""),
        (UNREACHABLE, "关机"),
        (KNOWN, ""),
        ("", ""),
    ]
    page = await (await client.get("/callbacks/1")).text()
    assert (
        "<td>李家村</td><td>8</td><td>0</td><td>0</td><td>3</td><td>1</td><td>1</td><td>1</td><td>0</td><td>50%</td>"
        in page
    )
    audit = rt.store.audit_log()
    assert audit[0].action == "回访登记" and "上传 第1轮回访名单.xlsx" in audit[0].detail
    assert audit[1].action == "回访导出" and audit[2].action == "回访抽取"

    await complete_by_select(client, rt, page, calls[4].wechat)


async def test_bad_uploads_name_file_row_and_column_and_store_nothing(
    client: TestClient[Any, Any], rt: Runtime
) -> None:
    give_phones(rt)
    await login(client, "zhang")
    await draw(client, per_village="2", seed="5")
    calls = rt.store.callback_calls(1)
    head = list(HEADER)
    good = [[c.unit, c.name, c.phone, c.groups, "知晓", ""] for c in calls]
    bad = [
        head,
        good[0],
        [*good[1][:4], "也许", ""],
        [*good[2][:1], "李四", *good[2][2:]],
        good[0],
    ]
    status, page = await upload(client, 1, "回访.xlsx", xlsx(bad))
    assert status == 400
    assert "回访名单有 3 处错误，没有登记任何结果" in page
    assert (
        "文件 回访.xlsx 第 3 行 “结果”列：无法识别“也许”，请填写 知晓、不知晓、无法联系 之一"
        in page
    )
    assert (
        f"文件 回访.xlsx 第 4 行：王家村 李四（{calls[2].phone}）不在第 1 轮的抽查名单中" in page
    )
    assert f"文件 回访.xlsx 第 5 行：{calls[0].name} 与第 2 行重复" in page
    assert 'name="token"' not in page and "确认登记" not in page

    status, page = await upload(client, 1, "回访.xlsx", xlsx([head[:4], good[0][:4]]))
    assert status == 400 and "文件 回访.xlsx 第 1 行：缺少列 结果、备注" in page
    status, page = await upload(client, 1, "回访.txt", b"x")
    assert status == 400 and "只支持 .xlsx 或 .csv 文件" in page
    status, page = await upload(client, 1, "回访.xlsx", b"not a zip")
    assert status == 400 and "不是有效的 Excel（.xlsx）文件" in page
    assert all(not c.outcome for c in rt.store.callback_calls(1))
    assert next(e.action for e in rt.store.audit_log()) == "回访抽取"

    # A CSV the office saved from Excel is read the same way.
    csv = "\n".join(",".join(r) for r in [head, *good]).encode("utf-8-sig")
    status, page = await upload(client, 1, "回访.csv", csv)
    assert status == 200 and f"确认后登记 {len(calls)} 户" in page


async def test_draw_form_errors_and_permissions(client: TestClient[Any, Any], rt: Runtime) -> None:
    give_phones(rt)
    await login(client, "zhang")
    resp = await draw(client, per_village="abc")
    assert resp.status == 400 and "“每村户数”应为整数：abc" in await resp.text()
    resp = await draw(client, size_by="percent", percent="150")
    assert resp.status == 400 and "抽取比例应大于 0、不超过 100" in await resp.text()
    assert rt.store.callback_rounds() == []
    await draw(client, size_by="percent", percent="50", maximum="3", seed="11")
    phone = rt.store.callback_calls(1)[0].phone
    page = await (await client.get("/callbacks")).text()
    resp = await client.post(
        "/callbacks",
        data={"csrf": hidden(page, "csrf"), "unit": "王家村", "per_village": "1"},
        allow_redirects=False,
    )
    assert resp.status == 303

    await login(client, "liu")  # a leader: reads everything, phones masked, changes nothing
    page = await (await client.get("/callbacks/1")).text()
    assert "第1轮回访" in page and phone not in page and f"{phone[:3]}****{phone[-4:]}" in page
    assert "<select" not in page and "导出回访名单" not in page
    resp = await client.get("/callbacks/1/calls.xlsx")
    assert resp.status == 403
    assert "无权导出回访名单（含完整电话号码）" in await resp.text()
    resp = await draw(client, per_village="2")
    assert resp.status == 403 and "无权发起回访抽查" in await resp.text()
    resp = await client.post(
        "/callbacks/1", data={"csrf": hidden(page, "csrf"), "outcome:lj1_h0": KNOWN}
    )
    assert resp.status == 403 and "无权登记回访结果" in await resp.text()
    status, text = await upload(client, 1, "x.xlsx", xlsx([list(HEADER)]))
    assert status == 403 and "无权上传回访结果" in text

    await login(client, "li_sup")  # a supervisor: their own village's rows only
    page = await (await client.get("/callbacks/1")).text()
    assert "李家村" in page and "王户" not in page and "<td>王家村</td>" not in page
    assert (await client.get("/callbacks/1/calls.xlsx")).status == 403
    assert 'href="/callbacks" aria-current="page">回访</a>' in page
    assert (await client.get("/callbacks/2")).status == 404  # 王家村 only
    listing = await (await client.get("/callbacks")).text()
    assert "第1轮" in listing and "第2轮" not in listing and "抽取新一轮" not in listing
    actions = [e.action for e in rt.store.audit_log() if e.action.startswith("回访")]
    assert actions == ["回访抽取", "回访抽取"]  # the refused requests changed nothing
