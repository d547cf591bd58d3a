"""kill -9 during a fan-out: at most one message is sent twice per crash, none is lost.

A child process (tests/crash_child.py) runs a 119-group county fan-out on the sandbox over a
SQLite file; its transport appends every accepted send to a file before returning. The
parent kills it with SIGKILL at a random point of its fan-out (0–4 ms after the run's first
send, a few send cycles with no pacing: a crash is not synchronised with sends), starts
it again, and so on until a run finishes; then it counts how often each group got the relay.
The child also dies on request at each point of one send cycle, which decides exactly which
crashes re-send: how often a random kill lands in that window is a share of time (with no
pacing, about 0.6 of a send cycle here), a figure for a benchmark and not a test's bound.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from bot.clock import SimClock
from bot.config import Config
from bot.runtime import build
from tests.conftest import small_town
from tests.crash_child import COMMAND, POINTS, crash_town

ROOT = Path(__file__).resolve().parent.parent
MAX_RUNS = 80
MIN_KILLS = 8
MAX_FANOUTS = 4


def _start(data: Path, sends: Path, crash_at: str | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "CRASH_AT": crash_at} if crash_at else None
    return subprocess.Popen(
        [sys.executable, "-m", "tests.crash_child", str(data), str(sends)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def crash_fanout(tmp: Path, seed: int) -> tuple[int, list[list[str]]]:
    """Kill and restart the child until a run completes; (kills, groups sent by each run)."""
    rng = random.Random(seed)
    data, sends = tmp / "data", tmp / "sends.log"
    kills = 0
    starts = []
    for _ in range(MAX_RUNS):
        starts.append(len(_lines(sends)))
        child = _start(data, sends)
        assert child.stdout is not None
        if child.stdout.readline() != "sent\n":  # nothing left to send: the run finished
            _, err = child.communicate()
            assert child.returncode == 0, err
            break
        time.sleep(rng.uniform(0, 0.004))  # the kill point, not a wait for a result
        child.send_signal(signal.SIGKILL)
        child.communicate()
        kills += child.returncode == -signal.SIGKILL
    else:
        raise AssertionError(f"{MAX_RUNS} 次重启后推送仍未完成")
    lines = _lines(sends)
    return kills, [lines[a:b] for a, b in zip(starts, [*starts[1:], len(lines)], strict=True)]


def test_kill9_during_fanout_resends_at_most_one_per_crash(tmp_path: Path) -> None:
    groups = {g.id for g in crash_town().groups if g.id != COMMAND}
    kills = duplicates = 0
    # A loaded machine finishes a fan-out in fewer kills, so fan-outs are crashed until at
    # least MIN_KILLS kills have been judged (each fan-out checked on its own).
    for seed in range(8, 8 + MAX_FANOUTS):
        (tmp_path / f"seed{seed}").mkdir()
        fanout_kills, runs = crash_fanout(tmp_path / f"seed{seed}", seed=seed)
        counts = Counter(gid for run in runs for gid in run if gid != COMMAND)
        assert set(counts) == groups  # nothing lost
        seen: set[str] = set()
        for run in runs:  # a restart re-sends at most the one message its crash interrupted
            relayed = [gid for gid in run if gid != COMMAND]
            assert len(set(relayed)) == len(relayed)
            assert len(set(relayed) & seen) <= 1
            seen.update(relayed)
        kills += fanout_kills
        duplicates += sum(n - 1 for n in counts.values())
        if kills >= MIN_KILLS:
            break
    assert kills >= MIN_KILLS, f"{MAX_FANOUTS} 次推送只 kill 了 {kills} 次"
    # Which crashes those are is pinned down by test_kill9_at_each_point_of_a_hubs_send.
    assert duplicates <= kills


@pytest.mark.parametrize("point", POINTS)
def test_kill9_at_each_point_of_a_hubs_send(tmp_path: Path, point: str) -> None:
    """Only a crash between the transport's accept and the record's commit re-sends, and
    only that message; a crash while its sub-groups are planned re-sends nothing."""
    org = crash_town()
    hub = next(g.id for g in org.groups if g.parent == COMMAND)
    data, sends = tmp_path / "data", tmp_path / "sends.log"
    crashed = _start(data, sends, f"{point} {hub}")
    _, err = crashed.communicate()
    assert crashed.returncode == -signal.SIGKILL, err
    before = _lines(sends)
    assert before[-1] == hub  # it died in the hub's send cycle, nothing sent after it
    finished = _start(data, sends)
    out, err = finished.communicate()
    assert finished.returncode == 0 and out.endswith("done\n"), err
    counts = Counter(gid for gid in _lines(sends) if gid != COMMAND)
    assert set(counts) == {g.id for g in org.groups if g.id != COMMAND}  # sub-groups too
    again = {gid for gid, n in counts.items() if n > 1}
    assert again == ({hub} if point == "accepted" else set())


async def test_relays_not_planned_before_a_crash_are_planned_at_start(
    config: Config, clock: SimClock
) -> None:
    rt = build(config, clock, org=small_town())
    office, pusher = rt.app.org.member("office"), rt.app.org.member("lj_p1")
    assert office is not None and pusher is not None
    push = rt.app.create_push("断电演练", "请勿向陌生人转账。", office, clock.now())
    await rt.app.handle(rt.simulator.message("lj_p1", "收到", "cmd"))
    rt.app.sender.after_sent = None  # the process dies between recording lj and planning
    await rt.app.settle()
    assert "lj" in [line.conversation for line in rt.simulator.pop_sent()]
    assert not [i for i in rt.store.pending_outbox() if i.conversation in ("lj1", "lj2")]
    rt.store.close()

    rt = build(config, clock, org=small_town())
    await rt.app.start()  # lj2 waits for its own pusher; lj1 follows lj
    await rt.app.sender.wait_idle()
    await rt.app.stop()
    assert [line.conversation for line in rt.simulator.pop_sent()] == ["lj1"]
    delivered = {d.group_id for d in rt.store.deliveries(push.id) if d.delivered_at}
    assert delivered == {"lj", "lj1"}
    rt.store.close()
