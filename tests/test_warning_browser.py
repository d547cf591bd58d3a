"""The 预警 pages in Chromium: the office issues a warning through the form, the grid member
signs and reports the 劝阻 privately in the console, the chain page shows each step."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_web_browser import TIMEOUT, base_url, browser, new_page, say

__all__ = ["base_url", "browser"]  # fixtures used by name

pytestmark = pytest.mark.browser


async def test_issue_and_follow_a_warning(browser: Any, base_url: str) -> None:
    from playwright.async_api import expect

    office = await new_page(browser, base_url)
    await office.click("nav >> text=预警")
    await office.fill("input[name=name]", "李一户2")
    await office.fill("input[name=phone]", "13800001234")
    await office.fill("input[name=detected]", "接听涉诈电话（冒充客服）")
    await office.select_option("select[name=risk]", "中")
    await office.click("form[action='/warnings'] button[type=submit]")
    await office.wait_for_url(base_url + "/warnings/1")
    await expect(office.locator("h2").first).to_contain_text("预警1 · 待签收 · 风险中")
    await expect(office.locator("main")).to_contain_text("13800001234")  # the issuer

    console = await office.context.new_page()
    await console.goto("/console")
    await expect(console.locator("#console")).to_have_attribute("data-ready", "true")
    await say(console, "private:lj_p1", "lj_p1", "收到")
    answer = console.locator(".msg.from-bot .bubble").last
    await expect(answer).to_contain_text("预警1已签收", timeout=TIMEOUT)
    await say(console, "private:lj_p1", "lj_p1", "已电话劝阻")
    await expect(answer).to_contain_text("电话·已劝阻", timeout=TIMEOUT)

    await office.reload()
    chain = office.locator("table").first
    await expect(chain).to_contain_text("按时")
    await expect(chain).to_contain_text("电话·已劝阻")
    await office.click("nav >> text=预警")
    await expect(office.locator("main table")).to_contain_text("已劝阻")
