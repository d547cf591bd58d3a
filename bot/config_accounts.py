"""`[[accounts]]`: several WeChat/WeCom accounts sharing one store, one process each.

Each entry names an account, its transport and the settings of that transport (a
`[accounts.wechaty]` or `[accounts.wecom]` table over the top-level [wechaty] / [wecom]
sections), and the roster groups it sits in. Every key is checked; errors name
`accounts[N].key` in Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import fields, replace
from typing import Any

from bot.settings import Account, WechatySection, WecomSection

CheckValue = Callable[[str, Any, Any, list[str]], Any]

ACCOUNT_KEYS = ("name", "transport", "groups", "private_chats", "wechaty", "wecom")
ACCOUNT_TRANSPORTS = ("sandbox", "wechaty", "wecom")
_NAME = re.compile(r"^[A-Za-z0-9_\-]{1,40}$")


def parse_accounts(
    raw: Any,
    wechaty: WechatySection,
    wecom: WecomSection,
    check: CheckValue,
    errors: list[str],
) -> tuple[Account, ...]:
    """The `[[accounts]]` array (top-level sections as each account's defaults)."""
    if not isinstance(raw, list) or not raw:
        errors.append("配置项 accounts 应为 [[accounts]] 表数组，且至少有一个账号")
        return ()
    accounts: list[Account] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(raw, 1):
        key = f"accounts[{i}]"
        if not isinstance(item, dict):
            errors.append(f"配置项 {key} 应为表")
            continue
        account = _account(key, item, wechaty, wecom, check, errors)
        if account is None:
            continue
        if account.name in seen:
            errors.append(
                f"配置项 {key}.name 的值 {account.name!r} 与 accounts[{seen[account.name]}] 重名"
            )
            continue
        seen[account.name] = i
        accounts.append(account)
    return tuple(accounts)


def _account(
    key: str,
    item: dict[str, Any],
    wechaty: WechatySection,
    wecom: WecomSection,
    check: CheckValue,
    errors: list[str],
) -> Account | None:
    before = len(errors)
    errors.extend(f"配置项 {key}.{k} 未知" for k in sorted(set(item) - set(ACCOUNT_KEYS)))
    name = item.get("name")
    if not name:
        errors.append(f"配置项 {key}.name 缺失")
    elif not isinstance(name, str) or not _NAME.match(name):
        errors.append(
            f"配置项 {key}.name 的值 {name!r} 无效：只能用字母、数字、- 和 _（至多 40 个字符）"
        )
    transport = item.get("transport", "sandbox")
    if transport not in ACCOUNT_TRANSPORTS:
        errors.append(
            f"配置项 {key}.transport 的值 {transport!r} 无效，"
            f"应为 {'、'.join(ACCOUNT_TRANSPORTS)} 之一"
        )
    groups = item.get("groups", [])
    if not isinstance(groups, list) or not all(isinstance(g, str) and g for g in groups):
        errors.append(f'配置项 {key}.groups 应为群编号（字符串）的列表，例如 ["lj", "lj1"]')
        groups = []
    private = check(f"{key}.private_chats", item.get("private_chats", True), True, errors)
    own_wechaty = _section(f"{key}.wechaty", item.get("wechaty", {}), wechaty, check, errors)
    own_wecom = _section(f"{key}.wecom", item.get("wecom", {}), wecom, check, errors)
    if transport == "wechaty":
        _check_wechaty(key, own_wechaty, errors)
    if transport == "wecom":
        _check_wecom(key, own_wecom, errors)
    if len(errors) > before:
        return None
    return Account(
        name=str(name),
        transport=str(transport),
        groups=tuple(groups),
        private_chats=bool(private),
        wechaty=own_wechaty,
        wecom=own_wecom,
    )


def _section(key: str, raw: Any, base: Any, check: CheckValue, errors: list[str]) -> Any:
    """A transport table of one account: its keys over the top-level section's values."""
    if not isinstance(raw, dict):
        errors.append(f"配置项 {key} 应为表")
        return base
    known = {f.name for f in fields(base)}
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in known:
            errors.append(f"配置项 {key}.{name} 未知")
        else:
            values[name] = check(f"{key}.{name}", value, getattr(base, name), errors)
    return replace(base, **values)


def _check_wechaty(key: str, section: WechatySection, errors: list[str]) -> None:
    # Each account has its own token: the WECHATY_PUPPET_SERVICE_* variables are not used.
    if not section.endpoint or ":" not in section.endpoint:
        errors.append(f"配置项 {key}.wechaty.endpoint 缺失或格式不对（应为 主机:端口）")
    if not section.token:
        errors.append(f"配置项 {key}.wechaty.token 缺失（每个账号有自己的 token）")


def _check_wecom(key: str, section: WecomSection, errors: list[str]) -> None:
    if not section.corp_id:
        errors.append(f"配置项 {key}.wecom.corp_id 缺失（企业ID）")
    if not section.secret:
        errors.append(f"配置项 {key}.wecom.secret 缺失（「客户联系」或自建应用的 secret）")
    if not (section.robot_bot_id and section.robot_secret) and not section.webhook_key:
        errors.append(
            f"配置项 {key}.wecom 需要智能机器人（robot_bot_id 与 robot_secret）"
            "或群机器人 webhook（webhook_key）"
        )


def select_account(accounts: tuple[Account, ...], name: str | None, source: str) -> list[str]:
    """Errors choosing the account a `run` serves (`--account`), or [] when it is fine."""
    names = "、".join(a.name for a in accounts)
    if name is None:
        if accounts:
            return [f"{source}：配置有 [[accounts]]（{names}），请用 --account 指定本进程的账号"]
        return []
    if not accounts:
        return [f"{source}：没有 [[accounts]] 配置，不能用 --account {name}"]
    if all(a.name != name for a in accounts):
        return [f"{source}：没有名为 {name!r} 的账号（[[accounts]] 中有：{names}）"]
    return []
