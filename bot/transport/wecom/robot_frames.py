"""The smart robot's long-connection frames (WECOM.md §7), without any socket.

Frames are JSON `{cmd, headers:{req_id}, body}`; acks have no `cmd`, only the request's
`req_id`, `errcode` and `errmsg`. Here: the settings, request ids, the conversion of an
`aibot_msg_callback` body into an `IncomingMessage`, text splitting and the Chinese
explanations of error codes.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from bot.domain.model import IncomingMessage
from bot.transport.base import TransportError

log = logging.getLogger("bot.transport.wecom.robot")

DEFAULT_WS_URL = "wss://openws.work.weixin.qq.com"
SUBSCRIBE = "aibot_subscribe"
PING = "ping"
MSG_CALLBACK = "aibot_msg_callback"
EVENT_CALLBACK = "aibot_event_callback"
SEND_MSG = "aibot_send_msg"
UPLOAD_INIT = "aibot_upload_media_init"
UPLOAD_CHUNK = "aibot_upload_media_chunk"
UPLOAD_FINISH = "aibot_upload_media_finish"
DISCONNECTED_EVENT = "disconnected_event"

CHUNK_BYTES = 512 * 1024
"""Raw bytes per upload chunk (before Base64), the documented maximum."""
MAX_CHUNKS = 100
MARKDOWN_BYTES = 4096
"""Split proactive markdown longer than this (UTF-8 bytes); the robot's own limit for
aibot_send_msg is not documented, 4096 is the group-robot markdown limit (WECOM.md §8)."""
QUOTE_AUTHOR = "引用"
QUOTE_RULE = "- - - - - - - - - - - - - - -"
# errcodes after which retrying the subscription can help (rate limits, busy)
TRANSIENT_CODES = frozenset({-1, 45009, 45033})


@dataclass(frozen=True)
class RobotSettings:
    """What the robot channel needs; the lead wires the `[wecom]` config section to it.

    `command_chats` maps the WeCom chatid of each command group to the roster group id the
    bot knows it by; group messages from other chats are ignored (and logged with their
    chatid, so the office can add it). Times are seconds."""

    bot_id: str
    secret: str
    command_chats: Mapping[str, str] = field(default_factory=dict)
    ws_url: str = DEFAULT_WS_URL
    robot_name: str = ""
    heartbeat_interval: float = 30.0
    ack_timeout: float = 5.0
    connect_timeout: float = 10.0
    reconnect_base: float = 1.0
    reconnect_max: float = 60.0
    takeover_retry: float = 300.0
    max_takeovers: int = 3

    def chat_for(self, conversation: str) -> str:
        """The WeCom chatid for a roster group id (or the id itself: a chatid or userid)."""
        for chatid, group in self.command_chats.items():
            if group == conversation:
                return chatid
        return conversation


def req_id(cmd: str) -> str:
    """`{cmd}_{milliseconds}_{random}`, the form the official SDKs use."""
    return f"{cmd}_{int(time.time() * 1000)}_{os.urandom(4).hex()}"


def frame(cmd: str, body: Any = None, request_id: str | None = None) -> dict[str, Any]:
    """A request frame."""
    out: dict[str, Any] = {"cmd": cmd, "headers": {"req_id": request_id or req_id(cmd)}}
    if body is not None:
        out["body"] = body
    return out


def explain(cmd: str, errcode: Any, errmsg: Any) -> str:
    """A Chinese reason for an error ack: what failed and what to check."""
    detail = f"（错误码 {errcode}：{errmsg}）"
    if cmd == SUBSCRIBE:
        if errcode in TRANSIENT_CODES:
            return f"智能机器人长连接订阅（aibot_subscribe）被限频或服务繁忙，稍后重试{detail}"
        return (
            "智能机器人长连接订阅（aibot_subscribe）失败：请在企业微信管理后台"
            "“智能机器人”的 API 设置里核对 Bot ID 和 Secret（配置项 wecom.robot_bot_id / "
            f"wecom.robot_secret），确认机器人已启用且使用“长连接”方式{detail}"
        )
    if cmd == SEND_MSG:
        return (
            "智能机器人主动发消息（aibot_send_msg）失败：请确认机器人仍在该群里、"
            f"群 chatid 配置正确{detail}"
        )
    if cmd in (UPLOAD_INIT, UPLOAD_CHUNK, UPLOAD_FINISH):
        return f"智能机器人上传素材（{cmd}）失败：请检查文件大小与类型{detail}"
    return f"智能机器人请求 {cmd} 失败{detail}"


def message_time(body: Mapping[str, Any], tz: tzinfo) -> datetime:
    """The callback's `create_time` (seconds or milliseconds); now when absent."""
    raw = body.get("create_time")
    stamp = float(raw) if isinstance(raw, int | float) and raw > 0 else time.time()
    if stamp > 1e12:
        stamp /= 1000
    return datetime.fromtimestamp(stamp, tz)


