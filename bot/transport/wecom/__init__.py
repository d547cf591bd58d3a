"""WeCom (企业微信): customer groups through 客户群群发 tasks, the command group through the
smart robot's long connection (or a group-robot webhook), the server-API client, the
callback crypto.

Everything WeCom-specific lives in this package; code outside `bot.transport` never imports
it. Failures are `WecomError`s in Chinese (`WecomConfigError` is fatal, `WecomRejectedError`
final for that request, a plain `WecomError` worth retrying later).
"""

from __future__ import annotations

from bot.domain.quota import QUOTA_RULES, quota_left, quota_window
from bot.transport.wecom.api import TokenCache
from bot.transport.wecom.client import MEDIA_TYPES, WecomClient
from bot.transport.wecom.crypto import CryptoError, WecomCrypto
from bot.transport.wecom.errors import (
    WecomConfigError,
    WecomError,
    WecomRejectedError,
    api_error,
    call_label,
    unreachable_error,
)
from bot.transport.wecom.models import (
    AppSendResult,
    Attachment,
    GroupChat,
    GroupMember,
    Media,
    SendResult,
    TaskStatus,
)
from bot.transport.wecom.robot import RobotChannel
from bot.transport.wecom.robot_frames import RobotSettings
from bot.transport.wecom.settings import DEFAULT_BASE_URL, WecomApiSettings
from bot.transport.wecom.transport import WecomTransport

__all__ = [
    "DEFAULT_BASE_URL",
    "MEDIA_TYPES",
    "QUOTA_RULES",
    "AppSendResult",
    "Attachment",
    "CryptoError",
    "GroupChat",
    "GroupMember",
    "Media",
    "RobotChannel",
    "RobotSettings",
    "SendResult",
    "TaskStatus",
    "TokenCache",
    "WecomApiSettings",
    "WecomClient",
    "WecomConfigError",
    "WecomCrypto",
    "WecomError",
    "WecomRejectedError",
    "WecomTransport",
    "api_error",
    "call_label",
    "quota_left",
    "quota_window",
    "unreachable_error",
]
