"""What the transport reads from its one settings type, `bot.config.WechatySection`.

The section (with the WECHATY_PUPPET_SERVICE_* overrides from `WechatySection.with_env()`)
is given to the transport as is; here it becomes a host and port, a TLS server name and an
SSL context.
"""

from __future__ import annotations

import ssl

from bot.settings import ENV_ENDPOINT, WechatySection
from bot.transport.base import FatalTransportError

__all__ = ["WechatySection", "host_port", "ssl_context", "tls_server_name"]


def host_port(settings: WechatySection) -> tuple[str, int]:
    """Split `endpoint` ("host:port", "[v6]:port"); FatalTransportError if malformed."""
    raw = settings.endpoint.strip()
    for prefix in ("grpc://", "grpcs://", "http://", "https://"):
        if raw.startswith(prefix):
            raw = raw[len(prefix) :]
    raw = raw.rstrip("/")
    host, sep, port_text = raw.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise FatalTransportError(
            f"Wechaty 服务地址 {settings.endpoint!r} 格式不对，应为 主机:端口"
            f"（请检查 {ENV_ENDPOINT} 或配置项 wechaty.endpoint）"
        )
    return host, int(port_text)


def tls_server_name(settings: WechatySection) -> str | None:
    """The name the server certificate is checked against (None: the endpoint host)."""
    if settings.server_name:
        return settings.server_name
    cut = settings.token.rfind("_")
    if cut > 0:
        return settings.token[:cut].lower()
    return None


def ssl_context(settings: WechatySection) -> ssl.SSLContext | None:
    """The client TLS context (ALPN h2, the configured CA and verification); None: no TLS."""
    if not settings.tls:
        return None
    try:
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=settings.ca_file or None)
    except (OSError, ssl.SSLError) as exc:
        raise FatalTransportError(
            f"无法读取 CA 证书文件 {settings.ca_file}（{exc}），请检查配置项 wechaty.ca_file"
        ) from exc
    if not settings.verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["h2"])
    return ctx
