"""Images members send the smart robot one to one (WECOM.md §7): download and decrypt.

An `aibot_msg_callback` of msgtype `image` carries `image.url` (valid about 5 minutes, the
bytes AES-256-CBC encrypted) and, on the long connection, `image.aeskey` (Base64 of the
32-byte key; IV = the key's first 16 bytes; PKCS#7 padding to 32 bytes, as for callbacks).
Only single chats carry images (a group @-mention is text or 图文混排 only). The decrypted
bytes become an IMAGE `IncomingMessage`, like a Wechaty or sandbox image: a 预警 on-site
photo, a pusher's 佐证 screenshot.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from collections.abc import Mapping
from datetime import tzinfo
from typing import Any

import aiohttp
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.domain.model import IncomingMessage, MessageKind
from bot.transport.wecom import robot_frames as rf

log = logging.getLogger("bot.transport.wecom.robot")

MAX_IMAGE_BYTES = 20 * 1024 * 1024
BLOCK = 32
_running: set[asyncio.Task[None]] = set()


class MediaError(ValueError):
    """An image could not be decrypted (message in Chinese)."""


def wanted(body: Mapping[str, Any]) -> bool:
    """Whether a callback is a single-chat image this module should fetch."""
    image = body.get("image")
    return (
        body.get("msgtype") == "image"
        and body.get("chattype") != "group"
        and isinstance(image, Mapping)
        and bool(image.get("url"))
    )


def decrypt(sealed: bytes, aeskey: str) -> bytes:
    """The plaintext of an encrypted robot media file (MediaError if the key does not fit)."""
    try:
        key = base64.b64decode(aeskey + "=" * (-len(aeskey) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MediaError("图片解密失败：aeskey 不是有效的 Base64") from exc
    if len(key) != 32 or not sealed or len(sealed) % 16:
        raise MediaError(f"图片解密失败：密钥 {len(key)} 字节、密文 {len(sealed)} 字节不合规")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    raw = decryptor.update(sealed) + decryptor.finalize()
    amount = raw[-1]
    if not 1 <= amount <= BLOCK or raw[-amount:] != bytes([amount]) * amount:
        raise MediaError("图片解密失败：填充（PKCS#7）不正确")
    return raw[:-amount]


def suffix(data: bytes) -> str:
    """A file suffix from the image's magic bytes."""
    if data.startswith(b"\x89PNG"):
        return ".png"
    if data.startswith(b"\xff\xd8"):
        return ".jpg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return ".gif"
    return ".img"


async def image_message(
    http: aiohttp.ClientSession, body: Mapping[str, Any], tz: tzinfo
) -> IncomingMessage | None:
    """Download and decrypt one image callback; None (logged in Chinese) when impossible."""
    image = body["image"]
    sender_obj = body.get("from")
    sender = str(sender_obj.get("userid", "")) if isinstance(sender_obj, Mapping) else ""
    msgid = str(body.get("msgid", ""))
    if not sender or not msgid:
        log.warning("智能机器人收到没有发送者或 msgid 的图片，已忽略")
        return None
    try:
        async with http.get(str(image["url"])) as response:
            response.raise_for_status()
            sealed = await response.content.read(MAX_IMAGE_BYTES + 1)
        if len(sealed) > MAX_IMAGE_BYTES:
            raise MediaError(f"图片超过 {MAX_IMAGE_BYTES // 1024 // 1024} MB")
        aeskey = str(image.get("aeskey") or "")
        data = decrypt(sealed, aeskey) if aeskey else sealed
    except (aiohttp.ClientError, TimeoutError, MediaError) as exc:
        log.warning("无法取回 %s 私聊发来的图片（%s）：%s", sender, msgid, exc)
        return None
    return IncomingMessage(
        id=msgid,
        at=rf.message_time(body, tz),
        sender=sender,
        kind=MessageKind.IMAGE,
        data=data,
        filename=f"{msgid}{suffix(data)}",
    )


def fetch_later(
    http: aiohttp.ClientSession | None,
    queue: asyncio.Queue[IncomingMessage | None],
    body: Mapping[str, Any],
    tz: tzinfo,
) -> None:
    """Fetch the image in the background (the socket keeps reading); queue it when done."""
    if http is None:
        return

    async def run() -> None:
        msg = await image_message(http, body, tz)
        if msg is not None:
            queue.put_nowait(msg)

    task = asyncio.create_task(run(), name="wecom-robot-image")
    _running.add(task)
    task.add_done_callback(_running.discard)
