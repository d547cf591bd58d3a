"""The 发案 page in headless Chromium: the office types a month's figures, uploads a sheet
with a bad row (nothing imported, the row and column named), fixes it, confirms, and
downloads the month's ranking."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from bot.runtime import Runtime
from tests.test_web_browser import (  # noqa: F401 (fixtures)
    ARTIFACTS,
    XLSX_TYPE,
    base_url,
    browser,
    new_page,
)

pytestmark = pytest.mark.browser


def _book(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["月份", "村/单位", "发案数（起）", "经济损失（元）"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def test_office_types_uploads_and_exports_cases(
    browser: Any,  # noqa: F811
    base_url: str,  # noqa: F811
    rt: Runtime,
    tmp_path: Path,
) -> None:
    from playwright.async_api import expect

    page = await new_page(browser, base_url)
    await page.click("nav >> text=发案")
    await page.goto("/cases?month=2026-10")
    await expect(page.locator("h2").first).to_have_text("2026年10月发案排名")
    await page.fill("input[aria-label=李家村发案数]", "3")
    await page.fill("input[aria-label=李家村经济损失]", "1.5万")
    await page.click("button:has-text('保存')")
    await expect(page.locator("p.ok")).to_contain_text("已保存：1 条发生变化")
    await expect(page.locator("table").first).to_contain_text("1.5万元")

    bad = _book([["2026-10", "王家村", 2, "八千"]])
    await page.set_input_files(
        "input[name=file]", files=[{"name": "10月.xlsx", "mimeType": XLSX_TYPE, "buffer": bad}]
    )
    await page.click("button:has-text('上传并预览')")
    await expect(page.locator("ul.errors")).to_contain_text(
        "文件 10月.xlsx 第 2 行 D 列（经济损失（元））：经济损失 '八千' 无法识别"
    )
    await expect(page.locator("button:has-text('确认导入')")).to_have_count(0)
    assert len(rt.store.case_figures("2026-10", "2026-10")) == 1

    await page.click("a:has-text('返回发案统计')")
    await page.goto("/cases?month=2026-10")
    good = _book([["2026-10", "王家村", 2, 8000], ["2025-10", "李家村", 5, "3万"]])
    await page.set_input_files(
        "input[name=file]", files=[{"name": "10月.xlsx", "mimeType": XLSX_TYPE, "buffer": good}]
    )
    await page.click("button:has-text('上传并预览')")
    await expect(page.locator("p.ok")).to_contain_text("检查通过：共 2 行")
    await page.click("button:has-text('确认导入')")
    await expect(page.locator("p.ok")).to_contain_text("已保存：2 条发生变化")
    await expect(page.locator("table").first).to_contain_text("同比-40%")
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "web-cases.png"), full_page=True)

    async with page.expect_download() as info:
        await page.click("a[data-download=cases]")
    download = await info.value
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    sheet = load_workbook(saved).active
    assert sheet is not None and sheet["A1"].value == "测试镇2026年10月电信网络诈骗发案情况排名"
    assert [r[1] for r in sheet.iter_rows(min_row=5, max_row=6, values_only=True)] == [
        "李家村",
        "王家村",
    ]
