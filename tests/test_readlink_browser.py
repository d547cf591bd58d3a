"""The read-confirm link in headless Chromium: a phone opens it, taps, the office sees it.

Same server and browser as tests/test_web_browser.py (Debian's Chromium through Playwright,
127.0.0.1, simulated clock, no sleeping).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.config import Config
from bot.runtime import Runtime
from tests.chat import say
from tests.conftest import make_config
from tests.test_web_browser import (  # noqa: F401  (fixtures)
    ARTIFACTS,
    TIMEOUT,
    base_url,
    browser,
    new_page,
)

pytestmark = pytest.mark.browser

NOTICE = "推送\n【警惕冒充老师收费】有人冒充班主任在家长群发收款码，一律先电话核实。"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """The test config with read-confirm links on."""
    base = make_config(tmp_path)
    return replace(base, web=replace(base.web, public_url="https://fanzha.example.cn"))


async def test_phone_opens_link_taps_and_dashboard_counts_it(
    browser: Any,  # noqa: F811
    base_url: str,  # noqa: F811
    rt: Runtime,
) -> None:
    from playwright.async_api import expect

    announce = (await say(rt, "office", NOTICE, "cmd"))[0].text
    link = re.search(r"中心小学家长群：https://fanzha\.example\.cn(/r/\S+)", announce)
    assert link is not None

    phone = await browser.new_context(
        base_url=base_url,
        locale="zh-CN",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    phone.set_default_timeout(TIMEOUT)
    page = await phone.new_page()
    await page.goto(link.group(1))
    await expect(page.locator("h1")).to_have_text("警惕冒充老师收费")
    await expect(page.locator(".body")).to_contain_text("一律先电话核实")
    button = page.get_by_role("button", name="已阅，我会提醒家人")
    box = await button.bounding_box()
    assert box is not None and box["width"] <= PHONE["width"] and box["height"] >= 44
    scroll = await page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= PHONE["width"]  # no sideways scrolling on a phone
    await button.tap()
    await expect(page.locator("[role=status]")).to_contain_text("已确认，谢谢您")
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "readlink-phone.png"), full_page=True)
    await page.reload()  # the same phone again: counted once, no button
    await expect(page.locator("[role=status]")).to_contain_text("已经确认过了")
    await expect(button).to_have_count(0)
    await phone.close()

    office = await new_page(browser, base_url)
    card = office.locator('[data-push-id="1"]')
    await expect(card.locator('[data-num="ack"]')).to_have_text("1/18（5.6%）")
    await office.goto("/pushes/1")
    row = office.locator("table.units tr", has_text="中心小学")
    await expect(row.locator("td").nth(6)).to_have_text("1")
    await expect(row.locator("td").nth(7)).to_have_text("33.3%")
    await expect(row.locator("td").nth(8)).to_have_text("1")
