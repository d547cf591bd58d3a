"""The puppet-service protocol as this transport speaks it: constants, payload helpers, and
the lazy import of the gRPC packages.

`wechaty_grpc`, `grpclib` and `betterproto` are imported only inside functions of this
package, so the rest of the bot runs without them.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, tzinfo
from typing import Any

from bot.domain.model import MessageKind
from bot.transport.base import FatalTransportError

# The *TypeScript* wechaty-puppet message-type enum, which is what puppet services put into
# `MessagePayloadResponse.type` (not the proto enum of wechaty-grpc, where 7 means VIDEO).
TS_UNKNOWN = 0
TS_ATTACHMENT = 1
TS_AUDIO = 2
TS_CONTACT = 3
TS_CHAT_HISTORY = 4
TS_EMOTICON = 5
TS_IMAGE = 6
TS_TEXT = 7
TS_LOCATION = 8
TS_MINI_PROGRAM = 9
TS_GROUP_NOTE = 10
TS_TRANSFER = 11
TS_RED_ENVELOPE = 12
TS_RECALLED = 13
TS_URL = 14
TS_VIDEO = 15
TS_POST = 16

TS_TYPE_LABELS: dict[int, str] = {
    TS_UNKNOWN: "未知",
    TS_ATTACHMENT: "文件",
    TS_AUDIO: "语音",
    TS_CONTACT: "名片",
    TS_CHAT_HISTORY: "聊天记录",
    TS_EMOTICON: "表情",
    TS_IMAGE: "图片",
    TS_TEXT: "文字",
    TS_LOCATION: "位置",
    TS_MINI_PROGRAM: "小程序",
    TS_GROUP_NOTE: "群公告",
    TS_TRANSFER: "转账",
    TS_RED_ENVELOPE: "红包",
    TS_RECALLED: "撤回",
    TS_URL: "链接",
    TS_VIDEO: "视频",
    TS_POST: "动态",
}

# What the bot understands; everything else is logged and skipped.
KIND_BY_TS_TYPE: dict[int, MessageKind] = {
    TS_TEXT: MessageKind.TEXT,
    TS_IMAGE: MessageKind.IMAGE,
    TS_ATTACHMENT: MessageKind.FILE,
    TS_VIDEO: MessageKind.FILE,
    TS_URL: MessageKind.LINK,
}

# wechaty-grpc EventType values (same numbers in the old Python stubs and the current proto).
EV_HEARTBEAT = 1
EV_MESSAGE = 2
EV_DONG = 3
EV_ERROR = 16
EV_ROOM_JOIN = 19
EV_ROOM_LEAVE = 20
EV_ROOM_TOPIC = 21
EV_SCAN = 22
EV_READY = 23
EV_RESET = 24
EV_LOGIN = 25
EV_LOGOUT = 26
EV_DIRTY = 27

# FileBox JSON `type`/`boxType` of file-box >= 1.0 (FileBoxType.Base64).
FILEBOX_BASE64 = 1
# U+2005 FOUR-PER-EM SPACE: what WeChat (and Wechaty's Room.say) puts after "@name".
MENTION_SEPARATOR = "\u2005"


def import_grpc() -> None:
    """Fail with a clear message when the gRPC packages are missing."""
    try:
        import betterproto  # noqa: F401
        import grpclib  # noqa: F401
        import wechaty_grpc  # noqa: F401
    except ImportError as exc:
        raise FatalTransportError(
            f"缺少 Wechaty 依赖（{exc.name}），请安装：pip install wechaty-grpc==0.20.19"
        ) from exc


def filebox_json(data: bytes, name: str) -> str:
    """The FileBox JSON the Node side (file-box 1.x `FileBox.fromJSON`) reads as base64 content.

    Both `type` (file-box >= 1.0) and `boxType` (older servers) are set to 1 (Base64)."""
    payload = {
        "type": FILEBOX_BASE64,
        "boxType": FILEBOX_BASE64,
        "base64": base64.b64encode(data).decode("ascii"),
        "name": name,
        "size": len(data),
        "md5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
        "metadata": {},
    }
    return json.dumps(payload, ensure_ascii=False)


def filebox_bytes(text: str) -> tuple[bytes, str] | None:
    """The content and name of a base64 FileBox JSON; None for any other kind of FileBox."""
    box = json_object(text)
    if int(box.get("type", box.get("boxType", 0))) == FILEBOX_BASE64 and box.get("base64"):
        return base64.b64decode(str(box["base64"])), str(box.get("name", ""))
    return None


def filebox_kind(text: str) -> object:
    """The `type` (or old `boxType`) of a FileBox JSON, for error messages."""
    box = json_object(text)
    return box.get("type", box.get("boxType"))


def message_time(timestamp: int, tz: tzinfo = UTC) -> datetime:
    """A payload timestamp (milliseconds in puppet 1.x, seconds in older ones) as a datetime."""
    if timestamp <= 0:
        return datetime.now(tz)
    seconds = timestamp / 1000 if timestamp > 100_000_000_000 else float(timestamp)
    return datetime.fromtimestamp(seconds, tz)


def json_object(text: str) -> dict[str, Any]:
    """A JSON object from an event/payload text; {} for anything else."""
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def response_id(response: Any) -> str | None:
    """The message id a send call returned (None when the service gave none)."""
    value = getattr(response, "id", None)
    return str(value) if value else None


def authorization(token: str) -> dict[str, str]:
    """The gRPC metadata that authenticates a call with the service token."""
    return {"authorization": f"Wechaty {token}"}
