"""The world a fake WeCom server serves, and the knobs for the points where sources disagree.

Tests build a `World` (corp, apps and their secrets, members, customer groups with owners and
members) and `FakeOptions`; `FakeWecom` (fake_server.py) serves them on 127.0.0.1.
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
MB = 1024 * 1024


@dataclass
class FakeApp:
    """An app secret. `customer_contact`: the 客户联系 secret or an app listed in 「可调用应用」
    (else customer-contact calls get 48002). `visible`: userids in the app's visible range
    (None: everyone). `agent_id` 0: no app messages (the 客户联系 secret)."""

    secret: str
    agent_id: int = 0
    customer_contact: bool = True
    visible: frozenset[str] | None = None

    def sees(self, userid: str) -> bool:
        """Whether `userid` is in the app's visible range."""
        return self.visible is None or userid in self.visible


@dataclass
class FakeMember:
    """A customer-group member: type 1 WeCom member, 2 external (a resident on WeChat)."""

    userid: str
    type: int = 2
    name: str = ""
    group_nickname: str = ""
    join_time: int = 1_700_000_000


@dataclass
class FakeGroup:
    """A customer group (客户群) owned by a WeCom member."""

    chat_id: str
    name: str
    owner: str
    members: list[FakeMember] = field(default_factory=list)
    status: int = 0
    create_time: int = 1_700_000_000
    notice: str = ""

    def member_version(self) -> str:
        """Changes whenever the membership changes."""
        ids = ",".join(sorted(m.userid for m in self.members))
        return hashlib.md5(ids.encode()).hexdigest()


@dataclass
class World:
    """One corp: its apps, internal members (userids), customer groups and robot webhooks."""

    corp_id: str
    apps: list[FakeApp]
    users: list[str]
    groups: list[FakeGroup] = field(default_factory=list)
    webhook_keys: list[str] = field(default_factory=list)

    def app(self, secret: str) -> FakeApp | None:
        """The app with this secret."""
        return next((a for a in self.apps if a.secret == secret), None)

    def group(self, chat_id: str) -> FakeGroup | None:
        """The customer group with this chat_id."""
        return next((g for g in self.groups if g.chat_id == chat_id), None)


@dataclass
class FakeOptions:
    """Behaviour knobs; defaults follow the current official texts."""

    token_life: int = 7200
    same_token_while_valid: bool = False  # older gettoken text: same token while valid
    invalidation_code: int = 40014  # what an early-invalidated token gets (40014 or 42001)
    trusted_ips: frozenset[str] | None = None  # None: no 企业可信IP check
    failed_gettoken_ban: int = 2000  # failed gettoken per IP per hour → 45009 for an hour
    rate_per_minute: int = 10_000  # per corp per cgi
    rate_per_hour: int = 150_000
    rate_overrides: dict[str, int] = field(default_factory=dict)  # cgi → per minute
    concurrency: int | None = None  # in-flight requests per cgi beyond this → 45033
    quota_rule: str = "days_in_month"  # or "legacy4", "weekly7", "daily1"
    quota_fail_rows: bool = False  # over-quota groups as status-3 rows (undocumented)
    dispatch_window: float = 0.0  # seconds after creation in which queries get 41063
    status_variant: str = "0/2"  # or "0/1/2" (1 = confirmed, not yet sent)
    remind_cap: int = 3  # per msgid per rolling 24 h
    page_cap: int | None = None  # at most this many rows per page (real pages may be short)
    image_limit: int = 10 * MB  # 2 MB in older texts
    webhook_per_minute: int = 20
    app_msg_per_minute: int = 30  # per member; excess silently dropped


SIZE_LIMITS = {"voice": 2 * MB, "video": 10 * MB, "file": 20 * MB}


def quota_window(rule: str, now: datetime) -> tuple[datetime, datetime, int]:
    """The receive-quota window around `now` (Shanghai days) and its cap."""
    day = now.astimezone(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)
    if rule == "daily1":
        return day, day + timedelta(days=1), 1
    if rule == "weekly7":
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=7), 7
    first = day.replace(day=1)
    days = calendar.monthrange(first.year, first.month)[1]
    cap = 4 if rule == "legacy4" else days
    return first, first + timedelta(days=days), cap
