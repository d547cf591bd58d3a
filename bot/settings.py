"""The shape of the configuration: one frozen dataclass per TOML section.

`bot.config` loads and checks a file into these; every key is documented in
config.example.toml.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class BotSection:
    """`[bot]`: where things live and which transport runs."""

    timezone: str = "Asia/Shanghai"
    data_dir: str = "data"
    org: str = "examples/town.toml"
    content_dir: str = "content"
    schedules_dir: str = "schedules"
    transport: str = "sandbox"
    name: str = "反诈助手"
    wechat: str = "bot"


@dataclass(frozen=True)
class SenderSection:
    """`[sender]`: pacing so the account is not banned for bursts."""

    per_minute: float = 20.0
    burst: int = 5
    group_gap_seconds: float = 3.0
    jitter_seconds: float = 1.0
    retry_seconds: float = 30.0
    max_attempts: int = 8


@dataclass(frozen=True)
class PolicySection:
    """`[policy]`: how pushes are chased."""

    remind_cap_per_day: int = 3
    open_days: int = 14
    # A chat push reaching more groups than this waits for its sender's 确认;
    # -1 means "only a push to the whole town".
    confirm_over_groups: int = -1
    confirm_minutes: int = 10
    withdraw_minutes: int = 10


ENV_TOKEN = "WECHATY_PUPPET_SERVICE_TOKEN"
ENV_ENDPOINT = "WECHATY_PUPPET_SERVICE_ENDPOINT"
ENV_NO_TLS = "WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT"
ENV_SERVER_NAME = "WECHATY_PUPPET_SERVICE_TLS_SERVER_NAME"
ENV_CA_FILE = "WECHATY_PUPPET_SERVICE_TLS_CA_FILE"


@dataclass(frozen=True)
class WechatySection:
    """`[wechaty]`: the puppet service a real account runs through (token + endpoint, TLS on
    by default). The one settings type of the Wechaty transport; `with_env()` puts the
    WECHATY_PUPPET_SERVICE_* environment variables on top."""

    endpoint: str = ""
    token: str = ""
    tls: bool = True
    ca_file: str = ""
    verify: bool = True
    watchdog_seconds: float = 60.0
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    # TLS server name (SNI and certificate check). Empty, as the Node client does: the
    # token's prefix before its last "_" (e.g. "puppet_padlocal_xxx" -> "puppet_padlocal"),
    # else the endpoint host.
    server_name: str = ""
    login_timeout: float = 60.0
    rpc_timeout: float = 30.0
    # Try real link cards first (falls back to "title\nurl" text when the service refuses).
    link_cards: bool = True
    # Put "@name " in front of the text for mentioned contacts whose name it lacks, as
    # Wechaty's Room.say does (WeChat shows the text as sent; the ids only notify).
    mention_names: bool = True
    max_download_bytes: int = 50 * 1024 * 1024

    def with_env(self, environ: Mapping[str, str] | None = None) -> WechatySection:
        """These settings with the WECHATY_PUPPET_SERVICE_* variables (default: os.environ)
        on top: token, endpoint, TLS off, TLS server name, CA file."""
        env = os.environ if environ is None else environ
        changes: dict[str, Any] = {}
        if env.get(ENV_TOKEN):
            changes["token"] = env[ENV_TOKEN].strip()
        if env.get(ENV_ENDPOINT):
            changes["endpoint"] = env[ENV_ENDPOINT].strip()
        if (env.get(ENV_NO_TLS) or "").strip().lower() in ("1", "true", "yes", "on"):
            changes["tls"] = False
        if env.get(ENV_SERVER_NAME):
            changes["server_name"] = env[ENV_SERVER_NAME].strip()
        if env.get(ENV_CA_FILE):
            changes["ca_file"] = env[ENV_CA_FILE].strip()
        return replace(self, **changes)


@dataclass(frozen=True)
class WebUser:
    """A dashboard login."""

    name: str
    role: str
    password_hash: str
    unit: str = ""


@dataclass(frozen=True)
class SchedulerSection:
    """`[scheduler]`: jobs from schedules/*.toml and push deadlines."""

    enabled: bool = True
    grace_minutes: int = 120
    tick_seconds: float = 60.0


@dataclass(frozen=True)
class DeadlineSection:
    """`[deadline]`: reminders before/at a push's deadline, then escalation."""

    remind_before_minutes: int = 60
    remind_at_deadline: bool = True
    auto_remind_cap: int = 2
    escalate: bool = True
    escalate_after_minutes: int = 60
    leader_summary: bool = True


@dataclass(frozen=True)
class WarningSection:
    """`[warning]`: 预警劝阻单 deadlines, reminders and escalation."""

    sign_minutes: int = 30
    visit_hours: int = 24
    remind_before_minutes: int = 120
    escalate_after_minutes: int = 30


@dataclass(frozen=True)
class QuietSection:
    """`[quiet]`: no sends into household-level groups during these hours."""

    enabled: bool = True
    start: str = "22:00"
    end: str = "07:00"

    @property
    def start_time(self) -> time:
        """`start` as a time of day."""
        return time.fromisoformat(self.start)

    @property
    def end_time(self) -> time:
        """`end` as a time of day."""
        return time.fromisoformat(self.end)


@dataclass(frozen=True)
class BulletinSection:
    """`[bulletin]`: 通报 (日报、周报、月度排名)."""

    chart: bool = True
    bottom_count: int = 2


@dataclass(frozen=True)
class WecomSection:
    """`[wecom]`: WeCom (企业微信) customer groups through the official 客户群群发.

    Secrets may come from the environment instead (see `with_env`)."""

    corp_id: str = ""
    secret: str = ""  # 客户联系 secret, or a self-built app's listed in 「可调用应用」
    agent_id: int = 0  # the self-built app, for app messages to members (督办); 0 = none
    base_url: str = "https://qyapi.weixin.qq.com"
    robot_bot_id: str = ""  # 智能机器人 in the command group (long connection)
    robot_secret: str = ""
    robot_ws_url: str = "wss://openws.work.weixin.qq.com"
    command_chat_id: str = ""  # the robot's internal group that is the command group
    webhook_key: str = ""  # 群机器人 webhook for bulletins when no smart robot is set up
    poll_minutes: float = 10.0
    quota_rule: str = "days_in_month"  # 群发规则: days_in_month | weekly7 | daily1 | legacy4
    # The self-built app's 接收消息 URL (members' replies in the app); off without token/key.
    callback_token: str = ""
    callback_aes_key: str = ""  # EncodingAESKey, 43 characters
    callback_host: str = "0.0.0.0"
    callback_port: int = 8091
    callback_path: str = "/wecom/callback"

    def with_env(self, env: Mapping[str, str] | None = None) -> WecomSection:
        """The section with WECOM_CORP_ID / WECOM_SECRET / WECOM_ROBOT_SECRET /
        WECOM_WEBHOOK_KEY from the environment taking precedence."""
        env = os.environ if env is None else env
        return replace(
            self,
            corp_id=env.get("WECOM_CORP_ID") or self.corp_id,
            secret=env.get("WECOM_SECRET") or self.secret,
            robot_secret=env.get("WECOM_ROBOT_SECRET") or self.robot_secret,
            webhook_key=env.get("WECOM_WEBHOOK_KEY") or self.webhook_key,
            callback_aes_key=env.get("WECOM_CALLBACK_AES_KEY") or self.callback_aes_key,
        )


@dataclass(frozen=True)
class WebSection:
    """`[web]`: the office dashboard."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 8080
    secret: str = ""
    trust_proxy: bool = False
    users: tuple[WebUser, ...] = ()
    # The dashboard's address as households' phones reach it (https://…, through the TLS
    # proxy); set, it turns on read-confirm links ({public_url}/r/<token>). Empty: off.
    public_url: str = ""


@dataclass(frozen=True)
class StoreSection:
    """`[store]`: where the bot keeps its records. Empty `url`: the SQLite file
    data_dir/bot.db; "postgresql://user@host/db": a PostgreSQL database several processes
    can share."""

    url: str = ""
    # Several accounts ([[accounts]]): how long a process's hold on its groups lasts without
    # renewal; a dead process's groups pass to another account this long after it died.
    lease_seconds: float = 30.0


@dataclass(frozen=True)
class Account:
    """One `[[accounts]]` entry: a WeChat (Wechaty) or WeCom account; one process serves it
    (`python -m bot run --account NAME`) and sends into the groups it is in."""

    name: str
    transport: str = "sandbox"
    # Roster group ids the account sits in; empty: every group of the roster.
    groups: tuple[str, ...] = ()
    # Whether this account may answer private chats (one such process at a time does).
    private_chats: bool = True
    wechaty: WechatySection = field(default_factory=WechatySection)
    wecom: WecomSection = field(default_factory=WecomSection)


@dataclass(frozen=True)
class Config:
    """The whole configuration; paths are resolved against `base_dir`."""

    bot: BotSection = field(default_factory=BotSection)
    sender: SenderSection = field(default_factory=SenderSection)
    policy: PolicySection = field(default_factory=PolicySection)
    wechaty: WechatySection = field(default_factory=WechatySection)
    web: WebSection = field(default_factory=WebSection)
    scheduler: SchedulerSection = field(default_factory=SchedulerSection)
    deadline: DeadlineSection = field(default_factory=DeadlineSection)
    quiet: QuietSection = field(default_factory=QuietSection)
    bulletin: BulletinSection = field(default_factory=BulletinSection)
    wecom: WecomSection = field(default_factory=WecomSection)
    store: StoreSection = field(default_factory=StoreSection)
    warning: WarningSection = field(default_factory=WarningSection)
    accounts: tuple[Account, ...] = ()
    # The account this process serves (`run --account`); empty: the single-account bot.
    account: str = ""
    base_dir: Path = field(default_factory=Path.cwd)
    source: str = "默认配置"

    def for_account(self, name: str) -> Config:
        """This config as the process serving account `name` runs it: that account's
        transport settings in place of [bot].transport, [wechaty] and [wecom]."""
        account = next(a for a in self.accounts if a.name == name)
        return replace(
            self,
            bot=replace(self.bot, transport=account.transport),
            wechaty=account.wechaty,
            wecom=account.wecom,
            account=name,
        )

    @property
    def current_account(self) -> Account | None:
        """The account this process serves, None for the single-account bot."""
        return next((a for a in self.accounts if a.name == self.account), None)

    @property
    def tz(self) -> ZoneInfo:
        """The configured time zone."""
        return ZoneInfo(self.bot.timezone)

    def path(self, value: str) -> Path:
        """Resolve a configured path relative to the config file."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.base_dir / p

    @property
    def data_dir(self) -> Path:
        """Where the SQLite file and evidence live."""
        return self.path(self.bot.data_dir)

    @property
    def db_path(self) -> Path:
        """The SQLite database file."""
        return self.data_dir / "bot.db"

    @property
    def store_target(self) -> str | Path:
        """What `open_store` opens: `store.url` when set, else the SQLite file."""
        return self.store.url or self.db_path
