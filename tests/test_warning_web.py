"""The 预警 pages and API: 派出所 and office issue, everyone else sees the victim masked,
the issuer evaluates after the assignee's 反馈; CSRF, permissions, audit, the photo."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.clock import SimClock
from bot.config import Config, WebUser
from bot.domain.model import MessageKind
from bot.runtime import Runtime
from bot.web import create_web_app
from bot.web.auth import hash_password
from tests.chat import advance
from tests.webclient import ITERATIONS, PASSWORD, PNG, USERS, hidden, login, post_json

PHONE = "13800001234"
ID_NUMBER = "110101199001011234"
EXTRA = (
    WebUser("police1", "police", hash_password(PASSWORD, ITERATIONS)),
    WebUser("police2", "police", hash_password(PASSWORD, ITERATIONS)),
    # A login named like the assignee (李一, the pusher of 李家村一网格群).
    WebUser("李一", "supervisor", hash_password(PASSWORD, ITERATIONS), "李家村"),
    WebUser("wang_sup", "supervisor", hash_password(PASSWORD, ITERATIONS), "王家村"),
)


@pytest.fixture
async def wclient(rt: Runtime, config: Config) -> AsyncIterator[TestClient[Any, Any]]:
    await rt.app.start()
    web = replace(config.web, users=(*USERS, *EXTRA), secret="test-secret")
    app = create_web_app(rt, replace(config, web=web), hash_iterations=ITERATIONS)
    async with TestClient(TestServer(app)) as c:
        yield c
    await rt.app.stop()


FORM = {
    "name": "李一户2",
    "phone": PHONE,
    "id_number": ID_NUMBER,
    "detected": "安装涉诈APP“某某理财”",
    "risk": "高",
    "assignee": "",
}


async def _issue_by_form(c: TestClient[Any, Any]) -> int:
    page = await (await c.get("/warnings")).text()
    assert "下发预警" in page
    resp = await c.post(
        "/warnings", data={**FORM, "csrf": hidden(page, "csrf")}, allow_redirects=False
    )
    assert resp.status == 303, await resp.text()
    found = re.search(r"/warnings/(\d+)$", resp.headers["Location"])
    assert found is not None
    return int(found.group(1))


async def _assignee_replies(rt: Runtime, clock: SimClock) -> None:
    assert rt.simulator is not None
    for text in ("收到", "已上门劝阻", "反馈：已帮其卸载APP，家属已知晓"):
        advance(clock, 10)
        await rt.app.handle(rt.simulator.message("lj_p1", text))
    advance(clock, 1)
    shot = rt.simulator.message("lj_p1", "", kind=MessageKind.IMAGE, data=PNG, filename="a.png")
    await rt.app.handle(shot)
    await rt.app.settle()


async def test_issue_chain_and_evaluate(
    wclient: TestClient[Any, Any], rt: Runtime, clock: SimClock
) -> None:
    await login(wclient, "police1")
    warning_id = await _issue_by_form(wclient)
    assert rt.simulator is not None
    notice = [line for line in rt.simulator.pop_sent() if line.conversation == "lj_p1"]
    assert len(notice) == 1 and PHONE in notice[0].text and ID_NUMBER in notice[0].text
    page = await (await wclient.get(f"/warnings/{warning_id}")).text()
    assert "李一户2" in page and PHONE in page and "待签收" in page and "未到期" in page
    await _assignee_replies(rt, clock)
    rt.simulator.pop_sent()
    page = await (await wclient.get(f"/warnings/{warning_id}")).text()
    assert "09:10" in page and "按时" in page and "上门·已劝阻" in page
    assert f'href="/warnings/{warning_id}/photo"' in page and "提交评价" in page
    photo = await wclient.get(f"/warnings/{warning_id}/photo")
    assert photo.status == 200 and await photo.read() == PNG

    no_token = await wclient.post(f"/warnings/{warning_id}/evaluation", data={"grade": "满意"})
    assert no_token.status == 403
    bad = await wclient.post(
        f"/warnings/{warning_id}/evaluation",
        data={"grade": "很好", "csrf": hidden(page, "csrf")},
    )
    assert bad.status == 400 and "评价只能是 满意、基本满意、不满意" in await bad.text()
    ok = await wclient.post(
        f"/warnings/{warning_id}/evaluation",
        data={"grade": "基本满意", "note": "照片不够清晰", "csrf": hidden(page, "csrf")},
        allow_redirects=False,
    )
    assert ok.status == 303
    told = rt.simulator.pop_sent()
    assert [(t.conversation, t.text) for t in told] == [
        ("lj_p1", f"预警{warning_id}已办结，下发单位评价：基本满意（照片不够清晰）。")
    ]
    done = rt.store.get_warning(warning_id)
    assert done is not None and done.state == "已评价" and done.evaluated_by == "police1（派出所）"
    audits = [(a.action, a.detail) for a in rt.store.audit_log() if a.action.startswith("预警")]
    assert audits[0] == ("预警评价", f"预警{warning_id}：基本满意（照片不够清晰）")
    assert audits[1][0] == "预警下发" and "指派给李一" in audits[1][1]


async def test_masked_for_everyone_but_issuer_and_assignee(
    wclient: TestClient[Any, Any], rt: Runtime, clock: SimClock
) -> None:
    await login(wclient, "police1")
    warning_id = await _issue_by_form(wclient)
    await _assignee_replies(rt, clock)
    assert rt.simulator is not None
    rt.simulator.pop_sent()
    for name in ("police2", "zhang", "liu", "li_sup"):
        csrf = await login(wclient, name)
        for path in ("/warnings", f"/warnings/{warning_id}", f"/api/warnings/{warning_id}"):
            text = await (await wclient.get(path)).text()
            assert PHONE not in text and ID_NUMBER not in text and "李一户2" not in text, name
            assert "138****1234" in text and "李一**" in text, (name, path)
        assert (await wclient.get(f"/warnings/{warning_id}/photo")).status == 404
        refused = await post_json(
            wclient, f"/api/warnings/{warning_id}/evaluation", {"grade": "满意"}, csrf
        )
        assert refused.status == 403, name
    await login(wclient, "李一")
    data = await (await wclient.get(f"/api/warnings/{warning_id}")).json()
    assert data["victim"] == {
        "name": "李一户2",
        "phone": PHONE,
        "id_number": ID_NUMBER,
        "masked": False,
    }
    assert not data["can_evaluate"]
    await login(wclient, "wang_sup")
    assert (await wclient.get(f"/warnings/{warning_id}")).status == 404
    assert (await (await wclient.get("/api/warnings")).json())["warnings"] == []


async def test_issue_permissions_and_errors(wclient: TestClient[Any, Any], rt: Runtime) -> None:
    csrf = await login(wclient, "liu")
    assert "<h2>下发预警</h2>" not in await (await wclient.get("/warnings")).text()
    refused = await post_json(wclient, "/api/warnings", {**FORM}, csrf)
    assert refused.status == 403
    csrf = await login(wclient, "zhang")
    bad = await post_json(
        wclient, "/api/warnings", {**FORM, "phone": "123", "risk": "x", "name": ""}, csrf
    )
    error = (await bad.json())["error"]
    assert bad.status == 400 and "姓名" in error and "电话" in error and "风险等级" in error
    typed = await post_json(wclient, "/api/warnings", {**FORM, "phone": 138}, csrf)
    assert typed.status == 400 and "phone" in (await typed.json())["error"]
    chosen = await post_json(
        wclient,
        "/api/warnings",
        {**FORM, "name": "外来人员", "phone": "13600000000", "assignee": "wj_p"},
        csrf,
    )
    assert chosen.status == 201
    body = await chosen.json()
    assert body["assignee"] == "王网格员" and body["unit"] == "王家村"
    assert body["victim"]["phone"] == "13600000000"  # the issuer sees it whole
    assert rt.simulator is not None
    sent = rt.simulator.pop_sent()
    assert [line.conversation for line in sent] == ["wj_p"]
    page = await wclient.post("/warnings", data={**FORM, "phone": "1", "csrf": csrf})
    assert page.status == 400 and "不是有效的手机号" in await page.text()
    assert len(rt.store.warnings()) == 1


async def test_register_export_is_masked_alike(
    wclient: TestClient[Any, Any], rt: Runtime, clock: SimClock
) -> None:
    import io

    from openpyxl import load_workbook

    from bot.formats.warningsheet import WARNING_HEADER

    await login(wclient, "police1")
    warning_id = await _issue_by_form(wclient)
    await _assignee_replies(rt, clock)
    assert rt.simulator is not None
    rt.simulator.pop_sent()

    async def rows(name: str) -> list[tuple[Any, ...]]:
        await login(wclient, name)
        resp = await wclient.get("/api/warnings.xlsx")
        assert resp.status == 200
        assert "filename*=UTF-8''%E9%A2%84%E8%AD%A6" in resp.headers["Content-Disposition"]
        book = load_workbook(io.BytesIO(await resp.read()))
        return list(book["预警劝阻单"].iter_rows(values_only=True))

    issuer = await rows("police1")
    assert issuer[0] == WARNING_HEADER
    assert issuer[1][:6] == (
        warning_id,
        "2026-11-23 09:00",
        "police1（派出所）",
        "李一户2",
        PHONE,
        ID_NUMBER,
    )
    assert issuer[1][10:] == (
        "已反馈",
        "2026-11-23 09:10",
        "2026-11-23 09:30",
        "按时",
        "2026-11-23 09:20",
        "2026-11-24 09:00",
        "按时",
        "上门",
        "已劝阻",
        "已帮其卸载APP，家属已知晓",
        None,
        None,
    )
    office = await rows("zhang")
    assert office[1][3:6] == ("李一**", "138****1234", "110101********1234")
    assert (await rows("wang_sup"))[1:] == []
    assert any(a.action == "预警导出" for a in rt.store.audit_log())
