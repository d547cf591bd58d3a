"""The dashboard and the sandbox console in headless Chromium (Playwright, async API).

The server runs on 127.0.0.1 with a free port, over the small town's SQLite file and the
simulated clock; nothing sleeps: Playwright's `expect` polls until the page shows what is
expected or its timeout runs out.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from openpyxl import load_workbook

from bot.config import Config, WebUser
from bot.formats.rosterfile import COLUMNS, roster_workbook
from bot.runtime import Runtime
from bot.web import create_web_app
from bot.web.auth import hash_password

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PASSWORD = "browser-test-1"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TIMEOUT = 15_000  # ms: generous for a loaded CI machine; expect() returns as soon as it holds


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"找不到 {CHROMIUM}：请先 apt-get install -y chromium fonts-wqy-microhei"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A small solid-colour PNG (a stand-in for a screenshot)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Headless Chromium from the system package (never a downloaded one)."""
    _require_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def base_url(rt: Runtime, config: Config) -> AsyncIterator[str]:
    """The dashboard served on 127.0.0.1:<free port> over the running sandbox bot."""
    users = (WebUser("zhang", "office", hash_password(PASSWORD, 1000)),)
    cfg = replace(config, web=replace(config.web, users=users, port=0))
    await rt.app.start()
    runner = web.AppRunner(create_web_app(rt, cfg, hash_iterations=1000), shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()
    await rt.app.stop()
    # The browser reads the chat through the web console; see the `client` fixture.
    assert rt.simulator is not None
    rt.simulator.pop_sent()


async def new_page(browser: Any, base_url: str) -> Any:
    """A logged-in office page."""
    context = await browser.new_context(base_url=base_url, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(TIMEOUT)
    page = await context.new_page()
    await page.goto("/")
    await page.fill("input[name=username]", "zhang")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(base_url + "/")
    return page


async def say(
    page: Any, chat: str, sender: str, text: str = "", image: bytes | None = None
) -> None:
    """In the console: pick a chat and a member, type (or attach) and send."""
    from playwright.async_api import expect

    await page.click(f'[data-chat="{chat}"]')
    await page.select_option("#sender", sender)
    if image is not None:
        await page.set_input_files(
            "#image", files=[{"name": "截图.png", "mimeType": "image/png", "buffer": image}]
        )
    await page.fill("#text", text)
    await page.click("#send")
    mine = page.locator(".msg.from-member .bubble").last
    await expect(mine).to_have_text("[图片]" if image is not None else text, timeout=TIMEOUT)


async def _sign_deliver_and_ack_in_console(office: Any) -> None:
    """A pusher signs, a household acks, the school's pusher sends a screenshot privately."""
    from playwright.async_api import expect

    console = await office.context.new_page()
    await console.goto("/console")
    await expect(console.locator("#console")).to_have_attribute("data-ready", "true")
    await say(console, "cmd", "lj_p1", "收到")
    await console.click('[data-chat="lj1"]')
    relay = console.locator(".msg.from-bot .bubble").last
    await expect(relay).to_contain_text("【反诈提醒】", timeout=TIMEOUT)
    await say(console, "lj1", "lj1_h0", "收到")
    # The evidence-mode school group: its pusher sends a screenshot privately.
    await say(console, "private:school_p", "school_p", image=png(320, 200, (40, 120, 220)))
    answer = console.locator(".msg.from-bot .bubble").last
    await expect(answer).to_contain_text("已收到佐证截图")


async def _export_coverage(office: Any, tmp_path: Path, title: str) -> None:
    """Download the push's coverage workbook from its page and check what it holds."""
    async with office.expect_download() as info:
        await office.click("a[data-download=coverage]")
    download = await info.value
    assert download.suggested_filename.startswith("推送1覆盖情况")
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    book = load_workbook(saved)
    sheet = book["覆盖情况"]
    assert sheet["A1"].value == title
    assert [c.value for c in sheet[4]][:5] == ["序号", "村/单位", "推送员", "已签收", "签收率"]
    rows = {r[1]: r for r in sheet.iter_rows(min_row=5, values_only=True)}
    assert rows["李家村"][2:5] == (2, 1, 0.5)
    assert rows["合计"][11] == 1  # 回执户数
    assert "未完成" in book.sheetnames


async def test_push_console_and_live_overview(
    browser: Any,
    base_url: str,
    rt: Runtime,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from playwright.async_api import expect

    office = await new_page(browser, base_url)
    await expect(office.locator("h1")).to_have_text("总览")
    await expect(office.locator(".push-list")).to_contain_text("还没有推送")

    # 素材库 → search → start a push for the whole town with a deadline.
    await office.click("nav >> text=素材库")
    await office.fill("input[name=q]", "刷单")
    await office.click("button:has-text('搜索')")
    await office.click(".content-item >> nth=0 >> a.button")
    await office.fill("input[name=deadline]", "18:00")
    await office.click("button:has-text('发起推送')")
    await expect(office.locator("h1")).to_contain_text("第1期")
    push = rt.store.get_push(1)
    assert push is not None and push.created_by == "web:zhang" and push.content_id is not None

    await office.click("nav >> text=总览")
    card = office.locator('[data-push-id="1"]')
    await expect(card.locator('[data-num="sign"]')).to_have_text("0/5（0.0%）")
    await expect(card.locator('[data-num="ack"]')).to_have_text("0/18（0.0%）")
    await office.evaluate("window.__notReloaded = true")

    # A second tab: the trainer acts as a pusher and a household in the sandbox console.
    await _sign_deliver_and_ack_in_console(office)

    # 总览 in the first tab follows by itself.
    await expect(card.locator('[data-num="sign"]')).to_have_text("1/5（20.0%）")
    await expect(card.locator('[data-num="delivery"]')).to_have_text("3/6（50.0%）")
    await expect(card.locator('[data-num="ack"]')).to_have_text("1/18（5.6%）")
    assert await office.evaluate("window.__notReloaded") is True
    assert await card.locator('[data-metric="sign"] progress').evaluate("p => p.value") == 1

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "web-overview.png"
    await office.screenshot(path=str(shot), full_page=True)
    with capsys.disabled():
        print(f"\n总览截图：{shot}")

    # Push detail: the evidence thumbnail is served (behind the login) and shows.
    await card.locator("a").click()
    thumb = office.locator(".thumbs img").first
    await expect(thumb).to_be_visible()
    assert await thumb.evaluate("img => img.naturalWidth") == 320

    # Export the push's coverage and open the file.
    await _export_coverage(office, tmp_path, f"第1期《{push.title}》覆盖情况")
    assert ("zhang", "导出") in [(actor, a) for _, actor, a, _ in rt.store.audit_log()]


async def test_roster_import_names_bad_row_then_imports(
    browser: Any, base_url: str, rt: Runtime, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    page = await new_page(browser, base_url)
    org = rt.app.org
    version = rt.store.roster_version()
    book = load_workbook(io.BytesIO(roster_workbook(org, None, mask=False)))
    sheet = book.active
    assert sheet is not None and tuple(c.value for c in sheet[1]) == COLUMNS
    sheet.append(["新网格员", "推送员", "王家村", "wj_new", "cmd、wj、wj9", "13900001111"])
    bad_row = sheet.max_row
    bad = io.BytesIO()
    book.save(bad)

    await page.click("nav >> text=名册")
    await page.set_input_files(
        "input[name=file]",
        files=[{"name": "名册.xlsx", "mimeType": XLSX_TYPE, "buffer": bad.getvalue()}],
    )
    await page.click("button:has-text('上传并预览')")
    errors = page.locator("ul.errors")
    await expect(errors).to_contain_text(
        f'名册文件 名册.xlsx：第 {bad_row} 行（新网格员）“所在群”列引用了不存在的群 "wj9"'
    )
    await expect(page.locator("p.error")).to_contain_text("没有导入任何数据")
    await expect(page.locator("button:has-text('确认导入')")).to_have_count(0)
    assert rt.store.roster_version() == version

    sheet.cell(row=bad_row, column=5, value="cmd、wj")
    good = tmp_path / "名册.xlsx"
    book.save(good)
    await page.click("a:has-text('返回名册')")
    await page.set_input_files("input[name=file]", str(good))
    await page.click("button:has-text('上传并预览')")
    await expect(page.locator("p.ok")).to_contain_text("新增 1 人")
    await page.click("button:has-text('确认导入')")
    await expect(page.locator("p.notice")).to_contain_text("名册已导入")
    await expect(page.locator("table")).to_contain_text("新网格员")
    assert rt.store.roster_version() == version + 1
    new = rt.app.org.member("wj_new")
    assert new is not None and new.groups == ("cmd", "wj") and new.phone == "13900001111"

    # The new pusher can speak in the console at once.
    await page.goto("/console")
    await say(page, "cmd", "wj_new", "帮助")
    await expect(page.locator(".msg.from-bot .bubble").last).to_contain_text("推送")


async def test_roster_wipe_needs_the_typed_number_then_restores(
    browser: Any, base_url: str, rt: Runtime
) -> None:
    from playwright.async_api import expect

    page = await new_page(browser, base_url)
    version = rt.store.roster_version()
    one_row = ",".join(COLUMNS) + "\n张主任,办公室,,office,cmd,\n"
    await page.click("nav >> text=名册")
    await page.set_input_files(
        "input[name=file]",
        files=[{"name": "名册.csv", "mimeType": "text/csv", "buffer": one_row.encode()}],
    )
    await page.click("button:has-text('上传并预览')")
    await expect(page.locator(".removal h2")).to_have_text("将删除 25 人（现有 26 人）")
    await expect(page.locator("p.ok")).to_have_count(0)
    await expect(page.locator("button:has-text('确认导入')")).to_have_count(0)
    # The browser will not submit without the number (the server checks it too).
    await page.click("button:has-text('确认删除 25 人并导入')")
    assert rt.store.roster_version() == version
    await page.fill("input[name=confirm]", "25")
    await page.click("button:has-text('确认删除 25 人并导入')")
    await expect(page.locator("p.notice")).to_contain_text("名册已导入")
    assert len(rt.app.org.members) == 1

    await page.click("button:has-text('恢复上一版')")
    await expect(page.locator("p.notice")).to_contain_text("已恢复上一版名册")
    await expect(page.locator("table").first).to_contain_text("李网格长")
    assert len(rt.app.org.members) == 26
    assert rt.store.roster_version() == version + 2


async def test_a_household_tip_is_followed_up_on_the_tips_page(
    browser: Any, base_url: str, rt: Runtime
) -> None:
    from playwright.async_api import expect

    # A household reports in the village group: no answer there, a 线索 for the dashboard.
    await rt.app.handle(rt.simulator.message("wj_h1", "我刚才被骗了，已经转账三千元", "wj"))  # type: ignore[union-attr]
    await rt.app.settle()
    office = await new_page(browser, base_url)
    await office.click("nav >> text=线索")
    row = office.locator("table tr", has_text="已经转账三千元")
    await expect(row).to_contain_text("紧急")
    await row.locator("a").first.click()
    await office.select_option("select[name=status]", "已联系")
    await office.fill("textarea[name=note]", "已电话联系，提醒其到派出所报案")
    await office.click("button:has-text('保存')")
    await expect(office.locator("h2").first).to_contain_text("已联系")
    await expect(office.locator("table")).to_contain_text("已电话联系，提醒其到派出所报案")
    actions = [action for _, _, action, _ in rt.store.audit_log()]
    assert "线索" in " ".join(actions)
