"""通报: 日报/周报/月度排名 numbers for a known (replayed) day, charts as real PNGs, the
chat commands, work reports, and the no-Chinese-font fallback."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from bot.cli.replay import parse_events, replay
from bot.clock import SHANGHAI, SimClock
from bot.config import Config
from bot.context import Context
from bot.domain.bulletin import BulletinData, Section, bottom_units, compose_monthly
from bot.domain.coverage import PushCoverage, coverage, rank_units
from bot.domain.intent import WorkReportIntent, classify
from bot.domain.model import IncomingMessage, MessageKind, Push, Role, UnitTally
from bot.domain.periods import Period, month_period, week_period
from bot.runtime import Runtime
from bot.schedule import chart, sections
from bot.schedule.bulletins import compose
from bot.schedule.scheduler import build_scheduler, parse_schedule
from bot.transport.base import ChatLine
from tests import chat
from tests.conftest import small_town

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NOTICE = (
    "推送\n【警惕冒充公检法诈骗】公检法机关不会通过电话办案，更不会要求转账到“安全账户”。"
    "接到此类电话请立即挂断并拨打110核实。"
)


def t(hhmm: str, day: str = "2026-11-23") -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00+08:00")


def known_day() -> list[dict[str, object]]:
    """A Monday in the small town: 2 of 5 pushers sign, 3 households acknowledge."""
    rows = [
        ("09:00", "cmd", "office", NOTICE),
        ("09:05", "cmd", "lj_p1", "收到"),
        ("09:10", "cmd", "wj_p", "收到"),
        ("09:20", "lj1", "lj1_h0", "收到"),
        ("09:21", "lj1", "lj1_h1", "已阅"),
        ("09:22", "wj", "wj_h0", "👍"),
        ("09:23", "wj", "wj_h1", "没收到"),
        ("18:05", "cmd", "lj_p1", "今日工作：入户宣传15户，发放宣传单30份"),
        ("18:10", "cmd", "wj_p", "工作汇报：村民群推送完成"),
        ("18:20", "cmd", "wj_p", "今日工作：更正，村民群推送完成，入户宣传20户"),
    ]
    return [
        {"at": t(hhmm).isoformat(), "group": g, "from": who, "text": text, "id": str(i)}
        for i, (hhmm, g, who, text) in enumerate(rows)
    ]


async def replayed(tmp_path: Path, config: Config) -> tuple[Runtime, list[str]]:
    path = tmp_path / "day.jsonl"
    path.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in known_day()) + "\n", "utf-8"
    )
    return await replay(parse_events(path), small_town(), config, config.data_dir)


def png_size(path: str) -> tuple[int, int]:
    data = Path(path).read_bytes()
    assert data[:8] == PNG_SIGNATURE
    with Image.open(path) as img:
        img.verify()
    with Image.open(path) as img:
        return img.size


EXPECTED_DAILY = """【反诈工作日报】测试镇 11月23日（星期一）
统计截至 21:00

一、今日推送 1 期
· 第1期《警惕冒充公检法诈骗》：签收 2/5 人（40.0%），送达 3/6 个群（50.0%），回执 3/18 户（16.7%）

二、各村/单位完成情况（按得分排名；得分=签收30%+送达30%+回执40%，看不到回执的单位按签收、送达折算）
1. 王家村 得分70.0｜签收 1/1｜送达 1/1｜回执 1/4（25.0%）
2. 李家村 得分45.0｜签收 1/2｜送达 2/3｜回执 2/8（25.0%）
3. 中心小学 得分0.0｜签收 0/1｜送达 0/1｜回执 —
3. 农商银行 得分0.0｜签收 0/1｜送达 0/1｜回执 0/3（0.0%）

三、未完成的推送员
· 李二（李家村）：第1期未签收；第1期李家村二网格群未送达
· 银行联络员（农商银行）：第1期未签收；第1期农商银行职工群未送达
· 学校联络员（中心小学）：第1期未签收；第1期中心小学家长群未送达

