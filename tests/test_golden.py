"""Golden outputs: the demo and a replay print exactly what they printed before the redesign.

A refactor must not change behaviour. These runs are deterministic (simulated clock, seeded
random generators), so their whole output is compared byte for byte with the files in
tests/golden/. After a deliberate change of behaviour, regenerate them with
`UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.__main__ import main
from tests.test_replay import chat, events, org_file

GOLDEN = Path(__file__).parent / "golden"

RUNS = {
    "demo-seed7": ["demo", "--seed", "7"],
    "demo-days7-seed3": ["demo", "--days", "7", "--seed", "3"],
    "demo-json": ["demo", "--json"],
}


def check(name: str, output: str, tmp_path: Path) -> None:
    text = output.replace(str(tmp_path), "<TMP>")
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, "utf-8")
    assert text == path.read_text("utf-8")


@pytest.mark.parametrize("name", sorted(RUNS))
def test_demo_output_is_unchanged(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*RUNS[name], "--out", str(tmp_path / "out")]) == 0
    check(name, capsys.readouterr().out, tmp_path)


@pytest.mark.parametrize("as_json", [False, True])
def test_replay_output_is_unchanged(
    as_json: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["replay", str(events(tmp_path, chat())), "--org", str(org_file(tmp_path))]
    assert main(args + (["--json"] if as_json else [])) == 0
    check("replay-json" if as_json else "replay", capsys.readouterr().out, tmp_path)
