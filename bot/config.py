"""Loading the configuration: one TOML file, every key documented in config.example.toml.

Bad config fails at start with a Chinese message naming the key. The sections' shape is in
`bot.settings`; they are re-exported here for callers.
"""

from __future__ import annotations

import math
import re
from dataclasses import fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config_accounts import parse_accounts
from bot.domain.quota import QUOTA_RULES
from bot.formats.checks import InputError, read_toml
from bot.settings import (
    ENV_ENDPOINT,
    ENV_TOKEN,
    BotSection,
    BulletinSection,
    Config,
    DeadlineSection,
    PolicySection,
    QuietSection,
    SchedulerSection,
    SenderSection,
    StoreSection,
    WarningSection,
    WebSection,
    WebUser,
    WechatySection,
    WecomSection,
)

__all__ = [
    "BotSection",
    "BulletinSection",
    "Config",
    "ConfigError",
    "DeadlineSection",
    "PolicySection",
    "QuietSection",
    "SchedulerSection",
    "SenderSection",
    "StoreSection",
    "WarningSection",
    "WebSection",
    "WebUser",
    "WechatySection",
    "WecomSection",
    "load_config",
    "parse_config",
]


class ConfigError(InputError):
    """The configuration is wrong; `errors` lists every problem, each naming its key."""


_SECTIONS: dict[str, type] = {
    "bot": BotSection,
    "sender": SenderSection,
    "policy": PolicySection,
    "wechaty": WechatySection,
    "web": WebSection,
    "scheduler": SchedulerSection,
    "deadline": DeadlineSection,
    "quiet": QuietSection,
    "bulletin": BulletinSection,
    "wecom": WecomSection,
    "store": StoreSection,
    "warning": WarningSection,
}
_TYPE_NAMES = {str: "字符串", int: "整数", float: "数字", bool: "true/false"}


def _check_value(key: str, value: Any, default: Any, errors: list[str]) -> Any:
    expected = type(default)
    if expected is float and isinstance(value, float) and not math.isfinite(value):
        errors.append(f"配置项 {key} 应为有限的数字，实际为 {value!r}")
        return default
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if expected is bool and not isinstance(value, bool):
        errors.append(f"配置项 {key} 应为 true 或 false，实际为 {value!r}")
        return default
    if expected is int and (isinstance(value, bool) or not isinstance(value, int)):
        errors.append(f"配置项 {key} 应为整数，实际为 {value!r}")
        return default
    if expected in (str, float) and not isinstance(value, expected):
        errors.append(f"配置项 {key} 应为{_TYPE_NAMES[expected]}，实际为 {value!r}")
        return default
    return value


def _web_users(raw: Any, errors: list[str]) -> tuple[WebUser, ...]:
    if not isinstance(raw, list):
        errors.append("配置项 web.users 应为 [[web.users]] 表数组")
        return ()
    users = []
    for i, item in enumerate(raw, 1):
        key = f"web.users[{i}]"
        if not isinstance(item, dict):
            errors.append(f"配置项 {key} 应为表")
            continue
        unknown = set(item) - {"name", "role", "password_hash", "unit"}
        errors.extend(f"配置项 {key}.{k} 未知" for k in sorted(unknown))
        missing = [k for k in ("name", "role", "password_hash") if not item.get(k)]
        errors.extend(f"配置项 {key}.{k} 缺失" for k in missing)
        role = item.get("role", "")
        if role and role not in ("office", "leader", "supervisor", "police"):
            errors.append(
                f"配置项 {key}.role 的值 {role!r} 无效，"
                "应为 office、leader、supervisor、police 之一"
            )
        if role == "supervisor" and not item.get("unit"):
            errors.append(f"配置项 {key}.unit 缺失：监督员账号需要指定所属村/单位")
        if not missing:
            users.append(
                WebUser(
                    name=str(item["name"]),
                    role=str(role),
                    password_hash=str(item["password_hash"]),
                    unit=str(item.get("unit", "")),
                )
            )
    return tuple(users)


def parse_config(data: dict[str, Any], base_dir: Path, source: str = "配置文件") -> Config:
    """Build a Config from parsed TOML, collecting every error (each names its key)."""
    errors: list[str] = []
    built: dict[str, Any] = {}
    for name in data:
        if name not in _SECTIONS and name != "accounts":
            errors.append(f"{source}：未知的配置段 [{name}]，可用：{'、'.join(_SECTIONS)}")
    for name, cls in _SECTIONS.items():
        raw = data.get(name, {})
        if not isinstance(raw, dict):
            errors.append(f"{source}：配置项 {name} 应为表 [{name}]")
            continue
        defaults = cls()
        values: dict[str, Any] = {}
        known = {f.name for f in fields(cls)}
        for key, value in raw.items():
            full = f"{name}.{key}"
            if key not in known:
                errors.append(f"{source}：未知的配置项 {full}")
            elif name == "web" and key == "users":
                values["users"] = _web_users(value, errors)
            else:
                values[key] = _check_value(full, value, getattr(defaults, key), errors)
        built[name] = cls(**values)
    if len(built) == len(_SECTIONS):
        _validate(built, errors)
        if "accounts" in data:
            built["accounts"] = parse_accounts(
                data["accounts"], built["wechaty"], built["wecom"], _check_value, errors
            )
    if errors:
        raise ConfigError([e if e.startswith(source) else f"{source}：{e}" for e in errors])
    return Config(**built, base_dir=base_dir, source=source)


