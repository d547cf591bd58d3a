"""Bad numbers, foreign encodings and missing or out-of-bounds files get a Chinese error
naming the file, line and key: never a traceback or an errno text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.cli.console import Console
from bot.cli.replay import ReplayError, parse_events
from bot.clock import SimClock
from bot.config import ConfigError, load_config
from bot.runtime import Runtime
from bot.transport.base import TransportError


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[sender]\nper_minute = inf", "sender.per_minute"),
        ("[sender]\nper_minute = nan", "sender.per_minute"),
        ("[sender]\ngroup_gap_seconds = -inf", "sender.group_gap_seconds"),
        ("[sender]\nper_minute = 20000", "sender.per_minute"),
        ("[sender]\ngroup_gap_seconds = 90000", "sender.group_gap_seconds"),
        ("[sender]\njitter_seconds = 1e9", "sender.jitter_seconds"),
        ("[sender]\nretry_seconds = 100000.0", "sender.retry_seconds"),
        ("[sender]\nburst = 1000000", "sender.burst"),
        ("[policy]\nopen_days = 100000", "policy.open_days"),
        ("[scheduler]\ntick_seconds = inf", "scheduler.tick_seconds"),
        ("[wechaty]\nwatchdog_seconds = 0", "wechaty.watchdog_seconds"),
        ("[deadline]\nremind_before_minutes = 99999999", "deadline.remind_before_minutes"),
    ],
)
def test_absurd_numbers_are_refused_with_the_key(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    assert key in str(err.value)


def test_sensible_edge_values_still_load(tmp_path: Path) -> None:
    text = "[sender]\nper_minute = 10000\ngroup_gap_seconds = 86400\njitter_seconds = 0"
    config = load_config(write(tmp_path, text))
    assert config.sender.per_minute == 10000


def test_a_gbk_config_names_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes('[bot]\nname = "反诈助手"\n'.encode("gbk"))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value) and "UTF-8" in str(err.value)
    assert main(["check-config", str(path)]) == 2
    out = capsys.readouterr().err
    assert "UTF-8" in out and "Traceback" not in out


def test_a_gbk_org_file_names_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    org = tmp_path / "town.toml"
    org.write_bytes('[town]\nname = "演礼镇"\n'.encode("gbk"))
    config = write(tmp_path, '[bot]\norg = "town.toml"\n')
    assert main(["check-config", str(config)]) == 2
    out = capsys.readouterr().err
    assert "town.toml" in out and "UTF-8" in out


def events(tmp_path: Path, rows: list[dict[str, object]]) -> Path:
    p = tmp_path / "logs" / "chat.jsonl"
    p.parent.mkdir(exist_ok=True)
    p.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    return p


def shot(file: str) -> dict[str, object]:
    return {"at": "2026-11-23T09:00:00+08:00", "from": "school_p", "kind": "image", "file": file}


def test_a_gbk_events_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl"
    path.write_bytes(
        '{"at": "2026-11-23T09:00:00+08:00", "from": "王", "text": "收到"}\n'.encode("gbk")
    )
    with pytest.raises(ReplayError) as err:
        parse_events(path)
    assert str(path) in str(err.value) and "UTF-8" in str(err.value)


def test_replay_files_stay_inside_the_events_folder(tmp_path: Path) -> None:
    (tmp_path / "secret.png").write_bytes(b"\x89PNG secret")
    outside = tmp_path / "elsewhere.png"
    outside.write_bytes(b"\x89PNG")
    path = events(tmp_path, [shot("../secret.png"), shot(str(outside)), shot("shots/nope.png")])
    with pytest.raises(ReplayError) as err:
        parse_events(path)
    message = str(err.value)
    assert (
        "chat.jsonl 第 1 行" in message and "'../secret.png' 不在事件文件所在的文件夹内" in message
    )
    assert "第 2 行" in message and "elsewhere.png" in message
    assert "第 3 行" in message and "shots/nope.png 不存在" in message
    assert "Errno" not in message


def test_replay_files_inside_the_folder_are_read_up_to_the_cap(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    (folder / "shots").mkdir(parents=True)
    (folder / "shots" / "ok.png").write_bytes(b"\x89PNG ok")
    with (folder / "big.png").open("wb") as f:
        f.truncate(21 * 1024 * 1024)  # sparse: the size, not the disk
    ok = parse_events(events(tmp_path, [shot("shots/ok.png")]))
    assert ok[0].data == b"\x89PNG ok"
    absolute = parse_events(events(tmp_path, [shot(str(folder / "shots" / "ok.png"))]))
    assert absolute[0].data == b"\x89PNG ok"
    with pytest.raises(ReplayError) as err:
        parse_events(events(tmp_path, [shot("shots/ok.png"), shot("big.png")]))
    assert (
        "第 2 行" in str(err.value) and "字段 file" in str(err.value) and "太大" in str(err.value)
    )


async def test_console_image_that_does_not_exist(rt: Runtime, tmp_path: Path) -> None:
    said: list[str] = []
    console = Console(lambda: rt.app.org, rt.simulator, said.append)
    await console.feed(f"as 学校联络员 图片 {tmp_path / 'nope.png'}")
    assert said == [f"⚠ 找不到图片文件 {tmp_path / 'nope.png'}"]
    await console.feed("as 家长0 in 中心小学家长群: 收到")  # the bot is not in that group
    assert "机器人不在群" in said[-1]


async def test_sending_a_missing_image_is_a_chinese_transport_error(
    rt: Runtime, tmp_path: Path, clock: SimClock
) -> None:
    with pytest.raises(TransportError) as err:
        await rt.transport.send_image("cmd", str(tmp_path / "chart.png"))
    assert str(err.value) == f"要发送的图片文件 {tmp_path / 'chart.png'} 不存在"
    (tmp_path / "chart.png").write_bytes(b"\x89PNG")
    assert await rt.transport.send_image("cmd", str(tmp_path / "chart.png"))
    (line,) = rt.simulator.pop_sent()  # only the existing file went out
    assert (line.conversation, line.path) == ("cmd", str(tmp_path / "chart.png"))


def test_check_config_names_a_content_image_that_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = tmp_path / "content"
    (content / "posters").mkdir(parents=True)
    (content / "posters" / "ok.png").write_bytes(b"\x89PNG")
    item = (
        '+++\nid = {}\ntitle = "t{}"\nfraud_types = []\naudiences = []\nmedia = ["{}"]\n'
        "+++\n正文\n"
    )
    (content / "001.md").write_text(item.format(1, 1, "posters/ok.png"), "utf-8")
    config = write(tmp_path, '[bot]\ncontent_dir = "content"\n')
    assert main(["check-config", str(config)]) == 0
    (content / "002.md").write_text(item.format(2, 2, "posters/shuadan.png"), "utf-8")
    assert main(["check-config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "素材2《t2》" in err and "posters/shuadan.png 不存在" in err
