"""`python -m bot bench` at a toy scale: every figure the issue asks for is reported."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.cli import bench_lag
from bot.cli import bench_pg as bench_pg_module
from bot.cli.bench import county, run_bench
from bot.cli.bench_lag import loop_lag
from bot.cli.bench_mix import replies
from bot.cli.bench_pg import bench_pg
from bot.cli.bench_replay import replay_log
from bot.domain.model import Role
from bot.nlp.ack import is_acknowledgement


def test_bench_json_reports_the_issue_keys() -> None:
    out = asyncio.run(run_bench(400, 80, True, 0, replay_lines=300, makespan_sends=0))
    figures = json.loads(out)
    for key in (
        "rss_mb",
        "ingest_ratio",
        "fanout_cpu_ms_per_send",
        "replay_lines_per_s",
        "roster_import_s",
        "coverage_ms_1x",
        "coverage_scaling",
        "fanout_crash_window_us",
    ):
        assert figures[key] > 0, key
    assert 0 < figures["fanout_crash_window_share"] < 1
    assert figures["county_generate_s"] >= 0
    assert figures["groups"] == 80
    assert figures["fanout_sends"] >= 79  # one relay per group below the command group
    assert figures["replay_lines"] == 300
    assert 0 < figures["replay_receipts"] < 300


def test_reply_mix_is_varied_and_mostly_acknowledgements() -> None:
    org = county(2000, 80)
    homes = [m for m in org.members if m.role is Role.HOUSEHOLD]
    texts = replies(homes)
    assert len(set(texts)) > len(texts) // 10  # name-labelled replies make most texts unique
    assert any(m.name in t for m, t in zip(homes, texts, strict=True))
    share = sum(is_acknowledgement(t) for t in texts) / len(texts)
    assert 0.6 < share < 0.95


def test_replay_log_has_every_pusher_sign_once() -> None:
    org = county(1000, 80)
    log = replay_log(org, 500)
    pushers = {m.wechat for m in org.members if m.role is Role.PUSHER}
    signed = [m.wechat for m, _, text in log if m.wechat in pushers]
    assert sorted(signed) == sorted(pushers)
    assert len(log) == 500


def test_loop_lag_is_measured_during_a_burst_on_sqlite() -> None:
    lag = asyncio.run(loop_lag("", rate=1000, seconds=0.3))
    assert 0 < lag < 5000  # milliseconds: the probe woke late, but it did wake


def test_bench_pg_reports_the_store_figures_on_postgresql(postgres_server: str) -> None:
    org = county(400, 80)
    figures = asyncio.run(bench_pg(org, 300, postgres_server))
    for key in (
        "roster_import_s",
        "ingest_ratio",
        "raw_insert_per_s",
        "coverage_ms_1x",
        "coverage_scaling",
        "fanout_cpu_ms_per_send",
        "replay_lines_per_s",
    ):
        assert figures[f"pg_{key}"] > 0, key
    assert "pg_rss_mb" not in figures and "pg_note" not in figures
    homes = sum(1 for m in org.members if m.role is Role.HOUSEHOLD and m.groups)
    assert figures["pg_receipts"] > homes // 2  # most of the mix are acknowledgements
    assert figures["pg_receipts_10x"] == figures["pg_receipts"] + 9 * homes
    assert figures["pg_fanout_sends"] >= 79
    assert figures["pg_replay_lines"] == 300
    assert 0 < figures["pg_replay_receipts"] < 300


def test_bench_pg_without_postgresql_only_notes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench_lag, "have_postgres", lambda: False)
    monkeypatch.setattr(bench_pg_module, "have_postgres", lambda: False)
    out = asyncio.run(run_bench(400, 80, True, 0, replay_lines=300, makespan_sends=0, pg=True))
    figures = json.loads(out)
    assert figures["pg_note"] == "没有 PostgreSQL（initdb、pg_ctl），PostgreSQL 各项未测"
    assert not [k for k in figures if k.startswith("pg_") and k != "pg_note"]
    assert figures["ingest_ratio"] > 0 and figures["replay_lines"] == 300
