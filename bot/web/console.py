"""The web console of a simulated network: a WeChat-like page to speak as any roster member.

Messages go in through `Simulator.message()` and `App.handle()` (the one entry point). The
page follows the transcript over Server-Sent Events: the stream keeps a cursor into
`Simulator.transcript` and is woken by the simulator's send listener and by console posts,
so it shows the bot's answers and what anyone else typed. On a real network there is no
simulator and the console answers 409.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiohttp import web

from bot.domain.model import ROLE_LABELS, MessageKind, Role
from bot.transport.base import ChatLine, Simulator, TransportError
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
from bot.web.views.render import page

PRIVATE = "private:"
HEARTBEAT_SECONDS = 15.0
MAX_IMAGE_BYTES = 10 * 1024 * 1024
IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def _simulator(ctx: WebContext, viewer: Viewer) -> Simulator:
    viewer.require(viewer.can_use_console, "使用模拟微信控制台（仅办公室和领导）")
    if ctx.rt.simulator is None:
        raise WebError(409, "模拟微信控制台只在 sandbox 通道下可用（当前连接的是真实微信）")
    return ctx.rt.simulator


def chat_of(sim: Simulator, line: ChatLine) -> str:
    """The conversation a transcript line belongs to: a group id or "private:<member>"."""
    peer = sim.private_peer(line)
    return line.conversation if peer is None else PRIVATE + peer


def line_json(sim: Simulator, seq: int, line: ChatLine) -> dict[str, Any]:
    """One transcript line for the page (`seq` is its index in the transcript)."""
    return {
        "seq": seq,
        "chat": chat_of(sim, line),
        "sender": line.sender,
        "sender_name": sim.name_of(line.sender),
        "from_bot": line.from_bot,
        "text": line.text,
        "kind": line.kind.value,
        "at": line.at.strftime("%H:%M:%S"),
    }


def _lines(sim: Simulator, since: int) -> list[dict[str, Any]]:
    return [
        line_json(sim, seq, line) for seq, line in enumerate(sim.transcript[since:], start=since)
    ]


def chats_json(ctx: WebContext, sim: Simulator) -> dict[str, Any]:
    """Groups the bot is in (with their members) and the members one can chat with."""
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
                "bot_inside": sim.has_room(g.id),
                "members": members,
            }
        )
    cadres = [
        {"wechat": m.wechat, "name": m.name, "role": ROLE_LABELS[m.role], "unit": m.unit or ""}
        for m in org.members
        if m.role is not Role.HOUSEHOLD
    ]
    return {
        "bot": sim.bot_name,
        "groups": groups,
        "private": cadres,
        "next": len(sim.transcript),
    }


async def console_page(request: web.Request) -> web.StreamResponse:
    """The console page; its JS loads chats from /api/console/chats and follows the stream."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    _simulator(ctx, viewer)
    return page(ctx, viewer, "console.html", "模拟微信", "/console")


async def api_chats(request: web.Request) -> web.StreamResponse:
    """GET /api/console/chats."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    return json_reply(chats_json(ctx, _simulator(ctx, viewer)))


async def api_history(request: web.Request) -> web.StreamResponse:
    """GET /api/console/history?since=N: transcript lines from N on."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    sim = _simulator(ctx, viewer)
    since = _int(request.query.get("since", "0"))
    return json_reply({"lines": _lines(sim, since), "next": len(sim.transcript)})


def _int(text: str) -> int:
    try:
        return max(0, int(text))
    except ValueError:
        raise WebError(400, f"参数“{text}”应为非负整数") from None


async def _read_send(request: web.Request) -> tuple[str, str, str, tuple[str, bytes] | None]:
    """chat, sender, text and the image (name, bytes) of a console post."""
    if request.content_type == "application/json":
        body = await read_json(request)
        chat, sender, text = (str(body.get(k, "")) for k in ("chat", "sender", "text"))
        return chat, sender, text, None
    form = await read_form(request)
    chat, sender, text = (str(form.get(k, "")) for k in ("chat", "sender", "text"))
    upload = form.get("image")
    if not isinstance(upload, web.FileField) or not upload.filename:
        return chat, sender, text, None
    data = upload.file.read()
    if len(data) > MAX_IMAGE_BYTES:
        raise WebError(400, "图片太大（最多 10 MB）")
    if not upload.filename.lower().endswith(IMAGE_TYPES):
        raise WebError(400, "只能发送图片（png、jpg、gif、webp）")
    return chat, sender, text, (upload.filename, data)


def _group_of(ctx: WebContext, sim: Simulator, chat: str, sender: str) -> str | None:
    """The group a console post goes to (None: privately), if `sender` may speak there."""
    member = ctx.org.member(sender)
    if member is None:
        raise WebError(400, f"名册中没有微信号为“{sender}”的人")
    if chat.startswith(PRIVATE):
        if chat[len(PRIVATE) :] != sender:
            raise WebError(400, "私聊只能以对话中的这个人发言")
        return None
    if not sim.has_room(chat):
        raise WebError(400, "机器人不在这个群里（截图佐证群），无法在此模拟发言")
    if chat not in member.groups:
        raise WebError(400, f"名册中{member.name}不在这个群里")
    return chat


async def api_send(request: web.Request) -> web.StreamResponse:
    """POST /api/console/send: JSON {chat, sender, text} or a form with an image."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    sim = _simulator(ctx, viewer)
    chat, sender, text, image = await _read_send(request)
    group = _group_of(ctx, sim, chat, sender)
    if image is None and not text.strip():
        raise WebError(400, "请输入消息或选择图片")
    try:
        if image is not None:
            msg = sim.message(
                sender, "", group, kind=MessageKind.IMAGE, data=image[1], filename=image[0]
            )
        else:
            msg = sim.message(sender, text.strip(), group)
    except TransportError as exc:
        raise WebError(400, str(exc)) from None
    ctx.notify_console()
    await ctx.rt.app.handle(msg)
    return json_reply({"ok": True, "id": msg.id, "next": len(sim.transcript)})


async def api_stream(request: web.Request) -> web.StreamResponse:
    """GET /api/console/stream: Server-Sent Events, one `line` event per transcript line."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    sim = _simulator(ctx, viewer)
    last = request.headers.get("Last-Event-ID")
    cursor = _int(last) + 1 if last else _int(request.query.get("since", str(len(sim.transcript))))
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
            lines = sim.transcript[cursor:]
            for seq, line in enumerate(lines, start=cursor):
                data = json.dumps(line_json(sim, seq, line), ensure_ascii=False)
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
