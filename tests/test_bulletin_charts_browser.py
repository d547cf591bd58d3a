"""The 通报 page in headless Chromium: a 月度排名 with two charts shows both images, loaded."""

from __future__ import annotations

from typing import Any

import pytest

from bot.clock import SimClock
from bot.runtime import Runtime
from tests.test_bulletin_charts import monthly_with_charts
from tests.test_web_browser import (  # noqa: F401 (fixtures)
    ARTIFACTS,
    base_url,
    browser,
    new_page,
)

pytestmark = pytest.mark.browser


async def test_bulletins_page_shows_both_monthly_charts(
    browser: Any,  # noqa: F811
    base_url: str,  # noqa: F811
    rt: Runtime,
    clock: SimClock,
) -> None:
    from playwright.async_api import expect

    bulletin, _ = await monthly_with_charts(rt, clock)
    page = await new_page(browser, base_url)
    await page.click("nav >> text=通报")
    card = page.locator("article.card").first
    await expect(card.locator("h2")).to_have_text("月度排名 · 2026-11")
    images = card.locator("img")
    await expect(images).to_have_count(2)
    sources = [await images.nth(i).get_attribute("src") for i in range(2)]
    assert sources == [f"/bulletins/{bulletin.id}/image", f"/bulletins/{bulletin.id}/image/2"]
    for i in range(2):
        img = images.nth(i)
        await img.scroll_into_view_if_needed()
        await expect(img).to_have_js_property("complete", True)
        assert await img.evaluate("i => i.naturalWidth") > 400
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "web-bulletin-charts.png"), full_page=True)
