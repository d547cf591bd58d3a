"""`python -m bot replay`: feed a recorded chat (JSON lines) through the bot on the sandbox.

The whole file is checked before anything is fed: a bad line stops the run with an error
naming the line and key, and nothing is half-replayed.
"""

from __future__ import annotations

import hashlib
import json
import random
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app import BATCH_MESSAGES, App
from bot.chat.pushes import NO_CONFIRMATION
from bot.cli.report import coverage_json, coverage_text
from bot.clock import SimClock
from bot.config import Config, StoreSection, load_config
from bot.domain.media import LinkCard
from bot.domain.model import IncomingMessage, MessageKind, Org
from bot.formats.checks import InputError, read_text
from bot.formats.orgfile import load_org
from bot.runtime import Runtime, build
from bot.transport.base import ChatLine, Simulator

_KEYS = {"at", "group", "from", "text", "id", "kind", "file", "url", "title"}
# A video arrives (and is matched) as a file; a link is an article, 视频号 or mini-program card.
_KINDS = {"text": "text", "image": "image", "video": "file", "file": "file", "link": "link"}
MAX_FILE_BYTES = 20 * 1024 * 1024
REHEARSAL_LINES = 5_000


class ReplayError(InputError):
    """The events file is not valid; nothing was replayed."""


@dataclass(frozen=True)
class ReplayEvent:
    """One line of an events file."""

    line: int
    at: datetime
    sender: str
    text: str
    group: str | None
    id: str
    kind: MessageKind
    data: bytes | None
    filename: str | None
    link: LinkCard | None = None


def _event_id(raw: dict[str, Any]) -> str:
    # Lines without an id get one derived from their content, so feeding the same log
    # twice still counts every message once.
    # (Media lines of the new kinds also by what they carry; older lines keep their ids.)
    extra = {"link": ("url", "title"), "video": ("file",)}.get(raw.get("kind") or "", ())
    keys = ("at", "group", "from", "text", "kind", *extra)
    basis = json.dumps([raw.get(k) for k in keys], ensure_ascii=False)
    return "r-" + hashlib.sha1(basis.encode()).hexdigest()[:16]


def _attachment(events: Path, name: str, problems: list[str]) -> bytes | None:
    # Only files beside the events file (or below it) may be read: a log must not be able
    # to pull in /etc/passwd or a multi-gigabyte file.
    folder = events.parent.resolve()
    file = (folder / name).resolve()
    if not file.is_relative_to(folder):
        problems.append(f"字段 file 的值 {name!r} 不在事件文件所在的文件夹内")
        return None
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.append(f"字段 file 指向的文件 {name} 太大（{size} 字节，最多 20 MB）")
            return None
        return file.read_bytes()
    except FileNotFoundError:
        problems.append(f"字段 file 指向的文件 {name} 不存在")
    except IsADirectoryError:
        problems.append(f"字段 file 指向的 {name} 是文件夹，不是文件")
    except OSError as exc:
        problems.append(f"字段 file 指向的文件 {name} 读不到（{exc.strerror or '无法读取'}）")
    return None


def _media_fields(raw: dict[str, Any], kind: object, problems: list[str]) -> LinkCard | None:
    """Check `kind` and the fields it needs; a link line's card."""
    if kind not in _KINDS:
        problems.append(f"字段 kind 的值 {kind!r} 无效，应为 text、image、link、video、file 之一")
        return None
    url, title = raw.get("url"), raw.get("title")
    if kind != "link":
        problems.extend(f"字段 {k} 只用于 kind = link" for k in ("url", "title") if k in raw)
        if kind == "video" and not raw.get("file"):
            problems.append("kind = video 需要字段 file（视频文件）")
        return None
    if not (isinstance(url, str) and url.strip()) and not (isinstance(title, str) and title):
        problems.append("kind = link 需要字段 url 或 title（文章链接或卡片标题）")
        return None
    if isinstance(url, str) and url.strip() and not url.startswith(("https://", "http://")):
        problems.append(f"字段 url 的值 {url!r} 应以 https:// 或 http:// 开头")
        return None
    ok = isinstance(url, str | None) and isinstance(title, str | None)
    return LinkCard(url=(url or "").strip(), title=(title or "").strip()) if ok else None


