"""`python -m bot demo`: a whole push on the simulated WeChat, with a simulated clock.

Everything random comes from one seeded generator, so the same seed prints the same
transcript and the same coverage.
"""

from __future__ import annotations

import heapq
import itertools
import random
import shutil
import tempfile
import zlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from bot.cli.report import coverage_json, coverage_text
from bot.clock import SimClock
from bot.config import Config, load_config
from bot.domain.model import Level, Member, MessageKind, Mode, Role
from bot.formats.checks import InputError
from bot.runtime import Runtime, build
from bot.schedule.scheduler import Scheduler, build_scheduler
from bot.transport.base import ChatLine, Simulator

DEMO_START = datetime.fromisoformat("2026-11-23T08:55:00+08:00")  # a Monday

SIGN_PHRASES = ["收到", "收到！", "已签收", "签收", "好的，收到", "收到，马上转发", "👍", "明白"]
ACK_PHRASES = [
    "收到",
    "收到了",
    "已阅",
    "好的",
    "👍",
    "[强]",
    "知道了，谢谢提醒",
    "收到，会注意的",
    "明白了",
    "收到收到",
    "要得",
    "已读",
]
OTHER_PHRASES = [
    "没收到",
    "收到一个诈骗电话，怎么办？",
    "这个是真的吗",
    "收到？",
    "好多骗子啊",
    "我家老人不会用手机",
    "还没看",
]
HOUSEHOLD_SHOWN_PER_GROUP = 2
REPORT_PHRASES = [
    "今日工作：已在本村群推送反诈提醒，入户宣传{n}户，未发现可疑情况。",
    "今日工作：转发素材到各网格群，走访独居老人{n}户。",
    "工作汇报：组织职工学习反诈知识，发放宣传单{n}份。",
    "今日工作：推送完成，张贴反诈海报{n}张，提醒村民下载国家反诈中心APP。",
]


@dataclass(order=True)
class _Event:
    at: datetime
    seq: int
    action: Callable[[], Awaitable[None]] = field(compare=False)


