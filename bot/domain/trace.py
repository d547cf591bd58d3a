"""责任倒查: what one household received, put together from stored facts.

When a resident is defrauded, the town plan (seed 001 §(三)) asks whether that person had
received the propaganda. `assemble_trace` takes the facts the store holds (the pushes, the
groups the household was in under each push's roster version, the deliveries to those groups,
the household's 回执, read-link taps and 佐证 screenshots) and returns a `TraceReport`: every
push delivered to the household's groups, and every push their groups did not receive, with
the reason. Pure: no clock, no store; the web page, the exports and the chat command share it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.model import ROLE_LABELS, Delivery, Group, Member, Mode, Push

MODE_LABELS: dict[Mode, str] = {
    Mode.RELAY: "机器人发送",
    Mode.FORWARD: "推送员转发",
    Mode.EVIDENCE: "截图佐证",
    Mode.TASK: "企业微信群发",
}
VIA_LABELS: dict[str, str] = {
    "relay": "机器人发送",
    "forward": "检测到转发",
    "evidence": "截图佐证",
    "task": "企业微信群发",
}
NOT_IN_ROSTER = "推送时本户不在名册中"
NOT_IN_SCOPE = "本户所在群不在该期推送范围"
NOT_DELIVERED = "计划送达，但未送达"
MAX_CANDIDATES = 50


@dataclass(frozen=True)
class Candidate:
    """A roster member matching a lookup (shown for disambiguation)."""

    wechat: str
    name: str
    role: str
    unit: str | None
    groups: tuple[str, ...]  # group names
    phone: str | None
    version: int  # the newest roster version that has this member
    current: bool  # in the current roster


@dataclass(frozen=True)
class TracedReceipt:
    """A household's 回执 for a push, with the words it said (empty when imported)."""

    push_id: int
    group_id: str
    at: datetime
    text: str


@dataclass(frozen=True)
class TracedEvidence:
    """One 佐证 screenshot of a push in a group; `index` is its place in the push's list
    (the dashboard serves it at /evidence/<push>/<index>)."""

    push_id: int
    group_id: str
    at: datetime
    index: int


@dataclass(frozen=True)
class TraceFacts:
    """Everything stored about one household, as the store hands it over."""

    member: Member
    group_names: Sequence[str]  # the household's groups in the newest roster that has it
    current: bool
    pushes: Sequence[Push]  # not withdrawn, oldest first
    groups_at: Mapping[int, Sequence[Group]]  # push id → the household's groups then
    deliveries: Sequence[Delivery]  # to any of those groups
    receipts: Sequence[TracedReceipt]
    evidence: Sequence[TracedEvidence]
    taps: Mapping[tuple[int, str], int]  # (push, group) → read-link taps


@dataclass(frozen=True)
class ReceivedLine:
    """A push delivered to one of the household's groups."""

    push_id: int
    title: str
    group: str
    mode: str
    delivered_at: datetime
    via: str
    ack_at: datetime | None
    ack_text: str
    taps: int
    evidence: tuple[TracedEvidence, ...]

    @property
    def push_name(self) -> str:
        """第3期《标题》."""
        return f"第{self.push_id}期《{self.title}》"


@dataclass(frozen=True)
class MissedLine:
    """A push none of the household's groups received, and why."""

    push_id: int
    title: str
    created_at: datetime
    group: str
    reason: str

    @property
    def push_name(self) -> str:
        """第3期《标题》."""
        return f"第{self.push_id}期《{self.title}》"


@dataclass(frozen=True)
class TraceReport:
    """The 倒查 record of one household."""

    name: str
    wechat: str
    role: str
    unit: str | None
    phone: str | None
    groups: tuple[str, ...]
    current: bool
    received: tuple[ReceivedLine, ...]
    missed: tuple[MissedLine, ...]

    @property
    def acked(self) -> int:
        """Pushes the household acknowledged."""
        return len({line.push_id for line in self.received if line.ack_at is not None})

    @property
    def pushes_received(self) -> int:
        """Distinct pushes delivered to the household's groups."""
        return len({line.push_id for line in self.received})

    def summary(self) -> str:
        """One Chinese sentence: received, acknowledged, not received."""
        return (
            f"{self.name}（{self.unit or '无单位'}）：所在群收到 {self.pushes_received} 期，"
            f"本户回执 {self.acked} 期，未收到 {len(self.missed)} 期"
        )


