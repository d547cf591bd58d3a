"""The Wechaty transport without a gateway: settings and environment, endpoint parsing,
backoff, payload helpers, the lazy gRPC import, and fatal start-up errors."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.config import ConfigError, parse_config
from bot.transport.base import FatalTransportError, Transport, TransportError
from bot.transport.wechaty import (
    WechatySection,
    WechatyTransport,
    filebox_json,
    host_port,
    message_time,
    tls_server_name,
)
from tests.wechaty.scenario import VILLAGE_1


def free_port() -> int:
    """A port nothing listens on (bound and released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_config_from_env_overrides_base() -> None:
    base = WechatySection(endpoint="old:1", token="old_token", ca_file="", watchdog_seconds=9)
    env = {
        "WECHATY_PUPPET_SERVICE_TOKEN": "puppet_padlocal_abc",
        "WECHATY_PUPPET_SERVICE_ENDPOINT": "10.0.0.2:8788",
        "WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT": "true",
    }
    cfg = base.with_env(env)
    assert (cfg.endpoint, cfg.token, cfg.tls) == ("10.0.0.2:8788", "puppet_padlocal_abc", False)
    assert not cfg.ca_file  # one settings type: "" is no CA file (the system CAs)
    assert cfg.watchdog_seconds == 9
    assert host_port(cfg) == ("10.0.0.2", 8788)
    assert tls_server_name(cfg) == "puppet_padlocal"


def test_config_from_env_accepts_a_config_section_and_keeps_it_without_env() -> None:
    section = WechatySection(
        endpoint="[::1]:8788", token="t", tls=True, ca_file="/etc/ca.pem", verify=False
    )
    cfg = section.with_env({})
    assert host_port(cfg) == ("::1", 8788)
    assert (cfg.tls, cfg.ca_file, cfg.verify) == (True, "/etc/ca.pem", False)
    assert tls_server_name(cfg) is None  # no "_" in the token: the endpoint host


@pytest.mark.parametrize("endpoint", ["", "localhost", "host:", "host:abc", "host:70000"])
def test_bad_endpoint_is_fatal_in_chinese(endpoint: str) -> None:
    with pytest.raises(FatalTransportError, match="格式不对，应为 主机:端口"):
        host_port(WechatySection(endpoint=endpoint, token="t"))


def test_backoff_is_exponential_with_jitter_and_capped() -> None:
    cfg = WechatySection(endpoint="h:1", token="t", backoff_initial=1, backoff_max=60)
    high = WechatyTransport(cfg, random=lambda: 1.0)
    low = WechatyTransport(cfg, random=lambda: 0.0)
    assert [high.connection.backoff(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert [low.connection.backoff(n) for n in range(1, 4)] == [0.5, 1, 2]


def test_filebox_json_is_base64_filebox() -> None:
    data = bytes(range(256)) * 3
    box = json.loads(filebox_json(data, "海报.png"))
    assert box["type"] == 1 and box["boxType"] == 1
    assert box["name"] == "海报.png" and box["size"] == len(data)
    assert base64.b64decode(box["base64"]) == data


def test_message_time_reads_milliseconds_and_seconds() -> None:
    assert message_time(1_700_000_000_000) == message_time(1_700_000_000)
    assert message_time(1_700_000_000).tzinfo is not None


async def test_start_without_endpoint_is_fatal() -> None:
    t = WechatyTransport(WechatySection(endpoint="", token="t"))
    with pytest.raises(FatalTransportError, match="无法连接 Wechaty 服务"):
        await t.start()
    assert not t.status.connected
    assert t.status.last_error and "格式不对" in t.status.last_error


def test_grpc_packages_are_imported_lazily() -> None:
    code = (
        "import sys, bot.transport.wechaty as w; "
        "w.WechatyTransport(w.WechatySection().with_env({})); "
        "print(sorted(m for m in ('grpclib', 'wechaty_grpc', 'betterproto') if m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


async def test_send_before_start_raises_transport_error() -> None:
    t = WechatyTransport(WechatySection(endpoint="127.0.0.1:1", token="t"))
    assert isinstance(t, Transport)
    with pytest.raises(TransportError, match="未连接"):
        await t.send_text(VILLAGE_1, "你好")


async def test_unreachable_port_is_fatal_quickly() -> None:
    endpoint = f"127.0.0.1:{free_port()}"
    t = WechatyTransport(WechatySection(endpoint=endpoint, token="t", tls=False))
    began = time.monotonic()
    with pytest.raises(FatalTransportError) as info:
        await t.start()
    assert time.monotonic() - began < 3
    assert f"无法连接 Wechaty 服务 {endpoint}：连接被拒绝" in str(info.value)


def test_env_sets_tls_server_name_and_ca_file() -> None:
    env = {
        "WECHATY_PUPPET_SERVICE_TLS_SERVER_NAME": " puppet.example.com ",
        "WECHATY_PUPPET_SERVICE_TLS_CA_FILE": "/etc/puppet-ca.pem",
        "WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT": "no",
    }
    cfg = WechatySection(token="puppet_padlocal_abc").with_env(env)
    assert (cfg.server_name, cfg.ca_file, cfg.tls) == (
        "puppet.example.com",
        "/etc/puppet-ca.pem",
        True,
    )
    assert tls_server_name(cfg) == "puppet.example.com"


def test_config_check_reads_the_same_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TOKEN", "ENDPOINT"):
        monkeypatch.delenv(f"WECHATY_PUPPET_SERVICE_{name}", raising=False)
    data = {"bot": {"transport": "wechaty"}}
    with pytest.raises(ConfigError, match=r"wechaty\.token"):
        parse_config(data, Path.cwd())
    monkeypatch.setenv("WECHATY_PUPPET_SERVICE_TOKEN", "puppet_padlocal_abc")
    monkeypatch.setenv("WECHATY_PUPPET_SERVICE_ENDPOINT", "10.0.0.2:8788")
    config = parse_config(data, Path.cwd())
    assert config.wechaty.token == ""  # the file's value; the environment is put on top at use
    assert config.wechaty.with_env().endpoint == "10.0.0.2:8788"
