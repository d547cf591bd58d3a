"""Replaying recorded chats: the clock follows `at`, ids de-duplicate, bad files are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.cli.replay import ReplayError, parse_events
from bot.formats.orgdump import dump_org
from tests.conftest import small_town

NOTICE = (
    "推送\n请警惕冒充公检法诈骗：公检法机关不会通过电话办案，"
    "更不会要求转账到“安全账户”。接到此类电话请立即挂断并拨打110核实。"
)


def events(tmp_path: Path, rows: list[dict[str, object]]) -> Path:
    p = tmp_path / "chat.jsonl"
    p.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    return p


def org_file(tmp_path: Path) -> Path:
    p = tmp_path / "org.toml"
    p.write_text(dump_org(small_town()), "utf-8")
    return p


def chat() -> list[dict[str, object]]:
    t = "2026-11-23T{}:00+08:00"
    return [
        {"at": t.format("09:00"), "group": "cmd", "from": "office", "text": NOTICE, "id": "1"},
        {"at": t.format("09:05"), "group": "cmd", "from": "wj_p", "text": "收到", "id": "2"},
        {"at": t.format("09:20"), "group": "wj", "from": "wj_h0", "text": "收到", "id": "3"},
        {"at": t.format("09:20"), "group": "wj", "from": "wj_h0", "text": "收到", "id": "3"},
        {"at": t.format("09:21"), "group": "wj", "from": "wj_h1", "text": "没收到啊"},
        {"at": t.format("09:22"), "group": "wj", "from": "wj_h2", "text": "好的👍"},
        {"at": t.format("10:00"), "group": "cmd", "from": "leader", "text": "进度"},
    ]


def test_replay_json_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = events(tmp_path, chat())
    assert main(["replay", str(path), "--org", str(org_file(tmp_path)), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    (push,) = report["pushes"]
    assert push["created_at"] == "2026-11-23T09:00:00+08:00"
    assert push["sign_rate"] == 0.2
    units = {u["unit"]: u for u in push["units"]}
    assert units["王家村"]["acks"] == 2
    assert units["王家村"]["delivered"] == 1
    assert push["median_sign_minutes"] == 5.0


def test_replay_prints_replies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = events(tmp_path, chat())
    assert main(["replay", str(path), "--org", str(org_file(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "机器人 → 指挥群" in out
    assert "机器人 → 王家村村民群" in out
    assert "回执：2/18 户" in out
    assert "合计" in out


def test_replay_rejects_bad_lines_whole(tmp_path: Path) -> None:
    rows = chat()
    rows[2] = {"at": "2026-11-23 09:20", "group": "wj", "text": "收到", "colour": 1}
    path = events(tmp_path, rows)
    with pytest.raises(ReplayError) as err:
        parse_events(path)
    msg = str(err.value)
    assert "第 3 行" in msg and "from" in msg and "colour" in msg and "时区" in msg
    assert main(["replay", str(path), "--org", str(org_file(tmp_path))]) == 2


def test_replay_is_deterministic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = events(tmp_path, chat())
    org = str(org_file(tmp_path))
    main(["replay", str(path), "--org", org])
    first = capsys.readouterr().out
    main(["replay", str(path), "--org", org])
    assert capsys.readouterr().out == first


def test_replay_feeds_concatenated_group_logs_in_time_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = chat()
    # The village group's export comes first in the file, the command group's after it.
    village = [r for r in rows if r.get("group") == "wj"]
    rest = [r for r in rows if r.get("group") != "wj"]
    path = events(tmp_path, village + rest)
    assert main(["replay", str(path), "--org", str(org_file(tmp_path)), "--json"]) == 0
    (push,) = json.loads(capsys.readouterr().out)["pushes"]
    assert {u["unit"]: u for u in push["units"]}["王家村"]["acks"] == 2


def test_replay_never_writes_to_the_deployment_s_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A county's config names its shared PostgreSQL: a replay is a rehearsal and keeps its
    # records in its own scratch SQLite (the URL below is never connected to).
    config = tmp_path / "config.toml"
    config.write_text('[store]\nurl = "postgresql://nobody@127.0.0.1:1/county"\n', "utf-8")
    path = events(tmp_path, chat())
    org = str(org_file(tmp_path))
    assert main(["replay", str(path), "--org", org, "--config", str(config), "--json"]) == 0
    (push,) = json.loads(capsys.readouterr().out)["pushes"]
    assert {u["unit"]: u for u in push["units"]}["王家村"]["acks"] == 2