class DemoScript:
    """Schedules what the simulated people do and feeds it through App.handle()."""

    def __init__(self, rt: Runtime, clock: SimClock, rng: random.Random) -> None:
        assert rt.simulator is not None, "the demo plays on a simulated network"
        self.rt = rt
        self.simulator = rt.simulator
        self.clock = clock
        self.rng = rng
        self.queue: list[_Event] = []
        self.seq = itertools.count()
        self.scheduled_groups: set[tuple[int, str]] = set()
        org = rt.app.org
        self.org = org
        self.office = next(m for m in org.members if m.role is Role.OFFICE)
        self.leader = next(m for m in org.members if m.role is Role.LEADER)
        self.command = org.command_group.id

    def at(self, when: datetime, action: Callable[[], Awaitable[None]]) -> None:
        """Schedule an action."""
        heapq.heappush(self.queue, _Event(when, next(self.seq), action))

    def say(
        self, who: Member, text: str, group: str | None, **kw: object
    ) -> Callable[[], Awaitable[None]]:
        """An action: `who` says `text` in `group` (None: privately to the bot)."""

        async def act() -> None:
            msg = self.simulator.message(who.wechat, text, group, **kw)  # type: ignore[arg-type]
            await self.rt.app.handle(msg)

        return act

    async def run(self, until: datetime, scheduler: Scheduler | None = None) -> None:
        """Play events, scheduled jobs and held sends in time order (the clock jumps)."""
        while True:
            now = self.clock.now()
            times = [self.queue[0].at] if self.queue else []
            job_at = scheduler.next_due(now) if scheduler is not None else None
            times += [job_at] if job_at is not None else []
            held = self.rt.app.sender.next_wakeup(now)
            times += [now + timedelta(seconds=held)] if held else []
            at = min(times, default=None)
            if at is None or at > until:
                return
            self.clock.advance_to(at)
            # Jobs first: next_due() looks strictly ahead, so a job sharing its minute with an
            # event would otherwise be stepped over.
            if scheduler is not None and job_at == at:
                await scheduler.run_due(at)
            elif self.queue and self.queue[0].at <= at:
                await heapq.heappop(self.queue).action()
            await self.rt.app.settle()
            self._schedule_households()

    def plan_day(
        self, day: datetime, content_id: int, campaign_at: datetime | None = None
    ) -> None:
        """One working day: push at 9:00 (or the scheduled campaign's), signatures, forwards,
        screenshots, queries, and 今日工作 reports after the 18:00 collection."""
        start = day.replace(hour=9, minute=0)
        if campaign_at is None:
            push = f"推送 素材{content_id}\n截止:18:00"
            self.at(start, self.say(self.office, push, self.command))
            # A whole-town push waits for its sender's 确认.
            confirm = self.say(self.office, "确认", self.command)
            self.at(start + timedelta(seconds=30), confirm)
        else:
            start = campaign_at
        pushers = [m for m in self.org.members if m.role is Role.PUSHER]
        for p in pushers:
            if self.rng.random() < 0.88:
                t = start + timedelta(minutes=2 + self.rng.expovariate(1 / 25))
            elif self.rng.random() < 0.6:
                t = start + timedelta(hours=7, minutes=self.rng.randint(35, 55))  # after 催办
            else:
                continue
            self.at(t, self.say(p, self.rng.choice(SIGN_PHRASES), self.command))
            self._plan_pusher_extras(p, t)
        self.at(start.replace(hour=14), self.say(self.leader, "进度", self.command))
        self.at(start.replace(hour=16, minute=30), self.say(self.office, "催办", self.command))
        self.at(
            start.replace(hour=20, minute=30),
            self.say(self.leader, "查一下今天的进度", self.command),
        )
        self.at(start.replace(hour=20, minute=40), self.say(self.leader, "排名", self.command))
        self._plan_reports(day.replace(hour=18, minute=0))

    def _plan_reports(self, asked: datetime) -> None:
        seen: set[str] = set()
        for p in self.org.members:
            if p.role is not Role.PUSHER or p.unit in seen or p.unit is None:
                continue
            seen.add(p.unit)
            if self.rng.random() < 0.7:
                t = asked + timedelta(minutes=3 + min(150.0, self.rng.expovariate(1 / 35)))
                text = self.rng.choice(REPORT_PHRASES).format(n=self.rng.randint(5, 40))
                self.at(t, self.say(p, text, self.command))

    def _plan_pusher_extras(self, pusher: Member, signed_at: datetime) -> None:
        for gid in pusher.groups:
            group = self.org.group(gid)
            if group is None or group.level is Level.COMMAND:
                continue
            later = signed_at + timedelta(minutes=self.rng.randint(5, 40))
            if group.mode is Mode.FORWARD:
                self.at(later, self._forward_action(pusher, gid))
            elif group.mode is Mode.EVIDENCE:
                shot = _fake_screenshot(self.rng)
                self.at(
                    later,
                    self.say(
                        pusher, "", None, kind=MessageKind.IMAGE, data=shot, filename="截图.png"
                    ),
                )

    def _forward_action(self, pusher: Member, group_id: str) -> Callable[[], Awaitable[None]]:
        async def act() -> None:
            push = self.rt.store.latest_push()
            if push is None:
                return
            cut = push.body[: int(len(push.body) * 0.85)]
            text = "各位同事，镇反诈办最新提醒👇\n" + cut
            await self.say(pusher, text, group_id)()

        return act

    def _schedule_households(self) -> None:
        push = self.rt.store.latest_push()
        if push is None:
            return
        for d in self.rt.store.deliveries(push.id):
            key = (push.id, d.group_id)
            if d.delivered_at is None or key in self.scheduled_groups or d.mode is Mode.EVIDENCE:
                continue
            self.scheduled_groups.add(key)
            keen = self.rng.uniform(0.35, 0.85)
            for m in self.org.members_of(d.group_id):
                if m.role is not Role.HOUSEHOLD or self.rng.random() > keen:
                    continue
                t = d.delivered_at + timedelta(minutes=self.rng.expovariate(1 / 70))
                phrases = OTHER_PHRASES if self.rng.random() < 0.12 else ACK_PHRASES
                self.at(t, self.say(m, self.rng.choice(phrases), d.group_id))


def _fake_screenshot(rng: random.Random) -> bytes:
    """A tiny valid PNG with random pixels, standing in for a phone screenshot."""
    w = h = 8
    raw = b"".join(b"\x00" + bytes(rng.randrange(256) for _ in range(w * 3)) for _ in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
        )

    header = w.to_bytes(4, "big") + h.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def render_transcript(
    simulator: Simulator,
    lines: Sequence[ChatLine],
    household_ids: set[str],
    base: Path | None = None,
    dated: bool = False,
) -> str:
    """The chat as text; household replies are shown only a couple per group.

    Image paths are shown relative to `base`; `dated` adds the day to each time.
    """
    out = []
    shown: dict[str, int] = {}
    hidden = 0
    for line in lines:
        who = simulator.name_of(line.sender)
        where = simulator.label(line.conversation)
        if line.sender in household_ids:
            shown[line.conversation] = shown.get(line.conversation, 0) + 1
            if shown[line.conversation] > HOUSEHOLD_SHOWN_PER_GROUP:
                hidden += 1
                continue
        text = line.text
        if line.path is not None:
            text = f"{text} {_relative(line.path, base)}"
        if line.from_bot and text.startswith("【反诈提醒】"):
            text = text.splitlines()[0] + " …（正文略）"
        elif line.from_bot and text.startswith("【第"):
            body = text.splitlines()
            text = "\n".join([*body[:1], "  …（正文略）", *body[-4:]])
        text = text.replace("\n", "\n        ")
        stamp = f"{line.at:%m-%d %H:%M}" if dated else f"{line.at:%H:%M}"
        out.append(f"[{stamp}] {where} | {who}: {text}")
    if hidden:
        out.append(f"（另有 {hidden} 条村民回复未逐条显示）")
    return "\n".join(out)


