"""Config validation: every error names its key; defaults run the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from bot.config import ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "config.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_are_the_sandbox() -> None:
    c = load_config(None)
    assert c.bot.transport == "sandbox"
    assert str(c.tz) == "Asia/Shanghai"


def test_example_config_is_valid() -> None:
    c = load_config(Path("config.example.toml"))
    assert c.bot.transport == "sandbox"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[sender]\nper_minut = 3\n", "sender.per_minut"),
        ("[sender]\nper_minute = 'fast'\n", "sender.per_minute"),
        ("[sender]\nburst = 0\n", "sender.burst"),
        ("[bot]\ntimezone = 'Mars/Base'\n", "bot.timezone"),
        ("[bot]\ntransport = 'qq'\n", "bot.transport"),
        ("[botx]\n", "[botx]"),
        ("[web]\nport = 70000\n", "web.port"),
        ("[bot]\ntransport = 'wechaty'\n", "wechaty.token"),
        ("[[web.users]]\nname = 'a'\nrole = 'boss'\npassword_hash = 'x'\n", "web.users[1].role"),
        ("[bot\n", "不是有效的 TOML"),
    ],
)
def test_errors_name_the_key(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    assert needle in str(err.value)


def test_all_errors_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, "[sender]\nburst = 0\nfoo = 1\n[policy]\nopen_days = -1\n"))
    assert len(err.value.errors) == 3


def test_check_config_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", "config.example.toml"]) == 0
    assert "配置有效" in capsys.readouterr().out
    bad = write(tmp_path, "[sender]\nburst = -1\n")
    assert main(["check-config", str(bad)]) == 2
    assert "sender.burst" in capsys.readouterr().err


def test_missing_org_file_names_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write(tmp_path, '[bot]\norg = "没有这个文件.toml"\n')
    assert main(["check-config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "bot.org" in err and "没有这个文件.toml" in err
