"""A bulletin with several charts: the 月度排名 carries the coverage ranking's chart and the
发案 section's 万人发案数 chart (约谈 flagged), each drawn as a real PNG, queued as its own
image after the text (one dedupe key each), stored with the bulletin and shown on the
dashboard's 通报 page; non-percent axes fit their values."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from PIL import Image

from bot import cases
from bot.clock import SHANGHAI, SimClock
from bot.context import Context
from bot.domain.bulletin import ChartSpec
from bot.domain.cases import CaseFigure
from bot.domain.model import Bulletin, MessageKind
from bot.runtime import Runtime
from bot.schedule import chart
from bot.schedule.bulletins import compose, issue
from bot.store import open_store
from tests import chat
from tests.pgserver import new_database
from tests.test_bulletin import NOTICE, png_size
from tests.webclient import login


def _figures(rt: Runtime) -> None:
    """李家村 at the top of all three indicators in October and November: 约谈."""
    cases.enter_figures(
        rt.store,
        rt.app.clock.now(),
        "张主任",
        [
            CaseFigure("李家村", "2026-10", 3, 30_000_00),
            CaseFigure("王家村", "2026-10", 1, 1_000_00),
            CaseFigure("李家村", "2026-11", 2, 15_000_00),
            CaseFigure("王家村", "2026-11", 1, 500_00),
        ],
    )


async def monthly_with_charts(rt: Runtime, clock: SimClock) -> tuple[Bulletin, list[Any]]:
    """A push in November, the figures, then the scheduled 月度排名 of this month so far."""
    await chat.say(rt, "office", NOTICE, "cmd")
    await chat.say(rt, "lj_p1", "收到", "cmd")
    _figures(rt)
    chat.advance(clock, 2 * 24 * 60)  # the push's first 24 h are over: it is ranked
    now = rt.app.clock.now()
    ctx = Context(rt.app, now, options={}, job="monthly", fire_time=now)
    bulletin = await issue(ctx, "月度排名")
    await rt.app.settle()
    assert rt.simulator is not None
    return bulletin, rt.simulator.pop_sent()


def test_cases_section_carries_a_per_10k_chart_with_the_interview_flagged(rt: Runtime) -> None:
    _figures(rt)
    draft = compose(Context(rt.app, rt.app.clock.now(), options={}), "月度排名", False)
    assert draft.chart is None  # no push this month: no coverage ranking, still the 发案 chart
    (spec,) = draft.charts
    assert spec.title == "测试镇2026年11月万人发案数"
    assert spec.labels == ("李家村", "王家村", "农商银行", "中心小学")
    (name, values) = spec.series[0]
    assert name == "万人发案数" and not spec.percent and spec.decimals == 2
    assert spec.flagged == ("李家村",) and spec.flag_note == "约谈"
    assert [None if v is None else round(v, 2) for v in values] == [2500.0, 2500.0, 0.0, 0.0]


def test_non_percent_charts_fit_their_axis_and_draw_a_png(tmp_path: Path) -> None:
    spec = ChartSpec(
        title="测试镇万人发案数",
        labels=("甲村", "乙村", "丙村"),
        series=(("万人发案数", (4.21, None, 0.5)),),
        flagged=("甲村",),
        flag_note="约谈",
        percent=False,
        decimals=2,
    )
    assert chart.axis_limit(spec) > 4.21 and chart.axis_limit(spec) < 5
    assert chart.bar_labels((4.21, None, 0.5), 2) == ["4.21", "—", "0.50"]
    zeros = ChartSpec("零", ("甲村",), (("发案数", (0.0,)),), percent=False)
    assert chart.axis_limit(zeros) == 1
    assert chart.axis_limit(ChartSpec("率", ("甲村",), (("签收率", (40.0,)),))) == 110
    path = chart.ChartRenderer().render(spec, tmp_path / "cases.png")
    assert path is not None
    width, height = png_size(str(path))
    assert width > 400 and height > 100


async def test_monthly_bulletin_queues_text_then_two_images(rt: Runtime, clock: SimClock) -> None:
    bulletin, sent = await monthly_with_charts(rt, clock)
    text, first, second = sent
    assert text.kind is MessageKind.TEXT and text.conversation == "cmd"
    assert text.text.startswith("【反诈工作月度排名】测试镇 2026年11月")
    assert "发案情况：" in text.text and text.text.endswith("（图表见下方 2 张图）")
    assert (first.kind, second.kind) == (MessageKind.IMAGE, MessageKind.IMAGE)
    assert (first.conversation, second.conversation) == ("cmd", "cmd")
    assert first.path is not None and second.path is not None
    assert first.path.endswith(".png") and second.path.endswith("-2.png")
    for path in (first.path, second.path):
        assert png_size(path)[0] > 400
    with Image.open(first.path) as a, Image.open(second.path) as b:
        assert a.tobytes() != b.tobytes()
    assert (bulletin.image, bulletin.charts) == (first.path, (second.path,))
    (stored,) = rt.store.bulletins()
    assert (stored.image, stored.charts, stored.text) == (
        first.path,
        (second.path,),
        text.text,
    )
    # The same scheduled fire again: text and both images are deduplicated, nothing resent.
    fire = bulletin.at
    again = Context(rt.app, rt.app.clock.now(), options={}, job="monthly", fire_time=fire)
    await issue(again, "月度排名")
    await rt.app.settle()
    assert rt.simulator is not None and rt.simulator.pop_sent() == []


async def test_only_the_cases_chart_when_charts_of_one_kind_are_missing(rt: Runtime) -> None:
    _figures(rt)
    now = rt.app.clock.now()
    await issue(Context(rt.app, now, options={}, job="monthly", fire_time=now), "月度排名")
    await rt.app.settle()
    assert rt.simulator is not None
    text, image = rt.simulator.pop_sent()
    assert "本月无推送，不排名。" in text.text and text.text.endswith("（图表见下图）")
    assert image.kind is MessageKind.IMAGE and png_size(image.path or "")[0] > 0
    (stored,) = rt.store.bulletins()
    assert (stored.image, stored.charts) == (image.path, ())


async def test_dashboard_shows_and_serves_both_charts(
    client: TestClient[Any, Any], rt: Runtime, clock: SimClock
) -> None:
    bulletin, _ = await monthly_with_charts(rt, clock)
    await login(client, "liu")
    page = await (await client.get("/bulletins")).text()
    first, second = f"/bulletins/{bulletin.id}/image", f"/bulletins/{bulletin.id}/image/2"
    assert f'src="{first}"' in page and f'src="{second}"' in page
    assert "月度排名图表1" in page and "月度排名图表2" in page
    (listed,) = (await (await client.get("/api/bulletins")).json())["bulletins"]
    assert listed["images"] == [first, second] and listed["image"] == first
    assert bulletin.image is not None
    for url, path in ((first, bulletin.image), (second, bulletin.charts[0])):
        resp = await client.get(url)
        assert resp.status == 200 and await resp.read() == Path(path).read_bytes()
    missing = await client.get(f"/bulletins/{bulletin.id}/image/3")
    assert missing.status == 404 and "只有 2 张图" in await missing.text()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_both_stores_keep_every_chart_in_order(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        store = open_store(tmp_path / "bot.db", SHANGHAI)
    else:
        store = open_store(new_database(request.getfixturevalue("postgres_server")), SHANGHAI)
    try:
        at = datetime(2026, 12, 1, 9, tzinfo=SHANGHAI)
        plain = store.add_bulletin("daily", "2026-11-30", at, "日报", None, "daily")
        many = store.add_bulletin(
            "monthly", "2026-11", at, "月度排名", "a.png", "monthly", charts=("b.png", "c.png")
        )
        assert many.charts == ("b.png", "c.png")
        listed = {b.id: (b.image, b.charts) for b in store.bulletins()}
        assert listed == {plain.id: (None, ()), many.id: ("a.png", ("b.png", "c.png"))}
        (only,) = store.bulletins(kind="monthly")
        assert only == many
    finally:
        store.close()
