"""回访抽查 actions shared by the dashboard and the demo: drawing a round, recording outcomes
(from the dashboard's selects or an uploaded call list), closing a round; each one audited.

The 督导组 works from the office's dashboard login: only the office draws rounds, sees and
exports phone numbers and records outcomes. A village's own supervisor reads the rates and
the call list of their village (phones masked) but does not check their own village.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.callbacks import (
    NOTE_MAX_CHARS,
    OUTCOMES,
    Awareness,
    CallbackRound,
    OutcomeEntry,
    Sample,
    SampleRule,
    awareness,
    draw_sample,
    rule_error,
)
from bot.domain.model import Org
from bot.formats.checks import InputError
from bot.store import Store


class CallbackError(InputError):
    """A 回访 request that cannot be carried out (the message says why, in Chinese)."""


@dataclass(frozen=True)
class Drawn:
    """A round just drawn: its number and the sample."""

    round_id: int
    sample: Sample


def draw_round(
    store: Store,
    org: Org,
    now: datetime,
    who: str,
    units: Sequence[str],
    rule: SampleRule,
    seed: int,
) -> Drawn:
    """Draw and store a round over `units` (all villages and units when empty); audited."""
    problem = rule_error(rule)
    if problem:
        raise CallbackError(problem)
    known = org.units
    unknown = [u for u in units if u not in known]
    if unknown:
        raise CallbackError(f"名册中没有这些村/单位：{'、'.join(unknown)}")
    chosen = tuple(u for u in known if u in units) if units else known
    recent = store.callbacks_drawn_since(now - timedelta(days=rule.exclude_days))
    sample = draw_sample(org, chosen, rule, seed, recent if rule.exclude_days else ())
    if not sample.calls:
        raise CallbackError(
            f"没有可抽取的户：无电话 {sample.no_phone} 户，近 {rule.exclude_days} 天已抽到 "
            f"{sample.recent} 户（请在名册中补充户主电话，或缩短排除天数）"
        )
    draft = CallbackRound(0, now, who, seed, rule, chosen, sample.skips, store.roster_version())
    with store.transaction():
        round_id = store.add_callback_round(draft, sample.calls)
        store.audit(
            now,
            who,
            "回访抽取",
            f"第{round_id}轮：{len(chosen)} 个村/单位共抽 {len(sample.calls)} 户"
            f"（随机种子 {seed}，{rule.describe()}；无电话跳过 {sample.no_phone} 户，"
            f"近期已抽跳过 {sample.recent} 户）",
        )
    return Drawn(round_id, sample)


def record_outcomes(
    store: Store,
    round_id: int,
    entries: Sequence[OutcomeEntry],
    now: datetime,
    who: str,
    how: str,
) -> int:
    """Record outcomes of households of a round, all or none; audited. Returns how many.

    The dashboard's selects and a confirmed upload both end here (`how` says which).
    """
    if store.callback_round(round_id) is None:
        raise CallbackError(f"找不到第{round_id}轮回访")
    drawn = {c.wechat for c in store.callback_calls(round_id)}
    for entry in entries:
        if entry.wechat not in drawn:
            raise CallbackError(f"{entry.wechat} 不在第{round_id}轮的抽查名单中")
        if entry.outcome not in OUTCOMES:
            raise CallbackError(f"回访结果应为 {'、'.join(OUTCOMES)} 之一：{entry.outcome}")
        if len(entry.note) > NOTE_MAX_CHARS:
            raise CallbackError(f"备注最多 {NOTE_MAX_CHARS} 个字")
    if not entries:
        return 0
    counts = "、".join(f"{o} {sum(e.outcome == o for e in entries)}" for o in OUTCOMES)
    with store.transaction():
        store.record_callback_outcomes(round_id, entries, now, who)
        store.audit(now, who, "回访登记", f"第{round_id}轮（{how}）：{len(entries)} 户，{counts}")
    return len(entries)


def close_round(store: Store, round_id: int, now: datetime, who: str) -> None:
    """End a round by hand; households not reached stay without an outcome. Audited."""
    round_ = store.callback_round(round_id)
    if round_ is None:
        raise CallbackError(f"找不到第{round_id}轮回访")
    if round_.completed_at is not None:
        raise CallbackError(f"第{round_id}轮已经结束")
    pending = sum(1 for c in store.callback_calls(round_id) if not c.outcome)
    with store.transaction():
        store.complete_callback_round(round_id, now)
        store.audit(now, who, "回访结束", f"第{round_id}轮：结束时 {pending} 户未回访")


def month_awareness(store: Store, start: datetime, end: datetime) -> list[Awareness]:
    """知晓率 per village over the rounds completed in [start, end)."""
    rounds = store.callback_rounds(completed_since=start, completed_until=end)
    units: list[str] = []
    calls = []
    for round_ in reversed(rounds):
        units.extend(u for u in round_.units if u not in units)
        calls.extend(store.callback_calls(round_.id))
    return [a for a in awareness(calls, units) if a.sampled]
