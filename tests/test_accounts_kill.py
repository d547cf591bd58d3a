"""Three account processes on one PostgreSQL store; kill -9 one mid-fan-out, again and again.

The harness is the bench's (`python -m bot bench --multi`, bot/cli/bench_multi.py), smaller:
each process (bot/cli/multi_child.py) is wired as `run --account` wires it, on the sandbox
and the wall clock; its transport appends every accepted send to a file before returning.
After each kill the victim is restarted at once (a new lease owner) and the harness watches
the lease table until every group it held has been taken over.
"""

from __future__ import annotations

from bot.cli.bench_multi import kill_run
from tests.pgserver import new_database

LEASE = 1.0


def test_kill9_one_of_three_accounts_loses_nothing(postgres_server: str) -> None:
    run = kill_run(new_database(postgres_server), kills=4, lease=LEASE, per_minute=180, pushes=2)
    assert run.kills >= 3, "推送在杀进程之前就发完了"
    assert run.lost == 0 and run.expected == 2 * 59
    assert run.duplicates <= run.kills  # at most the one send a crash interrupted
    assert max(run.crash_duplicates.values(), default=0) <= 1
    # A dead process's groups pass on when its last renewal expires (plus the reaction
    # of the process waiting for that moment).
    assert max(run.takeovers) <= LEASE + 0.5