def parse_events(path: Path) -> list[ReplayEvent]:
    """Read and validate an events file; raise ReplayError naming every bad line and key."""
    lines = read_text(path, "事件文件", ReplayError).splitlines()
    errors: list[str] = []
    events: list[ReplayEvent] = []
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path.name} 第 {no} 行"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{where}：不是有效的 JSON（{exc.msg}）")
            continue
        if not isinstance(raw, dict):
            errors.append(f"{where}：应为 JSON 对象")
            continue
        problems = [f"未知字段 {k}" for k in sorted(set(raw) - _KEYS)]
        for key in ("at", "from"):
            if not isinstance(raw.get(key), str) or not raw.get(key):
                problems.append(f"缺少字段 {key} 或不是字符串")
        at = None
        if isinstance(raw.get("at"), str):
            try:
                at = datetime.fromisoformat(raw["at"])
                if at.tzinfo is None:
                    problems.append("字段 at 缺少时区（例如 +08:00）")
            except ValueError:
                problems.append(f"字段 at 的值 {raw['at']!r} 不是 ISO 时间")
        for key in ("group", "text", "id", "file", "url", "title"):
            if key in raw and raw[key] is not None and not isinstance(raw[key], str):
                problems.append(f"字段 {key} 应为字符串")
        kind = raw.get("kind", "text")
        link = _media_fields(raw, kind, problems)
        data = None
        if isinstance(raw.get("file"), str):
            data = _attachment(path, raw["file"], problems)
        if problems:
            errors.append(f"{where}：" + "；".join(problems))
            continue
        assert at is not None
        events.append(
            ReplayEvent(
                line=no,
                at=at,
                sender=raw["from"],
                text=raw.get("text") or "",
                group=raw.get("group") or None,
                id=raw.get("id") or _event_id(raw),
                kind=MessageKind(_KINDS[kind]),
                data=data,
                filename=Path(raw["file"]).name if raw.get("file") else None,
                link=link,
            )
        )
    if errors:
        raise ReplayError("事件文件有误，未回放任何消息：\n" + "\n".join(errors))
    # Logs exported group by group and concatenated are fed in time order (ties keep
    # their file order), so the clock never has to run backwards.
    return sorted(events, key=lambda ev: ev.at)


def describe(simulator: Simulator, line: ChatLine) -> str:
    """One outgoing message, for printing."""
    mentions = ""
    text = line.text.replace("\n", "\n    ")
    return (
        f"[{line.at:%m-%d %H:%M}] 机器人 → {simulator.label(line.conversation)}{mentions}：{text}"
    )


async def feed(
    app: App, messages: Iterable[IncomingMessage], settled: Callable[[], object] = lambda: None
) -> None:
    """Feed time-ordered messages the way live ingest does: group-commit batches through
    `App.ingest`, the source moving the simulated clock to each message as it is taken.

    `App.settle()` (sends, 群发 tasks; then `settled`) runs after a line exactly where
    settling after every line would do something: the line queued a row or a 群发 task, a
    held or retried row's time has come, a send is still waiting, or a 群发 task is open.
    Elsewhere it would find nothing due, so a batch goes on (up to BATCH_MESSAGES lines).

    A rehearsal's scratch store has no other reader and a failed rehearsal is fed again
    from its log, so its batches and sends commit together every REHEARSAL_LINES lines
    (each is a savepoint inside), not one by one: a city's log queues a relay on every
    sixth line, and each relay was three commits.
    """
    source = iter(messages)
    more = True
    while more:
        with app.store.transaction():
            more = await _feed_some(app, source, settled)


