"""Read-confirm links: signed tokens, the links in chat, the public page, taps as receipts."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.chat.readlinks import link_key
from bot.clock import SimClock
from bot.config import Config, ConfigError, parse_config
from bot.domain.readlink import derive_key, sign, verify
from bot.runtime import Runtime, build
from bot.transport.sandbox import SandboxTransport
from bot.web.context import CTX
from bot.web.views.readlink import DEVICE_COOKIE, READ_LIMITS, RateLimit
from tests.chat import cov, say
from tests.conftest import make_config
from tests.test_mass_tasks import task_town
from tests.webclient import login

PUBLIC = "https://fanzha.example.cn"
LINK = re.compile(r"https://fanzha\.example\.cn/r/([A-Za-z0-9_.-]+)")
NOTICE = "推送\n【警惕冒充老师收费】有人冒充班主任在家长群发收款码，一律先电话核实。"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """The test config with read-confirm links on."""
    base = make_config(tmp_path)
    return replace(base, web=replace(base.web, public_url=PUBLIC))


def test_token_signs_push_and_group_and_refuses_tampering() -> None:
    key = derive_key(b"secret")
    token = sign(key, 12, "school")
    target = verify(key, token)
    assert target is not None and (target.push_id, target.group_id) == (12, "school")
    assert len(token) < 40  # short enough for a chat line
    assert verify(derive_key(b"other"), token) is None  # another deployment's key
    other = sign(key, 13, "school").split(".")[0] + "." + token.split(".")[1]
    assert verify(key, other) is None  # the push edited, the tag kept
    body, tag = token.split(".")
    flipped = tag[:-1] + ("A" if tag[-1] != "A" else "B")
    assert verify(key, f"{body}.{flipped}") is None
    for junk in ("", ".", "abc", "a.b.c", "%%%.###", "x" * 500, "５.abc"):
        assert verify(key, junk) is None
    assert sign(key, 1, "中心小学") != sign(key, 1, "中心小学2")
    assert verify(key, sign(key, 1, "中心小学")) is not None


def test_public_url_is_checked() -> None:
    ok = parse_config({"web": {"public_url": "https://fanzha.example.cn/"}}, Path("."))
    assert ok.web.public_url == "https://fanzha.example.cn/"
    assert parse_config({}, Path(".")).web.public_url == ""  # off by default
    for bad in ("fanzha.example.cn", "ftp://x.cn", "https://x.cn/?a=1", "http://[::1"):
        with pytest.raises(ConfigError, match=r"web\.public_url"):
            parse_config({"web": {"public_url": bad}}, Path("."))
    with pytest.raises(ConfigError, match=r"web\.enabled"):
        parse_config({"web": {"public_url": PUBLIC, "enabled": False}}, Path("."))


async def test_links_in_announcement_and_relays(rt: Runtime) -> None:
    announce = (await say(rt, "office", NOTICE, "cmd"))[0].text
    # The pushers of the forward and evidence groups get their groups' links to paste.
    assert "转发群、家长群请把本群的已阅确认链接" in announce
    assert re.search(r"农商银行职工群：https://fanzha\.example\.cn/r/", announce)
    assert re.search(r"中心小学家长群：https://fanzha\.example\.cn/r/", announce)
    key = link_key(rt.app)
    named = {verify(key, t) for t in LINK.findall(announce)}
    assert {(n.push_id, n.group_id) for n in named if n} == {(1, "bank"), (1, "school")}
    sent = await say(rt, "wj_p", "收到", "cmd")
    assert [s.conversation for s in sent] == ["wj"]
    tokens = LINK.findall(sent[0].text)
    assert len(tokens) == 1
    relayed = verify(key, tokens[0])
    assert relayed is not None and relayed.group_id == "wj"
    assert sent[0].text.splitlines()[-1].startswith("看完也可以点链接确认已阅：")


async def test_links_off_by_default(rt: Runtime, tmp_path: Path) -> None:
    rt.app.config = replace(rt.app.config, web=replace(rt.app.config.web, public_url=""))
    announce = (await say(rt, "office", NOTICE, "cmd"))[0].text
    assert "/r/" not in announce and "已阅确认" not in announce
    assert "/r/" not in (await say(rt, "wj_p", "收到", "cmd"))[0].text


def _school_token(rt: Runtime, push_id: int = 1) -> str:
    return sign(link_key(rt.app), push_id, "school")


async def test_page_shows_content_and_tap_counts_once_per_device(
    client: TestClient[Any, Any], rt: Runtime
) -> None:
    await say(rt, "office", NOTICE, "cmd")
    push = rt.store.get_push(1)
    assert push is not None
    school = next(u for u in rt.app.coverage(push).units if u.unit == "中心小学")
    assert rt.app.coverage(push).unit_ack_rate(school) is None  # nothing tells them yet
    url = f"/r/{_school_token(rt)}"
    page = await client.get(url)  # no login needed
    text = await page.text()
    assert page.status == 200
    assert "警惕冒充老师收费" in text and "一律先电话核实" in text
    assert "已阅，我会提醒家人" in text and 'name="viewport"' in text
    assert "家长0" not in text and "school_p" not in text  # nothing personal
    tap = await client.post(url)
    assert tap.status == 200 and "已确认" in await tap.text()
    assert DEVICE_COOKIE in tap.cookies
    again = await client.post(url)  # the same phone (cookie) taps again
    assert "已经确认过了" in await again.text()
    assert "已经确认过了" in await (await client.get(url)).text()
    assert "已阅，我会提醒家人" not in await (await client.get(url)).text()
    client.session.cookie_jar.clear()  # another phone
    await client.post(url)
    assert rt.store.read_tap_counts(1) == {"school": 2}
    units = {u["unit"]: u for u in cov(rt)["units"]}  # type: ignore[attr-defined]
    assert units["中心小学"]["acks"] == 2
    school = next(u for u in rt.app.coverage(push).units if u.unit == "中心小学")
    assert rt.app.coverage(push).unit_ack_rate(school) == round(2 / 3, 4)
    assert units["中心小学"]["reads"] == 2 and units["中心小学"]["read_acks"] == 2
    assert cov(rt)["reads"] == 2
    assert cov(rt)["ack_rate"] == round(2 / 18, 4)
    assert "acks" in units["李家村"] and "reads" not in units["李家村"]  # shape kept


async def test_taps_where_the_bot_listens_are_reads_not_receipts(
    client: TestClient[Any, Any], rt: Runtime
) -> None:
    await say(rt, "office", NOTICE, "cmd")
    await say(rt, "wj_p", "收到", "cmd")
    await say(rt, "wj_h0", "收到", "wj")
    await client.post(f"/r/{sign(link_key(rt.app), 1, 'wj')}")
    units = {u["unit"]: u for u in cov(rt)["units"]}  # type: ignore[attr-defined]
    # The household may also have replied 收到: a tap there is 已阅, never a second receipt.
    assert (units["王家村"]["acks"], units["王家村"]["reads"]) == (1, 1)
    progress = (await say(rt, "leader", "进度", "cmd"))[0].text
    assert "回执：1/18 户" in progress


async def test_bad_tokens_get_a_chinese_404(client: TestClient[Any, Any], rt: Runtime) -> None:
    await say(rt, "office", NOTICE, "cmd")
    good = _school_token(rt)
    for bad in (good[:-2] + "xx", "abc", "a..b", sign(link_key(rt.app), 99, "school")):
        for method in (client.get, client.post):
            resp = await method(f"/r/{bad}")
            assert resp.status == 404, bad
            assert "链接无效" in await resp.text()
    assert (await client.get(f"/r/{sign(link_key(rt.app), 1, 'nowhere')}")).status == 404
    assert rt.store.read_tap_counts(1) == {}


async def test_taps_are_rate_limited_per_address(
    client: TestClient[Any, Any], rt: Runtime
) -> None:
    await say(rt, "office", NOTICE, "cmd")
    limits = client.server.app[READ_LIMITS]
    limits.taps = RateLimit(2, 600.0)
    url = f"/r/{_school_token(rt)}"
    for _ in range(2):
        client.session.cookie_jar.clear()
        assert (await client.post(url)).status == 200
    client.session.cookie_jar.clear()
    refused = await client.post(url)
    assert refused.status == 429 and "操作太频繁" in await refused.text()
    assert rt.store.read_tap_counts(1) == {"school": 2}
    # Without web.trust_proxy a forged X-Forwarded-For does not escape the limit.
    client.session.cookie_jar.clear()
    forged = await client.post(url, headers={"X-Forwarded-For": "203.0.113.9"})
    assert forged.status == 429
    # Any request counts against the page limit, so tokens cannot be guessed fast either.
    limits.views = RateLimit(1, 600.0)
    assert (await client.get(f"/r/{sign(b'guess', 1, 'school')}")).status == 404
    assert (await client.post(f"/r/{sign(b'guess', 1, 'school')}")).status == 429


async def test_behind_a_trusted_proxy(client: TestClient[Any, Any], rt: Runtime) -> None:
    web = client.server.app[CTX]
    web.config = replace(web.config, web=replace(web.config.web, trust_proxy=True))
    await say(rt, "office", NOTICE, "cmd")
    client.server.app[READ_LIMITS].taps = RateLimit(1, 600.0)
    url = f"/r/{_school_token(rt)}"
    proxied = {"X-Forwarded-For": "198.51.100.1", "X-Forwarded-Proto": "https"}
    tap = await client.post(url, headers=proxied)
    assert tap.status == 200
    assert tap.cookies[DEVICE_COOKIE]["secure"]  # the phone came over HTTPS
    assert tap.cookies[DEVICE_COOKIE]["samesite"] == "Lax"
    client.session.cookie_jar.clear()
    assert (await client.post(url, headers=proxied)).status == 429  # same phone address
    client.session.cookie_jar.clear()
    other = {"X-Forwarded-For": "198.51.100.2", "X-Forwarded-Proto": "https"}
    assert (await client.post(url, headers=other)).status == 200  # another one


async def test_dashboard_shows_reads(client: TestClient[Any, Any], rt: Runtime) -> None:
    await say(rt, "office", NOTICE, "cmd")
    await client.post(f"/r/{_school_token(rt)}")
    await login(client, "zhang")
    detail = await (await client.get("/api/pushes/1")).json()
    school = next(u for u in detail["units"] if u["unit"] == "中心小学")
    assert (school["acks"], school["reads"], school["ack_rate"]) == (1, 1, "33.3%")
    assert school["acks_seen"] is True and detail["reads"] == 1
    bank = next(u for u in detail["units"] if u["unit"] == "农商银行")
    assert bank["reads"] == 0
    page = await (await client.get("/pushes/1")).text()
    assert "链接已阅" in page


async def test_mass_tasks_carry_their_groups_links(config: Config, clock: SimClock) -> None:
    rt = build(config, clock, org=task_town())
    try:
        await say(rt, "office", "推送\n【警惕刷单返利诈骗】所有刷单都是诈骗！", "cmd")
        assert isinstance(rt.transport, SandboxTransport)
        texts = {t.sender: t.text for t in rt.transport.mass.tasks.values()}
        key = link_key(rt.app)
        one = [verify(key, t) for t in LINK.findall(texts["lj_p"])]
        assert [(n.push_id, n.group_id) for n in one if n] == [(1, "lj")]
        assert "看完也可以点链接确认已阅：" in texts["lj_p"]
        # One task to two customer groups: one line per group, named, so each household
        # taps their own group's link.
        two = [verify(key, t) for t in LINK.findall(texts["wj_p"])]
        assert [n.group_id for n in two if n] == ["wj1", "wj2"]
        assert "王家村客户群一：https://" in texts["wj_p"]
        # A tap in a customer group is a receipt there (the bot cannot hear replies).
        assert rt.store.add_read_tap(1, "wj1", "王家村", "device-aaaaaaaaaaaa", False, clock.now())
        units = {u["unit"]: u for u in cov(rt)["units"]}  # type: ignore[attr-defined]
        assert (units["王家村"]["acks"], units["王家村"]["read_acks"]) == (1, 1)
        assert cov(rt)["ack_rate"] == round(1 / 20, 4)
    finally:
        rt.store.close()


async def test_withdrawn_push_needs_no_confirmation(
    client: TestClient[Any, Any], rt: Runtime
) -> None:
    await say(rt, "office", NOTICE, "cmd")
    await say(rt, "office", "撤回第1期", "cmd")
    url = f"/r/{_school_token(rt)}"
    for resp in (await client.get(url), await client.post(url)):
        assert resp.status == 404 and "已撤回" in await resp.text()
    assert rt.store.read_tap_counts(1) == {}
