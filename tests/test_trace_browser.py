"""The 倒查 page in headless Chromium: search, pick one of two matches, read the record and
download the Excel export (fixtures shared with test_web_browser.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.clock import SimClock
from bot.runtime import Runtime
from tests.test_web_browser import TIMEOUT, base_url, browser, new_page  # noqa: F401
from tests.trace_town import month_of_pushes

pytestmark = pytest.mark.browser


@pytest.fixture
async def traced_url(base_url: str, rt: Runtime, clock: SimClock) -> str:  # noqa: F811
    """The dashboard over a month of pushes."""
    await month_of_pushes(rt, clock)
    return base_url


async def test_office_traces_a_household(
    browser: Any,  # noqa: F811
    traced_url: str,
    tmp_path: Path,
) -> None:
    from playwright.async_api import expect

    office = await new_page(browser, traced_url)
    await office.click("nav >> text=倒查")
    await expect(office.locator("h1")).to_have_text("责任倒查")
    await office.fill("input[name=q]", "1234")
    await office.click("button:has-text('倒查')")
    await expect(office.locator("main")).to_contain_text("找到 2 人，请选择")
    row = office.locator("tr", has_text="李一户0")
    await row.locator("a:has-text('倒查此人')").click()
    main = office.locator("main")
    await expect(main).to_contain_text(
        "所在群收到 1 期，本户回执 1 期，未收到 1 期", timeout=TIMEOUT
    )
    await expect(main).to_contain_text("收到了，谢谢提醒")
    await expect(main).to_contain_text("计划送达，但未送达")
    async with office.expect_download() as info:
        await office.click("a:has-text('导出 Excel')")
    download = await info.value
    assert download.suggested_filename.startswith("责任倒查-李一户0-")
    saved = tmp_path / "trace.xlsx"
    await download.save_as(saved)
    book = load_workbook(saved)
    assert book["收到的推送"]["A1"].value == "责任倒查：李一户0"
    assert "13800001234" in str(book["收到的推送"]["A2"].value)  # the office sees the phone