def strip_mention(text: str, robot_name: str) -> str:
    """The text without the @robot mention (by name if known, else a leading @word)."""
    if robot_name:
        text = re.sub(rf"@{re.escape(robot_name)}(?=\s|$)", "", text)
    else:
        text = re.sub(r"^\s*@\S+(?:\s+|$)", "", text, count=1)
    return text.strip()


def _content(kind: str, part: Mapping[str, Any]) -> str:
    """The readable text of one message part (text, voice, mixed); a label for media."""
    if kind in ("text", "voice"):
        inner = part.get(kind)
        return str(inner.get("content", "")) if isinstance(inner, Mapping) else ""
    if kind == "mixed":
        mixed = part.get("mixed")
        items = mixed.get("msg_item", []) if isinstance(mixed, Mapping) else []
        texts = [_content(str(i.get("msgtype", "")), i) for i in items if isinstance(i, Mapping)]
        return "".join(t for t in texts if t)
    return {"image": "[图片]", "file": "[文件]", "video": "[视频]"}.get(kind, "")


def _quoted(body: Mapping[str, Any]) -> str | None:
    quote = body.get("quote")
    if not isinstance(quote, Mapping):
        return None
    text = _content(str(quote.get("msgtype", "")), quote).strip()
    return text.replace("「", "“").replace("」", "”") or None


def incoming(
    body: Mapping[str, Any], settings: RobotSettings, tz: tzinfo
) -> IncomingMessage | None:
    """An `aibot_msg_callback` body as an `IncomingMessage`; None for what the bot skips.

    Group messages (the robot was @-mentioned) count only from a configured command chat;
    the mention is stripped. A quote becomes the Wechaty quote form `「引用：…」`, a rule,
    then the reply, so the language layer reads it like any quote reply."""
    kind = str(body.get("msgtype", ""))
    sender_obj = body.get("from")
    sender = str(sender_obj.get("userid", "")) if isinstance(sender_obj, Mapping) else ""
    if not sender:
        log.warning("智能机器人收到没有发送者的消息，已忽略：%s", body.get("msgid"))
        return None
    group: str | None = None
    if body.get("chattype") == "group":
        chatid = str(body.get("chatid", ""))
        group = settings.command_chats.get(chatid)
        if group is None:
            log.info(
                "智能机器人收到未配置的群 %s 的消息（发送者 %s），已忽略；"
                "若这是指挥群，请把该 chatid 写入配置项 wecom.robot_command_chats",
                chatid,
                sender,
            )
            return None
    if kind not in ("text", "mixed", "voice"):
        log.info("智能机器人暂不读取 %s 类型的消息，已忽略：%s", kind, body.get("msgid"))
        return None
    text = _content(kind, body)
    if group is not None:
        text = strip_mention(text, settings.robot_name)
    quoted = _quoted(body)
    if quoted is not None and text:
        text = f"「{QUOTE_AUTHOR}：{quoted}」\n{QUOTE_RULE}\n{text}"
    return IncomingMessage(
        id=str(body.get("msgid", "")) or f"robot-{os.urandom(8).hex()}",
        at=message_time(body, tz),
        sender=sender,
        text=text,
        group=group,
        mentions=(settings.bot_id,) if group is not None else (),
    )


def split_markdown(text: str, limit: int = MARKDOWN_BYTES) -> list[str]:
    """Cut `text` into pieces of at most `limit` UTF-8 bytes, at line ends where possible."""
    pieces: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line.encode()) > limit:
            cut = len(line.encode()[:limit].decode("utf-8", "ignore"))
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:cut])
            line = line[cut:]
        if len((current + line).encode()) > limit:
            pieces.append(current)
            current = ""
        current += line
    if current or not pieces:
        pieces.append(current)
    return [p.rstrip("\n") for p in pieces]


def upload_plan(filename: str, data: bytes, media_type: str) -> tuple[dict[str, Any], list[bytes]]:
    """The `aibot_upload_media_init` body and the raw chunks (TransportError if too big)."""
    total = max(1, math.ceil(len(data) / CHUNK_BYTES))
    if total > MAX_CHUNKS or len(data) < 5:
        limit_mb = MAX_CHUNKS * CHUNK_BYTES // 1024 // 1024
        raise TransportError(
            f"智能机器人无法上传 {filename}：文件须在 5 字节到 {limit_mb} MB 之间"
            f"（现为 {len(data)} 字节）"
        )
    init = {
        "type": media_type,
        "filename": filename,
        "total_size": len(data),
        "total_chunks": total,
        "md5": hashlib.md5(data).hexdigest(),
    }
    return init, [data[i * CHUNK_BYTES : (i + 1) * CHUNK_BYTES] for i in range(total)]
