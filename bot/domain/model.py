"""Domain types shared by core, store and transports: frozen dataclasses, no I/O or SQL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import partial
from typing import Any, NamedTuple

from bot.domain.media import LinkCard


class Level(StrEnum):
    """Where a group sits in the hierarchy."""

    COMMAND = "command"
    VILLAGE = "village"
    UNIT = "unit"
    GRID = "grid"


class Mode(StrEnum):
    """How a push reaches a group (see DESIGN.md §2)."""

    RELAY = "relay"
    FORWARD = "forward"
    EVIDENCE = "evidence"
    # WeCom 客户群群发: the platform sends after the group's owner confirms a send task.
    TASK = "task"


class Role(StrEnum):
    """A roster member's role."""

    LEADER = "leader"
    OFFICE = "office"
    SUPERVISOR = "supervisor"
    PUSHER = "pusher"
    HOUSEHOLD = "household"


ROLE_LABELS: dict[Role, str] = {
    Role.LEADER: "领导",
    Role.OFFICE: "办公室",
    Role.SUPERVISOR: "监督员",
    Role.PUSHER: "推送员",
    Role.HOUSEHOLD: "户主",
}


class MessageKind(StrEnum):
    """What an inbound or outbound message carries."""

    TEXT = "text"
    IMAGE = "image"
    FILE = "file"
    LINK = "link"


@dataclass(frozen=True)
class Group:
    """A chat room in the org tree."""

    id: str
    name: str
    level: Level
    parent: str | None
    unit: str | None
    mode: Mode = Mode.RELAY
    # People living in the unit (org file, optional): the base of 万人发案数 (发案统计).
    population: int | None = None


@dataclass(frozen=True, slots=True)
class Member:
    """A person in the roster; `wechat` is the transport contact id."""

    name: str
    role: Role
    unit: str | None
    wechat: str
    groups: tuple[str, ...] = ()
    phone: str | None = None