def _validate(s: dict[str, Any], errors: list[str]) -> None:
    bot: BotSection = s["bot"]
    sender: SenderSection = s["sender"]
    try:
        ZoneInfo(bot.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(
            f"配置项 bot.timezone 的值 {bot.timezone!r} 不是有效的时区（例如 Asia/Shanghai）"
        )
    if bot.transport not in TRANSPORTS:
        errors.append(
            f"配置项 bot.transport 的值 {bot.transport!r} 无效，应为 {'、'.join(TRANSPORTS)} 之一"
        )
    positive = {
        "sender.per_minute": sender.per_minute,
        "sender.burst": sender.burst,
        "sender.max_attempts": sender.max_attempts,
        "policy.remind_cap_per_day": s["policy"].remind_cap_per_day,
        "policy.open_days": s["policy"].open_days,
        "policy.confirm_minutes": s["policy"].confirm_minutes,
        "policy.withdraw_minutes": s["policy"].withdraw_minutes,
        "deadline.auto_remind_cap": s["deadline"].auto_remind_cap,
        "store.lease_seconds": s["store"].lease_seconds,
    }
    errors.extend(f"配置项 {k} 应大于 0，实际为 {v}" for k, v in positive.items() if v <= 0)
    if s["policy"].confirm_over_groups < -1:
        errors.append(
            "配置项 policy.confirm_over_groups 应为 -1（全镇推送需确认）或不小于 0 的群数，"
            f"实际为 {s['policy'].confirm_over_groups}"
        )
    for key in ("group_gap_seconds", "jitter_seconds", "retry_seconds"):
        if getattr(sender, key) < 0:
            errors.append(f"配置项 sender.{key} 不能为负数")
    _validate_followup(s, errors)
    _validate_ranges(s, errors)
    web: WebSection = s["web"]
    if not 0 < web.port < 65536:
        errors.append(f"配置项 web.port 的值 {web.port} 不是有效端口")
    _validate_public_url(web, errors)
    url = s["store"].url
    if url and not url.startswith(("postgresql://", "postgres://")):
        errors.append(
            f"配置项 store.url 的值 {url!r} 无效：留空用 SQLite，或填 postgresql://… 地址"
        )
    if bot.transport == "wechaty":
        wechaty: WechatySection = s["wechaty"].with_env()
        if not wechaty.endpoint or ":" not in wechaty.endpoint:
            errors.append(
                "配置项 wechaty.endpoint 缺失或格式不对（应为 主机:端口），"
                f"也可用环境变量 {ENV_ENDPOINT}"
            )
        if not wechaty.token:
            errors.append(f"配置项 wechaty.token 缺失，也可用环境变量 {ENV_TOKEN}")
    _validate_wecom(bot.transport, s["wecom"], errors)


TRANSPORTS = ("sandbox", "wechaty", "wecom")


def _validate_public_url(web: WebSection, errors: list[str]) -> None:
    """web.public_url: an http(s) address with a host and nothing after the path."""
    if not web.public_url:
        return
    try:
        url = urlsplit(web.public_url)
        bad = url.scheme not in ("http", "https") or not url.hostname or url.query or url.fragment
    except ValueError:
        bad = True
    if bad:
        errors.append(
            f"配置项 web.public_url 的值 {web.public_url!r} 不是有效的网址"
            "（应写成 https://fanzha.example.cn 这样，不带 ? 和 #）"
        )
    elif not web.enabled:
        errors.append("配置项 web.public_url 需要网页后台：请设 web.enabled = true 或删去该项")


def _validate_wecom(transport: str, section: WecomSection, errors: list[str]) -> None:
    wecom = section.with_env()
    if wecom.quota_rule not in QUOTA_RULES:
        rules = "、".join(QUOTA_RULES)
        errors.append(f"配置项 wecom.quota_rule 的值 {wecom.quota_rule!r} 无效，应为 {rules} 之一")
    if not 1 <= wecom.poll_minutes <= 24 * 60:
        errors.append(
            f"配置项 wecom.poll_minutes 应在 1 到 1440 之间，实际为 {wecom.poll_minutes}"
        )
    if transport != "wecom":
        return
    if not wecom.corp_id:
        errors.append("配置项 wecom.corp_id 缺失（企业ID，也可用环境变量 WECOM_CORP_ID）")
    if not wecom.secret:
        errors.append(
            "配置项 wecom.secret 缺失（「客户联系」secret 或「可调用应用」中自建应用的 secret，"
            "也可用环境变量 WECOM_SECRET）"
        )
    if bool(wecom.callback_token) != bool(wecom.callback_aes_key) or (
        wecom.callback_aes_key and len(wecom.callback_aes_key) != 43
    ):
        errors.append(
            "配置项 wecom.callback_token 与 wecom.callback_aes_key 须同时填写（应用“接收消息”里的"
            "Token 和 43 个字符的 EncodingAESKey），或都留空"
        )
    if not (wecom.robot_bot_id and wecom.robot_secret) and not wecom.webhook_key:
        errors.append(
            "企业微信通道需要指挥群的智能机器人（wecom.robot_bot_id 与 wecom.robot_secret）"
            "或群机器人 webhook（wecom.webhook_key），用于在指挥群发通报和回答领导"
        )


_CLOCK_TIME = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$")

DAY_SECONDS = 86_400.0
WEEK_MINUTES = 7 * 24 * 60
# Upper bounds (inclusive) beyond which a value is a typo, not a choice.
_MAXIMA: dict[str, float] = {
    "sender.per_minute": 10_000,
    "sender.burst": 10_000,
    "sender.group_gap_seconds": DAY_SECONDS,
    "sender.jitter_seconds": DAY_SECONDS,
    "sender.retry_seconds": DAY_SECONDS,
    "sender.max_attempts": 1_000,
    "policy.remind_cap_per_day": 100,
    "policy.open_days": 3_650,
    "wechaty.watchdog_seconds": DAY_SECONDS,
    "wechaty.backoff_initial": DAY_SECONDS,
    "wechaty.backoff_max": DAY_SECONDS,
    "wechaty.login_timeout": DAY_SECONDS,
    "wechaty.rpc_timeout": DAY_SECONDS,
    "scheduler.grace_minutes": WEEK_MINUTES,
    "scheduler.tick_seconds": DAY_SECONDS,
    "deadline.remind_before_minutes": WEEK_MINUTES,
    "deadline.escalate_after_minutes": WEEK_MINUTES,
    "bulletin.bottom_count": 100,
    "warning.sign_minutes": WEEK_MINUTES,
    "warning.visit_hours": 24 * 30,
    "store.lease_seconds": 3_600,
}


def _validate_ranges(s: dict[str, Any], errors: list[str]) -> None:
    for key, maximum in _MAXIMA.items():
        section, name = key.split(".")
        value = getattr(s[section], name)
        if value > maximum:
            errors.append(f"配置项 {key} 的值 {value} 太大，最多 {maximum:g}")
    wechaty: WechatySection = s["wechaty"]
    for name in (
        "watchdog_seconds",
        "backoff_initial",
        "backoff_max",
        "login_timeout",
        "rpc_timeout",
        "max_download_bytes",
    ):
        if getattr(wechaty, name) <= 0:
            errors.append(f"配置项 wechaty.{name} 应大于 0，实际为 {getattr(wechaty, name)}")


def _validate_followup(s: dict[str, Any], errors: list[str]) -> None:
    quiet: QuietSection = s["quiet"]
    for key in ("start", "end"):
        value = getattr(quiet, key)
        if not _CLOCK_TIME.match(value):
            errors.append(
                f"配置项 quiet.{key} 的值 {value!r} 不是有效的时刻（应写成 22:00 这样的 时:分）"
            )
    non_negative = {
        "scheduler.grace_minutes": s["scheduler"].grace_minutes,
        "deadline.remind_before_minutes": s["deadline"].remind_before_minutes,
        "deadline.escalate_after_minutes": s["deadline"].escalate_after_minutes,
        "bulletin.bottom_count": s["bulletin"].bottom_count,
        "warning.remind_before_minutes": s["warning"].remind_before_minutes,
        "warning.escalate_after_minutes": s["warning"].escalate_after_minutes,
    }
    errors.extend(f"配置项 {k} 不能为负数，实际为 {v}" for k, v in non_negative.items() if v < 0)
    for key in ("sign_minutes", "visit_hours"):
        if getattr(s["warning"], key) <= 0:
            errors.append(f"配置项 warning.{key} 应大于 0，实际为 {getattr(s['warning'], key)}")
    if s["scheduler"].tick_seconds <= 0:
        tick = s["scheduler"].tick_seconds
        errors.append(f"配置项 scheduler.tick_seconds 应大于 0，实际为 {tick}")


def load_config(path: str | Path | None = None) -> Config:
    """Load a config file, or the defaults (sandbox, sample town) when path is None."""
    if path is None:
        return parse_config({}, Path.cwd(), "默认配置")
    p = Path(path)
    data = read_toml(p, "配置文件", ConfigError)
    return parse_config(data, p.resolve().parent, f"配置文件 {p.name}")
