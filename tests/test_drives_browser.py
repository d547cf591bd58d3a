"""专项行动 in headless Chromium: the office starts a drive from the form, a household's
"已安装" in the console shows on the drive's page, and the Excel export downloads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.runtime import Runtime
from tests.test_web_browser import TIMEOUT, base_url, browser, new_page, say  # noqa: F401

pytestmark = pytest.mark.browser


async def test_office_starts_a_drive_and_sees_a_household_counted(
    browser: Any,  # noqa: F811
    base_url: str,  # noqa: F811
    rt: Runtime,
    tmp_path: Path,
) -> None:
    from playwright.async_api import expect

    office = await new_page(browser, base_url)
    await office.click("nav >> text=专项行动")
    await expect(office.locator("input[name=title]")).to_have_value("推广国家反诈中心APP")
    await expect(office.locator("input[name=targets]")).to_have_value("月底80%")  # late in Nov
    await office.fill("textarea[name=overrides]", "王家村：月底25%")
    await office.click("button:has-text('发起并通知指挥群')")
    await office.wait_for_url(base_url + "/drives/1")
    row = office.locator("table tr", has_text="李家村")
    await expect(row).to_contain_text("0.0%")
    console = await office.context.new_page()
    await console.goto("/console")
    await expect(console.locator("#console")).to_have_attribute("data-ready", "true")
    await console.click('[data-chat="cmd"]')
    announce = console.locator(".msg.from-bot .bubble").last
    await expect(announce).to_contain_text("【专项行动】推广国家反诈中心APP", timeout=TIMEOUT)
    await say(console, "lj1", "lj1_h0", "已经装好了👍")
    await office.reload()
    await expect(office.locator("table tr", has_text="李家村")).to_contain_text("12.5%")
    await expect(office.locator("p.meta")).to_contain_text("合计 1/18 户")
    async with office.expect_download() as info:
        await office.click("a[data-download=drive]")
    download = await info.value
    assert download.suggested_filename.startswith("专项行动-推广国家反诈中心APP")
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    sheet = load_workbook(saved)["专项行动进度"]
    rows = {r[1]: r for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert rows["李家村"][2:5] == (8, 1, 0.125) and rows["王家村"][8] == 0.25
    assert rt.store.drive_counts(1) == {"李家村": 1}