四、今日工作汇报（已报 2/4 个村/单位）
· 李家村（李一）：入户宣传15户，发放宣传单30份
· 王家村（王网格员）：更正，村民群推送完成，入户宣传20户
未报：农商银行、中心小学
（图表见下图）"""


async def test_daily_bulletin_numbers_for_a_known_day(tmp_path: Path, config: Config) -> None:
    rt, printed = await replayed(tmp_path, config)
    assert any("已更新王家村11月23日工作汇报" in line for line in printed)
    daily = parse_schedule(
        {"name": "每日通报", "action": "daily_bulletin", "cron": "0 21 * * *"},
        "测试",
        SHANGHAI,
        timedelta(hours=2),
    )
    assert daily is not None
    sch = build_scheduler(rt.app, [daily])
    assert isinstance(rt.app.clock, SimClock)
    rt.app.clock.advance_to(t("21:00"))
    await sch.run_due(t("21:00"))
    await rt.app.settle()
    text, image = rt.simulator.pop_sent()
    assert (text.conversation, image.conversation) == ("cmd", "cmd")
    assert text.text == EXPECTED_DAILY
    households = [m for m in small_town().members if m.role is Role.HOUSEHOLD]
    assert not any(m.name in text.text for m in households)
    assert image.kind is MessageKind.IMAGE and image.path is not None
    assert Path(image.path).is_relative_to(config.data_dir / "bulletins")
    width, height = png_size(image.path)
    assert width >= 600 and height >= 200
    (stored,) = rt.store.bulletins()
    assert (stored.kind, stored.period, stored.job, stored.image) == (
        "日报",
        "2026-11-23",
        "每日通报",
        image.path,
    )
    assert stored.text == EXPECTED_DAILY and stored.at == t("21:00")
    rt.store.close()


async def test_work_reports_are_stored_per_unit_and_day(tmp_path: Path, config: Config) -> None:
    rt, _ = await replayed(tmp_path, config)
    reports = rt.store.work_reports(t("00:00").date(), t("00:00", "2026-11-24").date())
    assert [(r.unit, r.member, r.text) for r in reports] == [
        ("李家村", "lj_p1", "入户宣传15户，发放宣传单30份"),
        ("王家村", "wj_p", "更正，村民群推送完成，入户宣传20户"),
    ]
    rt.store.close()


def test_work_report_intent() -> None:
    town = small_town()
    pusher, household, leader = (town.member(w) for w in ("wj_p", "wj_h0", "leader"))
    cmd, village = town.group("cmd"), town.group("wj")

    def msg(text: str, group: str | None = "cmd") -> IncomingMessage:
        return IncomingMessage("x", t("18:00"), "who", text, group)

    assert classify(msg("今日工作：入户10户"), pusher, cmd) == WorkReportIntent("入户10户")
    assert classify(msg("今日汇报: 完成\n明天继续", None), pusher, None) == WorkReportIntent(
        "完成\n明天继续"
    )
    assert classify(msg("工作汇报：已转发"), town.member("lj_sup"), cmd) == WorkReportIntent(
        "已转发"
    )
    assert not isinstance(classify(msg("今日工作很忙"), pusher, cmd), WorkReportIntent)
    assert not isinstance(classify(msg("今日工作："), pusher, cmd), WorkReportIntent)
    assert classify(msg("今日工作：收到", "wj"), household, village) is None
    assert not isinstance(classify(msg("今日工作：视察"), leader, cmd), WorkReportIntent)
    assert classify(msg("今日工作：入户", "wj"), pusher, village) is None


async def say(rt: Runtime, who: str, text: str, group: str | None = "cmd") -> list[ChatLine]:
    """`who` writes `text` in `group` (default the command group); what the bot sent."""
    return await chat.say(rt, who, text, group)


async def test_daily_report_as_a_chat_command(rt: Runtime) -> None:
    await say(rt, "office", NOTICE)
    await say(rt, "lj_p1", "收到")
    text, image = await say(rt, "leader", "日报")
    assert text.conversation == "cmd" and text.text.startswith("【反诈工作日报】测试镇 11月23日")
    assert "统计截至 09:00" in text.text and "签收 1/5 人（20.0%）" in text.text
    assert "未报：李家村、王家村、农商银行、中心小学" in text.text
    assert image.kind is MessageKind.IMAGE and png_size(image.path or "")[0] > 0
    (stored,) = rt.store.bulletins()
    assert (stored.kind, stored.requested_by, stored.job) == ("日报", "刘书记", None)

    (weekly, _) = await say(rt, "leader", "周报", None)  # privately: answered privately
    assert weekly.conversation == "leader"
    assert weekly.text.startswith("【反诈工作周报】测试镇 11月23日—11月29日")
    assert "本周推送 1 期" in weekly.text and "李二（李家村）：未签收 1 期；未送达 1 个群次" in (
        weekly.text
    )
    (refusal,) = await say(rt, "lj_p2", "/日报")
    assert "仅限" in refusal.text
    assert len(rt.store.bulletins()) == 2


async def test_without_a_chinese_font_text_goes_out_and_one_warning(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(chart, "find_cjk_family", lambda: None)
    await say(rt, "office", NOTICE)
    with caplog.at_level(logging.WARNING, logger="bot.chart"):
        first = await say(rt, "leader", "日报")
        second = await say(rt, "office", "周报")
    assert [s.kind for s in first + second] == [MessageKind.TEXT, MessageKind.TEXT]
    assert first[0].text.startswith("【反诈工作日报】") and "图表" not in first[0].text
    warnings = [r for r in caplog.records if r.name == "bot.chart"]
    assert len(warnings) == 1 and "中文字体" in warnings[0].getMessage()
    assert all(b.image is None for b in rt.store.bulletins())


async def test_chart_can_be_switched_off(config: Config, rt: Runtime) -> None:
    rt.app.config = replace(config, bulletin=replace(config.bulletin, chart=False))
    await say(rt, "office", NOTICE)
    assert [s.kind for s in await say(rt, "leader", "日报")] == [MessageKind.TEXT]


def _report(push_id: int, units: dict[str, tuple[int, int, int]]) -> PushCoverage:
    """Coverage of a push from (signed/1, delivered/1, acks/10) per unit."""
    push = Push(
        push_id, f"第{push_id}期", "正文", t("09:00", "2026-10-12"), "office", tuple(units)
    )
    tallies = [UnitTally(u, 1, s, 1, d, 10, 10 * d, a) for u, (s, d, a) in units.items()]
    return coverage(push, tallies, [], [])


def test_monthly_ranking_flags_the_bottom_two() -> None:
    units = {"甲村": (1, 1, 9), "乙村": (1, 1, 6), "丙村": (1, 0, 2), "丁村": (0, 0, 0)}
    reports = (_report(1, units), _report(2, units))
    period = month_period(t("09:00", "2026-11-01"), previous=True)
    assert (period.key, period.label) == ("2026-10", "2026年10月")
    data = BulletinData(
        "测试镇", period, reports, (), ("甲村",), (), (), {}, t("09:00", "2026-11-01")
    )
    draft = compose_monthly(data, bottom=2)
    assert draft.flagged == ("丙村", "丁村")
    lines = draft.text.splitlines()
    assert lines[0] == "【反诈工作月度排名】测试镇 2026年10月"
    assert lines[3] == "1. 甲村 得分96.0｜签收 2/2｜送达 2/2｜回执 18/20（90.0%）"
    assert lines[5] == "3. 丙村 得分38.0｜签收 2/2｜送达 0/2｜回执 4/20（20.0%） ⚠约谈"
    assert lines[6].endswith("⚠约谈") and "请镇反诈办约谈：丙村、丁村" in draft.text
    assert draft.chart is not None and draft.chart.flagged == ("丙村", "丁村")


def test_full_marks_and_small_rankings_flag_nobody() -> None:
    perfect = rank_units(
        [_report(1, {"甲村": (1, 1, 10), "乙村": (1, 1, 10), "丙村": (1, 1, 10)})]
    )
    assert bottom_units(perfect, 2) == []
    two = rank_units([_report(1, {"甲村": (1, 1, 5), "乙村": (0, 0, 0)})])
    assert bottom_units(two, 2) == []
    assert bottom_units(two, 1) == ["乙村"]


def test_periods() -> None:
    monday = week_period(t("08:30", "2026-11-30"), previous=True)
    assert (monday.start, monday.end) == (t("00:00", "2026-11-23"), t("00:00", "2026-11-30"))
    assert (monday.key, monday.label) == ("2026-W48", "11月23日—11月29日")
    january = month_period(t("09:00", "2027-01-01"), previous=True)
    assert (january.start, january.end) == (t("00:00", "2026-12-01"), t("00:00", "2027-01-01"))
    assert len(january.days) == 31


async def test_workflow_sections_join_every_bulletin_kind(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[str, str]] = []

    def contribute(ctx: Context, kind: str, period: Period) -> list[Section]:
        asked.append((kind, period.key))
        return [Section("发案情况", (f"{kind}：本期发案 2 起",))] if kind != "周报" else []

    monkeypatch.setattr(sections, "CONTRIBUTORS", [contribute])
    (daily,) = [m for m in await say(rt, "leader", "日报") if m.kind is MessageKind.TEXT]
    assert daily.text.splitlines()[-2:] == ["三、发案情况", "日报：本期发案 2 起"]
    (weekly,) = [m for m in await say(rt, "leader", "周报") if m.kind is MessageKind.TEXT]
    assert "发案" not in weekly.text
    draft = compose(Context(rt.app, rt.app.clock.now(), options={}), "月度排名", previous=True)
    assert draft.text.splitlines()[-2:] == ["发案情况：", "月度排名：本期发案 2 起"]
    assert asked == [("日报", "2026-11-23"), ("周报", "2026-W48"), ("月度排名", "2026-10")]