def _relative(path: str, base: Path | None) -> str:
    if base is not None and Path(path).is_relative_to(base):
        return str(Path(path).relative_to(base))
    return path


def bulletin_summary(rt: Runtime, base: Path | None) -> str:
    """The bulletins the demo published, with where their charts were drawn."""
    lines = []
    for b in reversed(rt.store.bulletins(limit=100)):
        charts = [_relative(path, base) for path in (b.image, *b.charts) if path]
        chart = "、".join(charts) or "无（未找到中文字体或当期无推送）"
        who = f"，{b.requested_by}在群里要的" if b.requested_by else ""
        lines.append(f"{b.at:%m-%d %H:%M} {b.kind}（{b.period}{who}） 图表：{chart}")
    return "\n".join(lines) or "（没有发布通报）"


DEMO_MARKER = ".fanzha-demo"


class DemoError(InputError):
    """The demo cannot write where it was asked to."""


def demo_folder(out: Path | None) -> Path:
    """Where a demo keeps its database and charts (they outlive the command).

    A folder a previous demo left (it holds the marker file) is emptied first; any other
    non-empty folder is refused rather than overwritten.
    """
    if out is None:
        return Path(tempfile.mkdtemp(prefix="fanzha-demo-"))
    out = out.resolve()
    if out.exists() and any(out.iterdir()):
        if not (out / DEMO_MARKER).exists():
            raise DemoError(f"输出目录 {out} 不是空的，也不是之前演示留下的，请换一个目录")
        shutil.rmtree(out / "data", ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / DEMO_MARKER).write_text("python -m bot demo 的输出目录，可整个删除\n", "utf-8")
    return out


async def run_demo(
    seed: int = 1,
    as_json: bool = False,
    days: int = 1,
    config: Config | None = None,
    out: Path | None = None,
) -> str:
    """Run the demo and return what it prints; its charts stay in `out` (default: a new
    temporary folder)."""
    rng = random.Random(seed)
    folder = demo_folder(out)
    base = config or load_config(None)
    cfg = replace(base, bot=replace(base.bot, data_dir=str(folder / "data")))
    clock = SimClock(DEMO_START)
    rt = build(cfg, clock, rng=rng, fast=True)
    scheduler = build_scheduler(rt.app)
    await scheduler.run_due(clock.now())  # registers the jobs from now on
    campaign = next((j for j in scheduler.specs if j.action == "campaign"), None)
    script = DemoScript(rt, clock, rng)
    library = rt.app.library
    for day in range(days):
        start = DEMO_START + timedelta(days=day)
        if start.weekday() >= 5:
            continue
        item = library[day % len(library)] if library else None
        fire = campaign.trigger.get_next_fire_time(None, start) if campaign else None
        today = fire if fire is not None and fire.date() == start.date() else None
        script.plan_day(start, item.id if item else 1, campaign_at=today)
    from bot.cli.demo_workflows import MONTH_DAYS, workflows  # they import this module

    extras = workflows() if days >= MONTH_DAYS else []
    for flow in extras:
        flow.plan(script, days)
    await script.run(DEMO_START + timedelta(days=days), scheduler)
    report = rt.app.coverage_report()
    if as_json:
        result = coverage_json(report)
    else:
        households = {m.wechat for m in rt.app.org.members if m.role is Role.HOUSEHOLD}
        sim = script.simulator
        result = (
            "=== 模拟微信聊天记录 ===\n"
            + render_transcript(sim, sim.transcript, households, None, days > 1)
            + f"\n\n=== 通报（图表和数据库保存在 {folder}，演示结束后保留） ===\n"
            + bulletin_summary(rt, None)
            + "\n\n=== 覆盖情况 ===\n"
            + coverage_text(report)
        )
        for flow in extras:
            if summary := flow.summary(rt):
                result += f"\n\n=== {flow.name} ===\n{summary}"
    rt.store.close()
    return result