async def _feed_some(
    app: App, source: Iterator[IncomingMessage], settled: Callable[[], object]
) -> bool:
    """Up to about REHEARSAL_LINES lines of `feed`; False once the source is spent."""
    store = app.store
    fed = 0
    while fed < REHEARSAL_LINES:
        queued = store.queued
        due = _next_due(app)

        def stop(due: datetime | None = due, queued: int = queued) -> bool:
            return store.queued != queued or (due is not None and app.clock.now() >= due)

        taken = app.ingest(_batch(source, stop))
        if not taken:
            return False
        fed += taken
        await app.settle()
        settled()
    return True


def _batch(
    source: Iterator[IncomingMessage], stop: Callable[[], bool]
) -> Iterator[IncomingMessage]:
    """Up to BATCH_MESSAGES messages, ending after the one that makes `stop()` true."""
    for _ in range(BATCH_MESSAGES):
        msg = next(source, None)
        if msg is None:
            return
        yield msg
        if stop():
            return


def _next_due(app: App) -> datetime | None:
    """When a settle next has something to do: now while a 群发 task is open (its platform
    is polled every time), a held or retried row's time, else never (None)."""
    now = app.clock.now()
    store = app.store
    if store.mass_tasks(state="pending") or store.mass_tasks(state="created"):
        return now
    wait = app.sender.next_wakeup(now)
    return None if wait is None else now + timedelta(seconds=wait)


async def replay(
    events: list[ReplayEvent],
    org: Org,
    config: Config | None = None,
    data_dir: Path | None = None,
) -> tuple[Runtime, list[str]]:
    """Feed events through App.ingest() with the clock following `at` (see `feed`); return
    the bot's lines."""
    base = config or load_config(None)
    tmp = None
    if data_dir is None:
        tmp = tempfile.mkdtemp(prefix="fanzha-replay-")
        data_dir = Path(tmp)
    # A recorded chat is history: its pushes went out, so none waits for a 确认 here. A
    # replay is a rehearsal: its records go to its own SQLite, never the deployment's store.
    cfg = replace(
        base,
        bot=replace(base.bot, data_dir=str(data_dir)),
        policy=replace(base.policy, confirm_over_groups=NO_CONFIRMATION),
        store=StoreSection(),
    )
    start = events[0].at if events else datetime.now(cfg.tz)
    clock = SimClock(start.astimezone(cfg.tz))
    # A fixed generator: the same log always gives the same send times and report.
    rt = build(cfg, clock, org=org, fast=True, rng=random.Random(0))
    printed: list[str] = []
    sim = rt.simulator
    assert sim is not None

    def messages() -> Iterator[IncomingMessage]:
        for ev in events:
            clock.advance_to(ev.at)
            if ev.group is not None and not sim.has_room(ev.group):
                continue  # the bot is not in that group: it would never see the message
            yield sim.message(
                ev.sender,
                ev.text,
                ev.group,
                kind=ev.kind,
                data=ev.data,
                filename=ev.filename,
                message_id=ev.id,
                at=ev.at,
                link=ev.link,
            )

    await feed(
        rt.app, messages(), lambda: printed.extend(describe(sim, x) for x in sim.pop_sent())
    )
    return rt, printed


async def run_replay(
    events_path: Path, org_path: Path, as_json: bool, config: Config | None = None
) -> str:
    """The CLI command: validate, replay, and return what to print."""
    events = parse_events(events_path)
    org = load_org(org_path)
    with tempfile.TemporaryDirectory(prefix="fanzha-replay-") as tmp:
        rt, printed = await replay(events, org, config, Path(tmp))
        report = rt.app.coverage_report()
        rt.store.close()
    if as_json:
        return coverage_json(report)
    return (
        "=== 机器人回复 ===\n"
        + "\n".join(printed)
        + "\n\n=== 覆盖情况 ===\n"
        + coverage_text(report)
    )
