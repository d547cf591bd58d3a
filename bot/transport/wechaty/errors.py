"""Connection and RPC failures in Chinese: what went wrong and whether retrying can help.

Wrong token, unreachable service and TLS mismatches each get a message that names the
setting (environment variable or config key) to check.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Awaitable
from typing import Any

from bot.settings import ENV_ENDPOINT, ENV_NO_TLS, ENV_SERVER_NAME, ENV_TOKEN
from bot.transport.base import FatalTransportError, TransportError


def explain_error(exc: BaseException, tls: bool, *, connecting: bool = True) -> tuple[str, bool]:
    """A Chinese reason for a connection/RPC failure, and whether retrying cannot help.

    `connecting`: the failure happened while setting up a connection (then a dropped
    connection hints at a TLS mismatch); otherwise an established connection broke."""
    if isinstance(exc, TransportError):
        return str(exc), isinstance(exc, FatalTransportError)
    from grpclib.exceptions import GRPCError, StreamTerminatedError

    if isinstance(exc, GRPCError):
        return _explain_grpc(exc)
    if isinstance(exc, ssl.SSLError):
        return _explain_tls(exc)
    if isinstance(exc, StreamTerminatedError):
        if not connecting:
            return f"连接中断（{exc}）", False
        if not tls:
            return (
                "连接被服务端断开：服务端可能启用了 TLS，请开启 TLS"
                f"（去掉 {ENV_NO_TLS}，或设 wechaty.tls=true）",
                True,
            )
        return f"连接被服务端断开（{exc}）", False
    return _explain_network(exc)


def _explain_grpc(exc: Any) -> tuple[str, bool]:
    from grpclib.const import Status

    detail = f"（{exc.message}）" if exc.message else ""
    if exc.status is Status.UNAUTHENTICATED:
        return f"令牌（token）错误，请检查 {ENV_TOKEN}{detail}", True
    if exc.status is Status.PERMISSION_DENIED:
        return f"令牌（token）无权访问该服务，请检查 {ENV_TOKEN}{detail}", True
    if exc.status is Status.UNIMPLEMENTED:
        return f"服务不支持所需的接口，请确认它是 Wechaty puppet 服务{detail}", True
    if exc.status is Status.DEADLINE_EXCEEDED:
        return f"服务响应超时{detail}", False
    return f"服务返回错误 {exc.status.name}{detail}", False


def _explain_tls(exc: ssl.SSLError) -> tuple[str, bool]:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"TLS 证书校验失败（{exc.verify_message or exc.reason}），请配置服务商的 CA 证书"
            f"（wechaty.ca_file）和证书名（{ENV_SERVER_NAME}），或关闭校验（wechaty.verify=false）",
            True,
        )
    return (
        f"TLS 握手失败（{exc.reason or exc}）：服务端可能没有启用 TLS，"
        f"如确认如此请关闭 TLS（{ENV_NO_TLS}=true 或 wechaty.tls=false）",
        True,
    )


def _explain_network(exc: BaseException) -> tuple[str, bool]:
    if isinstance(exc, ConnectionRefusedError):
        return (
            f"连接被拒绝，请检查 {ENV_ENDPOINT}（主机和端口）以及 Wechaty 服务是否已启动",
            True,
        )
    if isinstance(exc, TimeoutError):
        return "连接超时，请检查网络和服务地址", False
    if isinstance(exc, socket.gaierror):
        return f"无法解析主机名，请检查 {ENV_ENDPOINT}（{exc.strerror or exc}）", True
    if isinstance(exc, OSError):
        return f"网络错误：{exc.strerror or exc}", False
    return f"意外错误：{exc!r}", False


def reason(exc: BaseException, tls: bool) -> str:
    """Why an established connection's call failed, in Chinese."""
    return explain_error(exc, tls, connecting=False)[0]


def is_connection_error(exc: BaseException) -> bool:
    """Whether `exc` is the network or the service failing (not a bug of ours)."""
    from grpclib.exceptions import GRPCError, ProtocolError, StreamTerminatedError

    return isinstance(
        exc, GRPCError | StreamTerminatedError | ProtocolError | OSError | TimeoutError
    )


def send_error(what: str, exc: BaseException, tls: bool) -> TransportError:
    """Always a plain TransportError: the outbox keeps the row and retries later (a lost
    connection is the supervisor's business, not a reason to stop sending for good)."""
    return TransportError(f"{what}失败：{reason(exc, tls)}")


async def guarded(what: str, call: Awaitable[Any], tls: bool) -> Any:
    """Await one RPC; any failure becomes a TransportError saying what failed and why."""
    try:
        return await call  # the stub carries the rpc_timeout deadline
    except Exception as exc:
        raise send_error(what, exc, tls) from exc
