"""`python -m bot.overview_bench`: the dashboard's 总览 API at county scale as history grows.

Builds a county (800 groups, 200k households by default), starts pushes, and times
`GET /api/pushes` (the call the 总览 page polls every 2 s) through the real aiohttp app
once 10, 20 and 200 pushes exist. The figure should stay flat past one page: the API pages
its answer (the newest 20 by default) instead of summarising every push ever made.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from dataclasses import replace
from datetime import datetime
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot.cli.sample import generate_county
from bot.clock import SimClock
from bot.config import WebUser, load_config
from bot.domain.model import Role
from bot.runtime import build
from bot.web import create_web_app
from bot.web.auth import hash_password

START = datetime.fromisoformat("2026-11-23T09:00:00+08:00")
PASSWORD = "overview-bench"
ITERATIONS = 1000


async def _login(c: TestClient[Any, Any]) -> None:
    page = await (await c.get("/login")).text()
    token = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    resp = await c.post(
        "/login",
        data={"username": "bench", "password": PASSWORD, "csrf": token},
        allow_redirects=False,
    )
    if resp.status != 303:
        raise RuntimeError(f"登录失败：HTTP {resp.status}")


async def _time_ms(c: TestClient[Any, Any], path: str, repeat: int) -> float:
    await (await c.get(path)).read()  # warm
    t0 = time.perf_counter()
    for _ in range(repeat):
        resp = await c.get(path)
        await resp.read()
        if resp.status != 200:
            raise RuntimeError(f"{path}：HTTP {resp.status}")
    return round((time.perf_counter() - t0) * 1000 / repeat, 1)


async def bench_overview(
    households: int = 200_000,
    groups: int = 800,
    marks: tuple[int, ...] = (10, 20, 200),
    repeat: int = 5,
) -> dict[str, float]:
    """Milliseconds per `GET /api/pushes` once each number of pushes in `marks` exists."""
    org = generate_county(1, towns=20, groups_per_town=max(1, groups // 20), households=households)
    office = next(m for m in org.members if m.role in (Role.OFFICE, Role.LEADER))
    result: dict[str, float] = {"groups": len(org.groups), "households": households}
    with tempfile.TemporaryDirectory(prefix="fanzha-overview-") as tmp:
        base = load_config(None)
        user = WebUser("bench", "office", hash_password(PASSWORD, ITERATIONS))
        cfg = replace(
            base,
            bot=replace(base.bot, data_dir=tmp, content_dir=tmp),
            web=replace(base.web, users=(user,), secret="bench"),
        )
        clock = SimClock(START)
        rt = build(cfg, clock, org=org, fast=True)
        app = create_web_app(rt, cfg, hash_iterations=ITERATIONS)
        try:
            async with TestClient(TestServer(app)) as c:
                await _login(c)
                made = 0
                for mark in sorted(marks):
                    while made < mark:
                        made += 1
                        rt.app.create_push(f"压力测试{made}", "反诈提醒正文", office, clock.now())
                        clock.advance(60)
                    result[f"overview_ms_{mark}"] = await _time_ms(c, "/api/pushes", repeat)
        finally:
            rt.store.close()
    return result


def main() -> None:
    """Print the figures (JSON with --json)."""
    parser = argparse.ArgumentParser(description="总览接口在推送历史增长时的耗时")
    parser.add_argument("--households", type=int, default=200_000)
    parser.add_argument("--groups", type=int, default=800)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(bench_overview(args.households, args.groups))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return
    print(f"规模：{result['groups']} 个群，{result['households']} 户")
    for key, value in result.items():
        if key.startswith("overview_ms_"):
            print(f"总览接口 GET /api/pushes，{key.rsplit('_', 1)[1]} 条推送时：{value} ms")


if __name__ == "__main__":
    main()
