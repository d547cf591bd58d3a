"""The sandbox web console: a WeChat-like page to speak as any roster member.

Messages go in through `SandboxTransport.message()` and `App.handle()` (the one entry
point). The page follows the sandbox transcript over Server-Sent Events: the stream keeps
a cursor into `world.transcript` and is woken by the transport's send listener and by
console posts, so it shows the bot's answers and what anyone else typed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiohttp import web

from bot.domain.model import ROLE_LABELS, MessageKind, Role
from bot.transport.base import TransportError
from bot.transport.sandbox import ChatLine, SandboxWorld
from bot.web.context import (
    Viewer,
    WebContext,
    WebError,
    ctx_of,
    json_reply,
    read_form,
    read_json,
    viewer_of,
)
from bot.web.pages import page

PRIVATE = "private:"
HEARTBEAT_SECONDS = 15.0
MAX_IMAGE_BYTES = 10 * 1024 * 1024
IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def _world(ctx: WebContext, viewer: Viewer) -> SandboxWorld:
    viewer.require(viewer.can_use_console, "使用模拟微信控制台（仅办公室和领导）")
    if ctx.rt.world is None:
        raise WebError(409, "模拟微信控制台只在 sandbox 通道下可用（当前连接的是真实微信）")
    return ctx.rt.world


def chat_of(world: SandboxWorld, line: ChatLine) -> str:
    """The conversation a transcript line belongs to: a group id or "private:<member>"."""
    if line.conversation == SandboxWorld.BOT:
        return PRIVATE + line.sender  # a member writing privately to the bot
    if line.conversation in world.rooms:
        return line.conversation
    return PRIVATE + line.conversation  # the bot answering a member privately


def line_json(world: SandboxWorld, seq: int, line: ChatLine) -> dict[str, Any]:
    """One transcript line for the page (`seq` is its index in the transcript)."""
    return {
        "seq": seq,
        "chat": chat_of(world, line),
        "sender": line.sender,
        "sender_name": world.names.get(line.sender, line.sender),
        "from_bot": line.from_bot,
        "text": line.text,
        "kind": line.kind.value,
        "at": line.at.strftime("%H:%M:%S"),
    }


def _lines(world: SandboxWorld, since: int) -> list[dict[str, Any]]:
    return [
        line_json(world, seq, line)
        for seq, line in enumerate(world.transcript[since:], start=since)
    ]


def chats_json(ctx: WebContext) -> dict[str, Any]:
    """Groups the bot is in (with their members) and the members one can chat with."""
    world = ctx.rt.world
    assert world is not None
    org = ctx.org
    groups = []
    for g in org.groups:
        members = [
            {
                "wechat": m.wechat,
                "name": m.name,
                "role": ROLE_LABELS[m.role],
                "unit": m.unit or "",
            }
            for m in org.members_of(g.id)
        ]
        groups.append(
            {
                "id": g.id,
                "name": g.name,
                "unit": g.unit or "",
                "bot_inside": g.id in world.rooms,
                "members": members,
            }
        )
    cadres = [
        {"wechat": m.wechat, "name": m.name, "role": ROLE_LABELS[m.role], "unit": m.unit or ""}
        for m in org.members
        if m.role is not Role.HOUSEHOLD
    ]
    return {
        "bot": world.bot_name,
        "groups": groups,
        "private": cadres,
        "next": len(world.transcript),
    }


async def console_page(request: web.Request) -> web.StreamResponse:
    """The console page; its JS loads chats from /api/console/chats and follows the stream."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    _world(ctx, viewer)
    content = (
        '<p class="hint">在这里扮演名册中的任何人（网格员、村民、领导……）在群里或私聊中发言，'
        "看机器人如何回应。用于演示和培训；消息照常计入数据库。</p>"
        '<div id="console" class="console">'
        '<aside class="chats"><h2>群聊</h2><ul id="chat-groups"></ul>'
        '<h2>私聊机器人</h2><ul id="chat-private"></ul></aside>'
        '<section class="chat"><header id="chat-title">请选择左侧的群</header>'
        '<ol id="messages" class="messages" aria-live="polite"></ol>'
        '<form id="composer" class="composer">'
        '<label>发言人<select id="sender" name="sender" required></select></label>'
        '<textarea id="text" name="text" rows="2" placeholder="输入消息，如：收到"></textarea>'
        '<label class="file">图片<input id="image" name="image" type="file" accept="image/*">'
        "</label>"
        '<button type="submit" id="send">发送</button>'
        '<p id="composer-error" class="error" role="alert" hidden></p></form>'
        "</section></div>"
    )
    return page(ctx, viewer, "模拟微信", content, "/console")


