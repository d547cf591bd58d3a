"""[[accounts]] in the config: every key checked, errors in Chinese naming the key."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.cli.accounts import check_account_groups
from bot.config import Config, ConfigError, parse_config
from bot.config_accounts import select_account
from bot.runtime import Runtime
from bot.settings import Account

TWO = {
    "store": {"url": "postgresql://bot@127.0.0.1/fanzha", "lease_seconds": 20},
    "accounts": [
        {"name": "zhen-1", "groups": ["lj", "lj1"]},
        {
            "name": "zhen-2",
            "transport": "wechaty",
            "private_chats": False,
            "wechaty": {"token": "puppet_padlocal_x", "endpoint": "10.0.0.2:8788"},
        },
        {
            "name": "qiwei",
            "transport": "wecom",
            "wecom": {"corp_id": "ww1", "secret": "s", "webhook_key": "k"},
        },
    ],
}


def _errors(data: dict[str, Any], tmp: Path) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(data, tmp)
    return "\n".join(info.value.errors)


def test_accounts_parse_and_select(tmp_path: Path) -> None:
    cfg = parse_config(TWO, tmp_path)
    assert [a.name for a in cfg.accounts] == ["zhen-1", "zhen-2", "qiwei"]
    assert cfg.store.lease_seconds == 20.0 and cfg.current_account is None
    one = cfg.for_account("zhen-2")
    assert one.account == "zhen-2" and one.bot.transport == "wechaty"
    assert one.wechaty.token == "puppet_padlocal_x" and one.wechaty.endpoint == "10.0.0.2:8788"
    assert one.current_account is not None and not one.current_account.private_chats
    assert cfg.for_account("zhen-1").current_account.groups == ("lj", "lj1")  # type: ignore[union-attr]
    assert cfg.for_account("qiwei").wecom.corp_id == "ww1"


def test_no_accounts_is_the_single_account_bot(tmp_path: Path) -> None:
    cfg = parse_config({}, tmp_path)
    assert cfg.accounts == () and cfg.account == "" and cfg.current_account is None
    assert select_account((), None, "配置文件") == []


def test_account_key_errors_name_the_key(tmp_path: Path) -> None:
    bad = {
        "accounts": [
            {"name": "a", "transport": "qq", "groups": "lj", "colour": 1},
            {"transport": "sandbox"},
            {"name": "a b"},
            {"name": "w", "transport": "wechaty", "wechaty": {"tokn": "x"}},
            {"name": "c", "transport": "wecom", "private_chats": "yes"},
            {"name": "d"},
            {"name": "d"},
        ]
    }
    text = _errors(bad, tmp_path)
    for expected in (
        "accounts[1].transport 的值 'qq' 无效",
        "accounts[1].groups 应为群编号（字符串）的列表",
        "accounts[1].colour 未知",
        "accounts[2].name 缺失",
        "accounts[3].name 的值 'a b' 无效",
        "accounts[4].wechaty.tokn 未知",
        "accounts[4].wechaty.token 缺失",
        "accounts[4].wechaty.endpoint 缺失",
        "accounts[5].private_chats 应为 true 或 false",
        "accounts[5].wecom.corp_id 缺失",
        "accounts[7].name 的值 'd' 与 accounts[6] 重名",
    ):
        assert expected in text
    assert "accounts 应为 [[accounts]] 表数组" in _errors({"accounts": {"name": "a"}}, tmp_path)
    assert "store.lease_seconds 应大于 0" in _errors({"store": {"lease_seconds": 0}}, tmp_path)


def test_run_needs_the_right_account(tmp_path: Path) -> None:
    accounts = parse_config(TWO, tmp_path).accounts
    assert "请用 --account 指定" in select_account(accounts, None, "配置文件")[0]
    assert "没有名为 'x' 的账号" in select_account(accounts, "x", "配置文件")[0]
    assert "zhen-1、zhen-2、qiwei" in select_account(accounts, "x", "配置文件")[0]
    assert "没有 [[accounts]] 配置" in select_account((), "zhen-1", "配置文件")[0]
    assert select_account(accounts, "zhen-1", "配置文件") == []


def test_run_refuses_a_missing_account(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.__main__ import main

    cfg = tmp_path / "bot.toml"
    cfg.write_text('[[accounts]]\nname = "a"\n', encoding="utf-8")
    assert main(["run", "--config", str(cfg), "--account", "b", "--no-console"]) != 0
    assert "没有名为 'b' 的账号" in capsys.readouterr().err


def test_the_two_account_example_names_roster_groups() -> None:
    from bot.config import load_config
    from bot.formats.orgfile import load_org

    cfg = load_config(Path("examples/two-accounts.toml"))
    org = load_org(cfg.path(cfg.bot.org))
    assert [a.name for a in cfg.accounts] == ["xian-1", "xian-2"]
    for account in cfg.accounts:
        assert account.groups and all(org.group(g) is not None for g in account.groups)
    shared = set(cfg.accounts[0].groups) & set(cfg.accounts[1].groups)
    assert {g.id for g in org.groups} == set(cfg.accounts[0].groups) | set(cfg.accounts[1].groups)
    assert org.command_group.id in shared


def test_account_groups_must_be_in_the_roster(rt: Runtime, config: Config) -> None:
    accounts = (Account("a", groups=("lj", "nope")),)
    cfg = replace(config, accounts=accounts).for_account("a")
    with pytest.raises(ConfigError, match=r"accounts\[1\]\.groups 中的群 nope 不在名册中"):
        check_account_groups(cfg, rt)
    check_account_groups(replace(config, accounts=(Account("a"),)).for_account("a"), rt)
