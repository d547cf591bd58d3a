"""回访 in headless Chromium: the office draws a round with the form, exports the call list,
fills it in, uploads it (preview, confirm), picks the last outcome with a select and sees
the round completed with its 知晓率."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.runtime import Runtime
from tests.test_callbacks_web import give_phones
from tests.test_web_browser import base_url, browser, new_page  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


async def test_office_runs_a_round_in_the_browser(
    browser: object,  # noqa: F811
    base_url: str,  # noqa: F811
    rt: Runtime,
    tmp_path: Path,
) -> None:
    from playwright.async_api import expect

    give_phones(rt)
    page = await new_page(browser, base_url)
    await page.click("nav >> text=回访")
    await page.check("input[name=unit][value=王家村]")
    await page.fill("input[name=per_village]", "2")
    await page.fill("input[name=seed]", "31")
    await page.click("form.draw button[type=submit]")
    await expect(page.get_by_role("status")).to_have_text("已抽取本轮回访名单。")
    await expect(page.locator("table.rates tbody tr")).to_have_text(["王家村42020002—"])

    async with page.expect_download() as info:
        await page.click("[data-download=callbacks]")
    download = await info.value
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    book = load_workbook(saved)
    book.worksheets[0].cell(row=2, column=5, value="知道")
    buffer = io.BytesIO()
    book.save(buffer)
    await page.set_input_files(
        "input[name=file]",
        files=[
            {
                "name": "回访名单.xlsx",
                "mimeType": "application/octet-stream",
                "buffer": buffer.getvalue(),
            }
        ],
    )
    await page.click("text=上传填好的名单并预览")
    await expect(page.get_by_role("status")).to_contain_text("确认后登记 1 户")
    await page.click("text=确认登记")
    await expect(page.get_by_role("status")).to_have_text("上传的回访结果已登记。")

    last = rt.store.callback_calls(1)[1]
    await page.select_option(f'select[name="outcome:{last.wechat}"]', "不知晓")
    await page.click("text=保存回访结果")
    await expect(page.get_by_role("status")).to_have_text("回访结果已保存。")
    await expect(page.locator("h2").first).to_contain_text("已完成")
    await expect(page.locator("table.rates tbody tr")).to_have_text(["王家村4202110050%"])