def _group_name(groups: Sequence[Group], group_id: str) -> str:
    return next((g.name for g in groups if g.id == group_id), group_id)


def _received(
    facts: TraceFacts, push: Push, groups: Sequence[Group], delivered: Sequence[Delivery]
) -> list[ReceivedLine]:
    receipt = next((r for r in facts.receipts if r.push_id == push.id), None)
    # The receipt goes with the group it was given in (else with the first delivered one).
    ack_group = None
    if receipt is not None:
        given = any(d.group_id == receipt.group_id for d in delivered)
        ack_group = receipt.group_id if given else delivered[0].group_id
    lines = []
    for d in delivered:
        assert d.delivered_at is not None
        mine = receipt if d.group_id == ack_group else None
        shots = tuple(
            e for e in facts.evidence if e.push_id == push.id and e.group_id == d.group_id
        )
        lines.append(
            ReceivedLine(
                push_id=push.id,
                title=push.title,
                group=_group_name(groups, d.group_id),
                mode=MODE_LABELS.get(d.mode, str(d.mode)),
                delivered_at=d.delivered_at,
                via=VIA_LABELS.get(d.via or "", d.via or ""),
                ack_at=mine.at if mine else None,
                ack_text=mine.text if mine else "",
                taps=facts.taps.get((push.id, d.group_id), 0),
                evidence=shots,
            )
        )
    return lines


def _missed(push: Push, groups: Sequence[Group], planned: Sequence[Delivery]) -> MissedLine:
    if not groups:
        return MissedLine(push.id, push.title, push.created_at, "", NOT_IN_ROSTER)
    if planned:
        names = "、".join(_group_name(groups, d.group_id) for d in planned)
        modes = "、".join(sorted({MODE_LABELS.get(d.mode, str(d.mode)) for d in planned}))
        return MissedLine(
            push.id, push.title, push.created_at, names, f"{NOT_DELIVERED}（{modes}）"
        )
    names = "、".join(g.name for g in groups)
    return MissedLine(push.id, push.title, push.created_at, names, NOT_IN_SCOPE)


def assemble_trace(facts: TraceFacts) -> TraceReport:
    """The household's record: delivered pushes (with 回执, taps, 佐证) and missed ones."""
    by_push: dict[int, list[Delivery]] = {}
    for d in facts.deliveries:
        by_push.setdefault(d.push_id, []).append(d)
    received: list[ReceivedLine] = []
    missed: list[MissedLine] = []
    for push in sorted(facts.pushes, key=lambda p: p.id):
        groups = facts.groups_at.get(push.id, ())
        ids = {g.id for g in groups}
        planned = [d for d in by_push.get(push.id, ()) if d.group_id in ids]
        delivered = [d for d in planned if d.delivered_at is not None]
        if delivered:
            received.extend(_received(facts, push, groups, delivered))
        else:
            missed.append(_missed(push, groups, planned))
    m = facts.member
    return TraceReport(
        name=m.name,
        wechat=m.wechat,
        role=ROLE_LABELS.get(m.role, str(m.role)),
        unit=m.unit,
        phone=m.phone,
        groups=tuple(facts.group_names),
        current=facts.current,
        received=tuple(received),
        missed=tuple(missed),
    )


def is_phone_query(text: str) -> bool:
    """A lookup by phone: the full number or its last 4 digits (digits only, ≥ 4)."""
    return text.isascii() and text.isdigit() and len(text) >= 4


def rank_candidates(candidates: Sequence[Candidate], text: str) -> list[Candidate]:
    """Exact names first, then current members, then by name (at most MAX_CANDIDATES)."""
    ordered = sorted(
        candidates, key=lambda c: (c.name != text, not c.current, c.unit or "", c.name, c.wechat)
    )
    return ordered[:MAX_CANDIDATES]
