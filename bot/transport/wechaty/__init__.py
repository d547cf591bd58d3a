"""The Wechaty transport: a real WeChat account through a Wechaty puppet service (gRPC).

Speaks the puppet-service protocol directly with the `wechaty-grpc` stubs (betterproto 1.2.5
over grpclib). Only this package imports `wechaty_grpc`, `grpclib` or `betterproto`, and
only lazily (inside functions), so the rest of the bot runs without them.

Modules: `settings` (endpoint, TLS from `bot.config.WechatySection`, the one settings
type), `protocol` (constants, payload helpers, the lazy import), `errors` (failures in
Chinese), `session` (one connection: connect and log in), `connection` (watchdog,
reconnect with backoff and jitter), `inbound`, `outbound`, `directory` (rooms, members),
`transport` (`WechatyTransport`).
"""

from bot.settings import WechatySection
from bot.transport.wechaty.errors import explain_error
from bot.transport.wechaty.protocol import filebox_json, message_time
from bot.transport.wechaty.settings import host_port, tls_server_name
from bot.transport.wechaty.transport import WechatyTransport

__all__ = [
    "WechatySection",
    "WechatyTransport",
    "explain_error",
    "filebox_json",
    "host_port",
    "message_time",
    "tls_server_name",
]
