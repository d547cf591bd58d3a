"""Rosters as towns write them, and roster uploads that cannot wipe the town (issue 8).

Real components throughout: the aiohttp dashboard over the small town's SQLite file,
real CSV bytes and real .xlsx files written by openpyxl, the CLI entry point.
"""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from openpyxl import Workbook

from bot.__main__ import main
from bot.clock import SimClock
from bot.config import Config
from bot.domain.followup import supervisors_of
from bot.domain.model import IncomingMessage, Member, Org, Role
from bot.domain.relay import ScopeError
from bot.formats import rosterfile, sheets
from bot.formats.orgdump import dump_org
from bot.formats.rosterfile import COLUMNS, read_roster
from bot.runtime import Runtime, build
from tests.conftest import START, small_town
from tests.webclient import login, post_json

HEADER = ",".join(COLUMNS)
BODIES = (
    Member("党委书记", Role.LEADER, "镇党委", "dw_sj", ("cmd",)),
    Member("平安办主任", Role.OFFICE, "平安办", "pab", ("cmd",)),
    Member("综治专干", Role.OFFICE, "镇综治中心", "zz", ("cmd",)),
    Member("片警老赵", Role.SUPERVISOR, "派出所", "pj_zhao", ("cmd", "wj")),
)


def town_with_bodies() -> Org:
    """The small town plus staff of town bodies that have no group of their own."""
    town = small_town()
    return replace(town, members=town.members + BODIES)


def csv_of(org: Org, keep: Callable[[Member], bool] = lambda m: True, eol: str = "\n") -> bytes:
    """The roster as the office's CSV (UTF-8), keeping the members `keep` accepts."""
    lines = [HEADER]
    for m in org.members:
        if keep(m):
            role = rosterfile.ROLE_LABELS[m.role]
            lines.append(f"{m.name},{role},{m.unit or ''},{m.wechat},{'、'.join(m.groups)},")
    return eol.join(lines).encode()