@dataclass(frozen=True)
class Org:
    """A town's roster: its groups (a tree) and its members."""

    town: str
    groups: tuple[Group, ...]
    members: tuple[Member, ...]

    def group(self, group_id: str) -> Group | None:
        """The group with this id, or None."""
        return self._groups_by_id.get(group_id)

    def member(self, wechat: str) -> Member | None:
        """The member with this contact id, or None."""
        return self._members_by_wechat.get(wechat)

    @property
    def command_group(self) -> Group:
        """The root of the tree (the 指挥群)."""
        for g in self.groups:
            if g.level is Level.COMMAND:
                return g
        raise LookupError("org has no command group")

    @property
    def units(self) -> tuple[str, ...]:
        """Unit names in roster order (villages first as they appear; indexed once)."""
        named = (g.unit for g in self.groups if g.unit and g.level is not Level.COMMAND)
        found: tuple[str, ...] = self.derived("units", lambda _: tuple(dict.fromkeys(named)))
        return found

    def has_unit(self, unit: str) -> bool:
        """Whether a village or unit of this name has groups here (a set, indexed once)."""
        known: frozenset[str] = self.derived("unit_set", lambda org: frozenset(org.units))
        return unit in known

    def children(self, group_id: str) -> tuple[Group, ...]:
        """Direct sub-groups of a group."""
        return tuple(g for g in self.groups if g.parent == group_id)

    def with_role(self, role: Role) -> tuple[Member, ...]:
        """Members with a role, in roster order (indexed once per roster)."""
        found: tuple[Member, ...] = self.derived(
            f"role:{role.value}", lambda org: tuple(m for m in org.members if m.role is role)
        )
        return found

    def members_of(self, group_id: str) -> tuple[Member, ...]:
        """Members the roster places in a group."""
        return self._members_by_group.get(group_id, ())

    def derived(self, key: str, build: Callable[[Org], Any]) -> Any:
        """An index computed from this (immutable) roster once, on first use, then kept."""
        if key not in self._derived:
            self._derived[key] = build(self)
        return self._derived[key]

    def __post_init__(self) -> None:
        by_group: dict[str, list[Member]] = {}
        for m in self.members:
            for gid in m.groups:
                by_group.setdefault(gid, []).append(m)
        object.__setattr__(self, "_groups_by_id", {g.id: g for g in self.groups})
        object.__setattr__(self, "_members_by_wechat", {m.wechat: m for m in self.members})
        by_group_t = {gid: tuple(ms) for gid, ms in by_group.items()}
        object.__setattr__(self, "_members_by_group", by_group_t)

    _groups_by_id: dict[str, Group] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _members_by_wechat: dict[str, Member] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _members_by_group: dict[str, tuple[Member, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)


@dataclass(frozen=True)
class RosterVersion:
    """One stored roster version: when, from where, and how many members."""

    version: int
    created_at: datetime
    source: str
    members: int


@dataclass(frozen=True)
class IncomingMessage:
    """One inbound chat message, as every transport reports it."""

    id: str
    at: datetime
    sender: str
    text: str = ""
    group: str | None = None
    kind: MessageKind = MessageKind.TEXT
    mentions: tuple[str, ...] = ()
    data: bytes | None = None
    filename: str | None = None
    link: LinkCard | None = None  # a link/视频号/mini-program card: its url and title

    @property
    def private(self) -> bool:
        """True for a one-to-one chat with the bot."""
        return self.group is None


@dataclass(frozen=True)
class Content:
    """One item of the content library."""

    id: int
    title: str
    body: str
    fraud_types: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    media: tuple[str, ...] = ()  # images (posters)
    video: str | None = None
    files: tuple[str, ...] = ()
    link: LinkCard | None = None


@dataclass(frozen=True)
class Push:
    """A piece of content on its way down the tree."""

    id: int
    title: str
    body: str
    created_at: datetime
    created_by: str
    scope: tuple[str, ...]
    deadline: datetime | None = None
    content_id: int | None = None
    roster_version: int = 0
    status: str = "open"  # or "withdrawn" (撤回)


@dataclass(frozen=True)
class Delivery:
    """One push × one target group."""

    push_id: int
    group_id: str
    unit: str | None
    mode: Mode
    parent: str | None
    delivered_at: datetime | None = None
    via: str | None = None


@dataclass(frozen=True)
class Signature:
    """A pusher signed (签收) a push."""

    push_id: int
    member: str
    at: datetime


@dataclass(frozen=True)
class Receipt:
    """A household acknowledged (回执) a push in a delivered group."""

    push_id: int
    member: str
    unit: str | None
    group_id: str
    at: datetime


@dataclass(frozen=True)
class OutgoingMessage:
    """One message the bot wants to send (an outbox row before it has an id)."""

    conversation: str
    text: str = ""
    kind: MessageKind = MessageKind.TEXT
    mentions: tuple[str, ...] = ()
    path: str | None = None
    dedupe_key: str | None = None
    push_id: int | None = None
    group_id: str | None = None
    link: LinkCard | None = None


class UnitTally(NamedTuple):
    """Running counters of one push in one unit (kept by the store, never recounted).

    A tuple rather than a dataclass: a city report reads 8,000 of them, each made straight
    from its row in C (the store's `tallies`)."""

    unit: str
    pushers: int
    signed: int
    groups: int
    delivered: int
    households: int
    reached: int
    acks: int
    reads: int = 0
    read_acks: int = 0


# A stored row of a unit's counters (every field, in order) as a UnitTally, made in C.
tally_of: Callable[[Sequence[Any]], UnitTally] = partial(tuple.__new__, UnitTally)


@dataclass(frozen=True)
class OutboxItem:
    """An outbox row: a message waiting for (or past) the paced sender."""

    id: int
    conversation: str
    kind: MessageKind
    text: str
    mentions: tuple[str, ...]
    path: str | None
    push_id: int | None
    group_id: str | None
    status: str
    attempts: int
    created_at: datetime
    not_before: datetime | None = None
    sent_at: datetime | None = None
    link: LinkCard | None = None


@dataclass(frozen=True)
class Reminder:
    """A 催办 or escalation the bot sent."""

    push_id: int
    at: datetime
    kind: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class Evidence:
    """A screenshot a pusher sent for a group the bot is not in."""

    push_id: int
    group_id: str
    member: str
    path: str
    sha256: str
    size: int
    at: datetime


@dataclass(frozen=True)
class RoomInfo:
    """A chat room as a transport sees it."""

    id: str
    topic: str


@dataclass(frozen=True)
class ContactInfo:
    """A contact as a transport sees it (in a room: `alias` is the room nickname)."""

    id: str
    name: str
    alias: str = ""


@dataclass(frozen=True)
class WorkReport:
    """A pusher's 今日工作 report for their unit on one day."""

    day: date
    unit: str
    member: str
    text: str
    at: datetime


@dataclass(frozen=True)
class Bulletin:
    """A 通报 the bot published (日报, 周报, 月度排名), as the dashboard lists it."""

    id: int
    kind: str
    period: str
    at: datetime
    text: str
    image: str | None = None
    job: str | None = None
    requested_by: str | None = None
    charts: tuple[str, ...] = ()  # the images after `image` (a section's chart), in order


@dataclass(frozen=True)
class JobRun:
    """One fire time of a scheduled job and what became of it (done/failed/skipped/missed)."""

    job: str
    fire_time: datetime
    status: str
    ran_at: datetime
    detail: str = ""


class AuditEntry(NamedTuple):
    """One line of the audit log: who did what, when (a tuple, so it unpacks in that order)."""

    at: datetime
    actor: str
    action: str
    detail: str


class Assignment(NamedTuple):
    """A pusher's place in one open push: the push, the unit they push for, whether signed."""

    push_id: int
    unit: str
    signed: bool


class PendingPush(NamedTuple):
    """A big push kept until its sender's 确认: the serialised draft and when it was asked."""

    payload: dict[str, Any]
    asked_at: datetime
