"""A fake of the smart robot's long connection (WECOM.md §7 and item 11), on 127.0.0.1.

Faithful points: frames `{cmd, headers:{req_id}, body}`; acks carry the request's req_id,
`errcode`, `errmsg` and no `cmd`; `aibot_subscribe` checks bot_id and secret (unknown bot
→ 93019 "invalid bot_id", wrong secret → 853000, the codes WeCom returns for the same
credentials in WecomTeam/wecom-cli #15 and #12) and then closes; `ping` is acked; a second
subscription for the same bot sends `disconnected_event` to the old connection and closes
it; uploads go init → chunk (0-based, ≤512 KB raw, ≤100) → finish (md5 checked) → a
media_id that `aibot_send_msg` must use. Test hooks: push callbacks, drop a connection,
read what the bot sent, wait for a condition (bounded, event-driven).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

MAX_CHUNK = 512 * 1024
MAX_CHUNKS = 100
SEND_TYPES = {"markdown", "template_card", "image", "file", "voice", "video"}


@dataclass
class Upload:
    """One chunked upload in progress."""

    init: dict[str, Any]
    chunks: dict[int, bytes] = field(default_factory=dict)


class FakeRobotServer:
    """The WeCom side of the robot's WebSocket, recording every frame it receives."""

    def __init__(self, bots: dict[str, str] | None = None) -> None:
        self.bots = dict(bots or {"aib-test": "s3cret"})
        self.frames: list[dict[str, Any]] = []
        self.current: dict[str, web.WebSocketResponse] = {}
        self.connections = 0
        self.subscriptions = 0
        self.media: dict[str, bytes] = {}
        self.uploads: dict[str, Upload] = {}
        self.send_errors: list[tuple[int, str]] = []
        self.subscribe_errors: list[tuple[int, str]] = []
        self.ack_pings = True
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.http_url = ""
        self.files: dict[str, bytes] = {}

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> str:
        """Listen on 127.0.0.1, port 0; the ws:// URL."""
        app = web.Application()
        app.router.add_get("/", self._handle)
        app.router.add_get("/media/{name}", self._media_file)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"ws://127.0.0.1:{port}/"
        self.http_url = f"http://127.0.0.1:{port}"
        return self.url

    async def close(self) -> None:
        """Close every connection and stop listening."""
        for ws in list(self.current.values()):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- test hooks --------------------------------------------------------------------

    def sent(self, cmd: str) -> list[dict[str, Any]]:
        """The bodies of every `cmd` frame received, in order."""
        return [f.get("body") or {} for f in self.frames if f.get("cmd") == cmd]

    async def wait_for(self, check: Callable[[], bool], timeout: float = 3.0) -> None:
        """Wait (bounded) until `check()` holds; re-checked on every frame or connection."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(check)

    async def push(self, bot_id: str, cmd: str, body: dict[str, Any]) -> str:
        """Send a callback frame to the bot's current connection; its req_id."""
        req_id = f"{cmd}_{next(self._ids)}"
        await self.current[bot_id].send_json(
            {"cmd": cmd, "headers": {"req_id": req_id}, "body": body}
        )
        return req_id

    async def group_message(
        self,
        bot_id: str,
        chatid: str,
        userid: str,
        content: str,
        quote: dict[str, Any] | None = None,
        msgtype: str = "text",
    ) -> str:
        """A member @-mentions the robot in a group chat."""
        body = self._message(bot_id, userid, content, msgtype, quote)
        body.update(chattype="group", chatid=chatid)
        return await self.push(bot_id, "aibot_msg_callback", body)

    async def single_message(self, bot_id: str, userid: str, content: str) -> str:
        """A member writes to the robot one to one."""
        body = self._message(bot_id, userid, content, "text", None)
        body["chattype"] = "single"
        return await self.push(bot_id, "aibot_msg_callback", body)

    async def single_image(self, bot_id: str, userid: str, data: bytes) -> str:
        """A member sends the robot a photo one to one: the callback carries a download URL
        of the AES-256-CBC encrypted bytes (IV = key[:16], PKCS#7 to 32) and the Base64 key."""
        key = os.urandom(32)
        pad = 32 - len(data) % 32
        encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
        name = f"f{next(self._ids)}"
        self.files[name] = encryptor.update(data + bytes([pad]) * pad) + encryptor.finalize()
        body = self._message(bot_id, userid, "", "image", None)
        body["chattype"] = "single"
        body["image"] = {"url": f"{self.http_url}/media/{name}", "aeskey": b64(key)}
        return await self.push(bot_id, "aibot_msg_callback", body)

    def host_file(self, data: bytes) -> str:
        """Serve `data` as is (a PicUrl of an app-callback image); its http URL."""
        name = f"p{next(self._ids)}"
        self.files[name] = data
        return f"{self.http_url}/media/{name}"

    async def _media_file(self, request: web.Request) -> web.Response:
        sealed = self.files.get(request.match_info["name"])
        if sealed is None:
            raise web.HTTPNotFound()
        return web.Response(body=sealed, content_type="application/octet-stream")

    def _message(
        self, bot_id: str, userid: str, content: str, msgtype: str, quote: dict[str, Any] | None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "msgid": f"msg{next(self._ids)}",
            "aibotid": bot_id,
            "from": {"userid": userid},
            "create_time": int(time.time()),
            "response_url": "https://example.invalid/response",
            "msgtype": msgtype,
        }
        if msgtype == "text":
            body["text"] = {"content": content}
        elif msgtype == "voice":
            body["voice"] = {"content": content}
        elif msgtype == "image":
            body["image"] = {"url": "https://example.invalid/img", "aeskey": "k"}
        if quote is not None:
            body["quote"] = quote
        return body

    async def drop(self, bot_id: str) -> None:
        """Close the bot's current connection from the server side (a network drop)."""
        ws = self.current.pop(bot_id)
        await ws.close()

    # -- the protocol ------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.connections += 1
        await self._notify()
        bot: str | None = None
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            self.frames.append(data)
            bot = await self._on_frame(ws, data, bot)
            await self._notify()
        for bot_id, current in list(self.current.items()):
            if current is ws:
                del self.current[bot_id]
        await self._notify()
        return ws

    async def _on_frame(
        self, ws: web.WebSocketResponse, data: dict[str, Any], bot: str | None
    ) -> str | None:
        cmd = data.get("cmd")
        req_id = data.get("headers", {}).get("req_id", "")
        body = data.get("body") or {}
        if cmd == "aibot_subscribe":
            return await self._subscribe(ws, req_id, body)
        if cmd == "ping":
            if self.ack_pings:
                await self._ack(ws, req_id)
        elif bot is None:
            await self._ack(ws, req_id, 40058, "please subscribe first")
        elif cmd == "aibot_send_msg":
            await self._ack(ws, req_id, *self._check_send(body))
        elif cmd in ("aibot_respond_msg", "aibot_respond_welcome_msg", "aibot_respond_update_msg"):
            await self._ack(ws, req_id)
        elif cmd == "aibot_upload_media_init":
            await self._upload_init(ws, req_id, body)
        elif cmd == "aibot_upload_media_chunk":
            await self._upload_chunk(ws, req_id, body)
        elif cmd == "aibot_upload_media_finish":
            await self._upload_finish(ws, req_id, body)
        else:
            await self._ack(ws, req_id, 40058, f"unknown cmd {cmd}")
        return bot

    async def _ack(
        self,
        ws: web.WebSocketResponse,
        req_id: str,
        errcode: int = 0,
        errmsg: str = "ok",
        body: dict[str, Any] | None = None,
    ) -> None:
        frame: dict[str, Any] = {
            "headers": {"req_id": req_id},
            "errcode": errcode,
            "errmsg": errmsg,
        }
        if body is not None:
            frame["body"] = body
        await ws.send_json(frame)

    async def _subscribe(
        self, ws: web.WebSocketResponse, req_id: str, body: dict[str, Any]
    ) -> str | None:
        bot_id, secret = str(body.get("bot_id", "")), str(body.get("secret", ""))
        if self.subscribe_errors:  # e.g. 45009, seen on subscribe in wecom-openclaw-plugin #48
            await self._ack(ws, req_id, *self.subscribe_errors.pop(0))
            await ws.close()
            return None
        if bot_id not in self.bots:
            await self._ack(ws, req_id, 93019, "invalid bot_id")
            await ws.close()
            return None
        if self.bots[bot_id] != secret:
            await self._ack(
                ws,
                req_id,
                853000,
                "signature is incorrect, please check if the bot secret is correct",
            )
            await ws.close()
            return None
        old = self.current.get(bot_id)
        self.current[bot_id] = ws
        self.subscriptions += 1
        await self._ack(ws, req_id)
        if old is not None and old is not ws and not old.closed:
            event = {
                "msgid": f"ev{next(self._ids)}",
                "create_time": int(time.time()),
                "aibotid": bot_id,
                "from": {"userid": ""},
                "msgtype": "event",
                "event": {"eventtype": "disconnected_event"},
            }
            await old.send_json(
                {"cmd": "aibot_event_callback", "headers": {"req_id": "ev"}, "body": event}
            )
            await old.close()
        return bot_id

    def _check_send(self, body: dict[str, Any]) -> tuple[int, str]:
        if self.send_errors:
            return self.send_errors.pop(0)
        msgtype = body.get("msgtype")
        if not body.get("chatid") or msgtype not in SEND_TYPES:
            return 40058, "invalid chatid or msgtype"
        if msgtype == "markdown":
            content = (body.get("markdown") or {}).get("content", "")
            if not content or len(content.encode()) > 20480:
                return 40058, "invalid markdown content"
        elif msgtype != "template_card":
            media_id = (body.get(msgtype) or {}).get("media_id", "")
            if media_id not in self.media:
                return 40007, "invalid media_id"
        return 0, "ok"

    async def _upload_init(
        self, ws: web.WebSocketResponse, req_id: str, body: dict[str, Any]
    ) -> None:
        total = body.get("total_chunks")
        if not isinstance(total, int) or not 1 <= total <= MAX_CHUNKS or not body.get("filename"):
            await self._ack(ws, req_id, 40058, "invalid upload init")
            return
        upload_id = f"up{next(self._ids)}"
        self.uploads[upload_id] = Upload(init=body)
        await self._ack(ws, req_id, body={"upload_id": upload_id})

    async def _upload_chunk(
        self, ws: web.WebSocketResponse, req_id: str, body: dict[str, Any]
    ) -> None:
        upload = self.uploads.get(str(body.get("upload_id")))
        index = body.get("chunk_index")
        data = base64.b64decode(str(body.get("base64_data", "")))
        if upload is None or not isinstance(index, int) or len(data) > MAX_CHUNK:
            await self._ack(ws, req_id, 40058, "invalid chunk")
            return
        if not 0 <= index < upload.init["total_chunks"]:
            await self._ack(ws, req_id, 40058, "chunk_index out of range")
            return
        upload.chunks[index] = data
        await self._ack(ws, req_id)

    async def _upload_finish(
        self, ws: web.WebSocketResponse, req_id: str, body: dict[str, Any]
    ) -> None:
        upload = self.uploads.pop(str(body.get("upload_id")), None)
        if upload is None or len(upload.chunks) != upload.init["total_chunks"]:
            await self._ack(ws, req_id, 40058, "upload incomplete")
            return
        data = b"".join(upload.chunks[i] for i in range(len(upload.chunks)))
        md5 = upload.init.get("md5")
        if len(data) != upload.init.get("total_size") or (
            md5 and md5 != hashlib.md5(data).hexdigest()
        ):
            await self._ack(ws, req_id, 40058, "size or md5 mismatch")
            return
        media_id = f"media{next(self._ids)}"
        self.media[media_id] = data
        created = str(int(time.time()))
        await self._ack(
            ws,
            req_id,
            body={"type": upload.init.get("type"), "media_id": media_id, "created_at": created},
        )


def b64(data: bytes) -> str:
    """Base64 text of `data`."""
    return base64.b64encode(data).decode("ascii")