def xlsx_of(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def preview(c: TestClient[Any, Any], csrf: str, data: bytes, name: str) -> Any:
    form = aiohttp.FormData()
    form.add_field("file", data, filename=name)
    return await c.post("/api/roster/preview", data=form, headers={"X-CSRF-Token": csrf})


async def cli(argv: list[str]) -> int:
    """The CLI from another thread (as from another process; it runs its own event loop)."""
    return await asyncio.to_thread(main, argv)


def msg(n: int, sender: str, text: str, group: str | None = "cmd") -> IncomingMessage:
    return IncomingMessage(f"safety-{n}", START, sender, text, group)


# -- rosters as towns write them -------------------------------------------------------------


async def test_town_bodies_are_not_units_of_coverage_or_ranking(
    config: Config, clock: SimClock
) -> None:
    rt = build(config, clock, org=town_with_bodies())
    try:
        app = rt.app
        assert app.org.units == ("李家村", "王家村", "农商银行", "中心小学")
        office = app.org.member("pab")
        assert office is not None
        push = app.create_push("防范电信诈骗", "正文", office, clock.now())
        assert push.scope == app.org.units
        (cov,) = app.coverage_report()
        assert [u.unit for u in cov.units] == list(app.org.units)  # no 派出所 with zeros
        assert cov.pushers == 5 and cov.households == 18
        ranking = app.chat.queries.ranking_text(app.context(clock.now()), "day")
        assert "派出所" not in ranking and "平安办" not in ranking and "王家村" in ranking
        with pytest.raises(ScopeError):
            app.create_push("x", "y", office, clock.now(), ["派出所"])
        # The 片警 of the 派出所 supervises 王家村 through the group he sits in.
        assert [m.wechat for m in supervisors_of(app.org, {"王家村"})] == ["pj_zhao"]
        assert [m.wechat for m in supervisors_of(app.org, {"李家村"})] == ["lj_sup"]
        # A leader of a town body commands as before.
        before = len(rt.store.outbox())
        await app.handle(msg(1, "dw_sj", "进度"))
        assert [i.conversation for i in rt.store.outbox()[before:]] == ["cmd"]
    finally:
        rt.store.close()


async def test_uploads_accept_town_bodies_as_csv_and_xlsx(
    client: TestClient[Any, Any],
    rt: Runtime,
) -> None:
    csrf = await login(client, "zhang")
    rows = [
        "党委书记,领导,镇党委,dw_sj,cmd,",
        "镇长,领导,镇政府,zz_zhang,cmd,",
        "平安办主任,办公室,平安办,pab,cmd,",
        "办事员,办公室,,bsy,cmd,",
        "片警老赵,监督员,派出所,pj_zhao,cmd、wj,13900001111",
    ]
    data = csv_of(rt.app.org) + ("\n" + "\n".join(rows)).encode()
    resp = await preview(client, csrf, data, "名册.csv")
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["changes"]["added"] == 5 and body["removal"]["count"] == 0
    done = await post_json(client, "/api/roster/import", {"token": body["token"]}, csrf)
    assert (await done.json())["imported"] == 1
    police = rt.app.org.member("pj_zhao")
    assert police is not None and police.unit == "派出所" and police.groups == ("cmd", "wj")
    assert "派出所" not in rt.app.org.units

    sheet = [line.split(",") for line in csv_of(rt.app.org).decode().splitlines()[1:]]
    good = xlsx_of([*sheet, ["综治专干", "办公室", "镇综治中心", "zz", "cmd", ""]])
    resp = await preview(client, csrf, good, "名册.xlsx")
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["changes"]["added"] == 1
    bad = xlsx_of([*sheet, ["片警", "监督员", "派出所", "pj2", "cmd", ""]])
    resp = await preview(client, csrf, bad, "名册.xlsx")
    assert (await resp.json())["errors"] == [
        f"名册文件 名册.xlsx：第 {len(sheet) + 2} 行（片警）是监督员，"
        '所属单位 "派出所" 没有自己的群，'
        "“所在群”列必须至少包含一个所服务的村、单位或网格群"
    ]


# -- an upload can never wipe the town by accident -------------------------------------------


async def test_one_row_csv_needs_the_typed_number_and_can_be_restored(
    client: TestClient[Any, Any],
    rt: Runtime,
) -> None:
    csrf = await login(client, "zhang")
    before = rt.app.org
    version = rt.store.roster_version()
    one_row = f"{HEADER}\n张主任,办公室,,office,cmd,\n".encode()

    # The page leads with what goes, and offers no plain green confirm.
    form = aiohttp.FormData()
    form.add_field("csrf", csrf)
    form.add_field("file", one_row, filename="名册.csv")
    html = await (await client.post("/roster/preview", data=form)).text()
    assert '<p class="ok"' not in html and ">检查通过：" not in html
    assert html.index("将删除 25 人（现有 26 人）") < html.index("格式检查通过")
    assert "领导 1 人：刘书记" in html and "推送员 5 人：李一（李家村）" in html
    assert "监督员 1 人：李网格长（李家村）" in html and "户主 18 户" in html
    assert 'name="confirm"' in html and ">确认导入<" not in html

    resp = await preview(client, csrf, one_row, "名册.csv")
    body = await resp.json()
    assert body["removal"]["count"] == 25 and body["removal"]["households"] == 18
    assert body["removal"]["needs_typed_confirm"] is True
    assert body["removal"]["confirm_text"] == "25"
    assert body["removal"]["summary"][0] == "将删除 25 人（现有 26 人）"
    for confirm in (None, "", "确认", "24"):
        payload = {"token": body["token"]} | ({"confirm": confirm} if confirm is not None else {})
        refused = await post_json(client, "/api/roster/import", payload, csrf)
        assert refused.status == 400
        assert "请在确认框中输入删除人数 25" in (await refused.json())["error"]
    assert rt.store.roster_version() == version and rt.app.org == before

    done = await post_json(
        client, "/api/roster/import", {"token": body["token"], "confirm": "２５"}, csrf
    )
    assert (await done.json())["imported"] == 1
    assert len(rt.app.org.members) == 1

    # Removed members are on record; the previous version comes back in one action.
    history = (await (await client.get("/api/roster/history")).json())["versions"]
    assert [v["members"] for v in history[:2]] == [1, 26]
    assert (await client.post("/roster/restore")).status == 403  # no CSRF token
    resp = await client.post("/roster/restore", data={"csrf": csrf}, allow_redirects=False)
    assert resp.status == 303 and "done=restored" in resp.headers["Location"]
    assert len(rt.app.org.members) == 26 and rt.app.org.member("lj_p1") is not None
    assert rt.store.roster_version() == version + 2
    audit = [(actor, action, detail) for _, actor, action, detail in rt.store.audit_log()]
    assert (
        "zhang",
        "恢复名册",
        f"已恢复第 {version} 版名册：26 人（恢复前 1 人），保存为第 {version + 2} 版",
    ) in audit
    page = await (await client.get("/roster?done=restored")).text()
    assert "已恢复上一版名册" in page and "恢复上一版（第" in page
    # The restored roster is live: a pusher who was removed can sign in chat again.
    await rt.app.handle(msg(2, "office", "帮助"))
    assert rt.app.org.member("wj_p") is not None


async def test_small_removals_confirm_plainly_but_key_roles_never(
    client: TestClient[Any, Any],
    rt: Runtime,
) -> None:
    csrf = await login(client, "zhang")
    org = rt.app.org
    one_household = csv_of(org, lambda m: m.wechat != "wj_h0")
    removal = (await (await preview(client, csrf, one_household, "a.csv")).json())["removal"]
    assert removal["count"] == 1 and removal["needs_typed_confirm"] is False
    for gone in ("wj_p", "office", "leader"):  # one pusher, office or leader: always typed
        data = csv_of(org, lambda m, gone=gone: m.wechat != gone)  # type: ignore[misc]
        removal = (await (await preview(client, csrf, data, "b.csv")).json())["removal"]
        assert removal["count"] == 1 and removal["needs_typed_confirm"] is True, gone
    three = csv_of(org, lambda m: m.wechat not in ("wj_h0", "wj_h1", "wj_h2"))
    removal = (await (await preview(client, csrf, three, "c.csv")).json())["removal"]
    assert removal["needs_typed_confirm"] is True  # 3 of 26 is more than a tenth
    two = csv_of(org, lambda m: m.wechat not in ("wj_h0", "wj_h1"))
    body = await (await preview(client, csrf, two, "d.csv")).json()
    assert body["removal"]["needs_typed_confirm"] is False
    done = await post_json(client, "/api/roster/import", {"token": body["token"]}, csrf)
    assert (await done.json())["imported"] == 1 and len(rt.app.org.members) == 24


async def test_cli_history_and_restore_reach_the_running_bot(
    rt: Runtime,
    config: Config,
    clock: SimClock,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[bot]\ndata_dir = "data"\n', "utf-8")
    assert await cli(["roster", "restore", "--config", str(cfg)]) == 2
    assert "没有可以恢复的上一版名册" in capsys.readouterr().err
    town = rt.app.org
    without_wang = replace(town, members=tuple(m for m in town.members if m.unit != "王家村"))
    rt.app.import_roster(rt.store, without_wang, clock.now(), "误导入")
    rt.app.reload_roster()
    assert rt.app.org.member("wj_p") is None

    assert await cli(["roster", "history", "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "第 2 版" in out and "误导入  ← 当前" in out and "21 人" in out and "26 人" in out
    assert await cli(["roster", "restore", "--config", str(cfg)]) == 0
    assert "已恢复第 1 版名册：26 人（恢复前 21 人），保存为第 3 版" in capsys.readouterr().out
    assert await cli(["roster", "restore", "--version", "9", "--config", str(cfg)]) == 2
    assert "没有第 9 版名册" in capsys.readouterr().err

    # The bot (another connection to the same file) follows at its next message.
    assert rt.app.org.member("wj_p") is None
    await rt.app.handle(msg(3, "wj_p", "帮助"))
    assert rt.app.org.member("wj_p") is not None and rt.app.roster_version == 3
    assert [i.conversation for i in rt.store.outbox()][-1:] == ["cmd"]
    assert ("命令行", "恢复名册") in [(a, b) for _, a, b, _ in rt.store.audit_log()]


# -- hardening: caps, line endings, phones, a parse off the event loop -----------------------


def test_xlsx_over_the_row_cap_is_refused_not_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sheets, "MAX_ROWS", 20)
    org = small_town()
    rows = [line.split(",") for line in csv_of(org).decode().splitlines()[1:]]
    assert len(rows) == 26
    result = read_roster("名册.xlsx", xlsx_of(rows), org)
    assert result.org is None
    assert result.errors == [
        "名册文件 名册.xlsx：行数超过上限 20 行，没有导入任何数据"
        "（请删去多余的空行或其他工作表内容；全县规模的名册请用组织文件导入）"
    ]
    # Blank formatted rows below the data do not count against the cap.
    monkeypatch.setattr(sheets, "MAX_ROWS", 30)
    padded = xlsx_of([*rows, *([[""] * 6] * 40)])
    assert read_roster("名册.xlsx", padded, org).ok


def test_file_size_cap_and_broken_csv(monkeypatch: pytest.MonkeyPatch) -> None:
    org = small_town()
    monkeypatch.setattr(sheets, "MAX_FILE_BYTES", 1024 * 1024)
    big = csv_of(org) + b"\n" * (1024 * 1024)
    assert read_roster("a.csv", big, org).errors == [
        "名册文件 a.csv：文件大小 1.0 MB 超过上限 1 MB，没有导入任何数据"
    ]
    huge_cell = f"{HEADER}\n张三,户主,王家村,x,wj,{'1' * 200_000}\n".encode()
    (error,) = read_roster("b.csv", huge_cell, org).errors
    assert error.startswith("名册文件 b.csv：第 2 行不是有效的 CSV")


@pytest.mark.parametrize("eol", ["\r", "\r\n", "\n"])
async def test_csv_line_endings_all_parse(
    client: TestClient[Any, Any],
    rt: Runtime,
    eol: str,
) -> None:
    csrf = await login(client, "zhang")
    resp = await preview(client, csrf, csv_of(rt.app.org, eol=eol), "mac.csv")
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["changes"] == {"added": 0, "removed": 0, "changed": 0, "total": 26}


async def test_phone_digits_in_uploads(client: TestClient[Any, Any], rt: Runtime) -> None:
    csrf = await login(client, "zhang")
    org = rt.app.org
    base = csv_of(org, lambda m: m.wechat != "wj_h0").decode()
    arabic = f"{base}\n王户0,户主,王家村,wj_h0,wj,١٣٨٠٠١٣٨٠٠٠".encode()
    resp = await preview(client, csrf, arabic, "a.csv")
    assert resp.status == 400
    assert (await resp.json())["errors"] == [
        '名册文件 a.csv：第 27 行（王户0）“手机号”列的值 "١٣٨٠٠١٣٨٠٠٠" 含有非 ASCII 数字'
        "（如阿拉伯文或其他文字的数字），手机号只能用 0-9"
    ]
    wide = f"{base}\n王户0,户主,王家村,wj_h0,wj,１３８００１３８０００".encode()
    body = await (await preview(client, csrf, wide, "b.csv")).json()
    await post_json(client, "/api/roster/import", {"token": body["token"]}, csrf)
    member = rt.app.org.member("wj_h0")
    assert member is not None and member.phone == "13800138000"


async def test_bot_keeps_answering_while_an_upload_is_parsed(
    client: TestClient[Any, Any],
    rt: Runtime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    csrf = await login(client, "zhang")
    entered, release, parsed = threading.Event(), threading.Event(), threading.Event()
    real = rosterfile.read_table

    def held(filename: str, data: bytes, source: str) -> list[list[str]]:
        entered.set()
        release.wait(timeout=10)  # a bound, so the old on-the-loop parse fails instead of hanging
        try:
            return real(filename, data, source)
        finally:
            parsed.set()

    monkeypatch.setattr(rosterfile, "read_table", held)
    org = rt.app.org
    upload = asyncio.create_task(preview(client, csrf, csv_of(org) * 1, "big.csv"))
    assert await asyncio.to_thread(entered.wait, 10)
    before = len(rt.store.outbox())
    await rt.app.handle(msg(4, "leader", "帮助"))
    answered = len(rt.store.outbox()) > before
    still_parsing = not parsed.is_set()
    release.set()
    resp = await upload
    assert resp.status == 200
    assert answered and still_parsing


async def test_a_web_import_survives_a_restart_until_the_org_file_changes(
    config: Config, clock: SimClock, tmp_path: Path
) -> None:
    org_path = tmp_path / "org.toml"
    org_path.write_text(dump_org(small_town()), "utf-8")
    cfg = replace(config, bot=replace(config.bot, org=str(org_path)))
    first = build(cfg, clock)
    town = first.app.org
    uploaded = replace(town, members=tuple(m for m in town.members if m.wechat != "wj_h3"))
    first.app.import_roster(first.store, uploaded, clock.now(), "网页导入")
    first.store.close()

    again = build(cfg, clock)  # the unchanged file must not undo the upload
    assert again.app.org.member("wj_h3") is None
    assert again.store.roster_version() == 2
    again.store.close()

    org_path.write_text(dump_org(town_with_bodies()), "utf-8")  # the office edits the file
    edited = build(cfg, clock)
    assert edited.app.org.member("pab") is not None
    assert edited.app.org.member("wj_h3") is not None
    edited.store.close()