async def api_chats(request: web.Request) -> web.StreamResponse:
    """GET /api/console/chats."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    _world(ctx, viewer)
    return json_reply(chats_json(ctx))


async def api_history(request: web.Request) -> web.StreamResponse:
    """GET /api/console/history?since=N: transcript lines from N on."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    world = _world(ctx, viewer)
    since = _int(request.query.get("since", "0"))
    return json_reply({"lines": _lines(world, since), "next": len(world.transcript)})


def _int(text: str) -> int:
    try:
        return max(0, int(text))
    except ValueError:
        raise WebError(400, f"参数“{text}”应为非负整数") from None


async def api_send(request: web.Request) -> web.StreamResponse:
    """POST /api/console/send: JSON {chat, sender, text} or a form with an image."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    world = _world(ctx, viewer)
    image: tuple[str, bytes] | None = None
    if request.content_type == "application/json":
        body = await read_json(request)
        chat, sender, text = (str(body.get(k, "")) for k in ("chat", "sender", "text"))
    else:
        form = await read_form(request)
        chat, sender, text = (str(form.get(k, "")) for k in ("chat", "sender", "text"))
        upload = form.get("image")
        if isinstance(upload, web.FileField) and upload.filename:
            data = upload.file.read()
            if len(data) > MAX_IMAGE_BYTES:
                raise WebError(400, "图片太大（最多 10 MB）")
            if not upload.filename.lower().endswith(IMAGE_TYPES):
                raise WebError(400, "只能发送图片（png、jpg、gif、webp）")
            image = (upload.filename, data)
    member = ctx.org.member(sender)
    if member is None:
        raise WebError(400, f"名册中没有微信号为“{sender}”的人")
    group: str | None = None
    if chat.startswith(PRIVATE):
        if chat[len(PRIVATE) :] != sender:
            raise WebError(400, "私聊只能以对话中的这个人发言")
    else:
        if chat not in world.rooms:
            raise WebError(400, "机器人不在这个群里（截图佐证群），无法在此模拟发言")
        if chat not in member.groups:
            raise WebError(400, f"名册中{member.name}不在这个群里")
        group = chat
    if image is None and not text.strip():
        raise WebError(400, "请输入消息或选择图片")
    sandbox = ctx.rt.sandbox
    try:
        if image is not None:
            msg = sandbox.message(
                sender, "", group, kind=MessageKind.IMAGE, data=image[1], filename=image[0]
            )
        else:
            msg = sandbox.message(sender, text.strip(), group)
    except TransportError as exc:
        raise WebError(400, str(exc)) from None
    ctx.notify_console()
    await ctx.rt.app.handle(msg)
    return json_reply({"ok": True, "id": msg.id, "next": len(world.transcript)})


async def api_stream(request: web.Request) -> web.StreamResponse:
    """GET /api/console/stream: Server-Sent Events, one `line` event per transcript line."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    world = _world(ctx, viewer)
    last = request.headers.get("Last-Event-ID")
    cursor = (
        _int(last) + 1 if last else _int(request.query.get("since", str(len(world.transcript))))
    )
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    wake = asyncio.Event()
    ctx.stream_waiters.add(wake)
    try:
        await response.write(b"retry: 2000\n\n")
        while not ctx.closing:
            # Clear before reading, so a line appended meanwhile wakes the next wait.
            wake.clear()
            lines = world.transcript[cursor:]
            for seq, line in enumerate(lines, start=cursor):
                data = json.dumps(line_json(world, seq, line), ensure_ascii=False)
                await response.write(f"id: {seq}\nevent: line\ndata: {data}\n\n".encode())
            cursor += len(lines)
            try:
                await asyncio.wait_for(wake.wait(), HEARTBEAT_SECONDS)
            except TimeoutError:
                await response.write(b": ping\n\n")
    except ConnectionResetError:
        return response  # the browser went away
    finally:
        ctx.stream_waiters.discard(wake)
    with contextlib.suppress(ConnectionResetError):
        await response.write_eof()
    return response
