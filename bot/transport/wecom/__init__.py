"""WeCom (企业微信) customer-group channel: the server-API client and what it returns.

Everything WeCom-specific lives in this package. The lead's transport builds a `WecomClient`
from `WecomApiSettings` and uses the typed calls; failures are `WecomError`s in Chinese
(`WecomConfigError` is fatal, `WecomRejectedError` is final for that request, a plain
`WecomError` is worth retrying later).
"""

from __future__ import annotations

from bot.transport.wecom.api import TokenCache
from bot.transport.wecom.client import MEDIA_TYPES, WecomClient
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
from bot.transport.wecom.quota import QUOTA_RULES, quota_left, quota_window
from bot.transport.wecom.settings import DEFAULT_BASE_URL, WecomApiSettings

__all__ = [
    "DEFAULT_BASE_URL",
    "MEDIA_TYPES",
    "QUOTA_RULES",
    "AppSendResult",
    "Attachment",
    "GroupChat",
    "GroupMember",
    "Media",
    "SendResult",
    "TaskStatus",
    "TokenCache",
    "WecomApiSettings",
    "WecomClient",
    "WecomConfigError",
    "WecomError",
    "WecomRejectedError",
    "api_error",
    "call_label",
    "quota_left",
    "quota_window",
    "unreachable_error",
]
