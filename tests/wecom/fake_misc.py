"""The fake's customer groups (groupchat/list, groupchat/get), temporary media (media/upload),
app messages (message/send) and the group-robot webhook (webhook/send).

WECOM.md §4, §5, §8, §9 and "How a faithful fake server should behave" 3, 6, 8, 10.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.wecom.fake_groupmsg import page
from tests.wecom.fake_server import Fail, Req, Route
from tests.wecom.fake_world import MB, SIZE_LIMITS

if TYPE_CHECKING:
    from tests.wecom.fake_server import FakeWecom


@dataclass
class StoredMedia:
    """An uploaded temporary media file."""

    media_id: str
    type: str
    filename: str
    data: bytes
    created: datetime


@dataclass
class AppMessage:
    """A message/send the fake accepted."""

    agentid: int
    touser: list[str]
    content: str
    at: datetime
    dropped: list[str] = field(default_factory=list)  # over 30/min: silently not delivered


@dataclass
class WebhookMessage:
    """A webhook/send the fake accepted."""

    key: str
    msgtype: str
    content: str = ""
    mentioned: list[str] = field(default_factory=list)
    image: bytes = b""


def app_messages(fake: FakeWecom) -> list[AppMessage]:
    """Accepted app messages, in order."""
    found: list[AppMessage] = fake.state.setdefault("app_messages", [])
    return found


def webhook_messages(fake: FakeWecom) -> list[WebhookMessage]:
    """Accepted webhook messages, in order."""
    found: list[WebhookMessage] = fake.state.setdefault("webhook_messages", [])
    return found


async def groupchat_list(fake: FakeWecom, req: Req) -> dict[str, Any]:
    """Customer groups of the given owners (in the app's visible range), paged by cursor."""
    assert req.app is not None
    limit = req.body.get("limit")
    if not isinstance(limit, int) or not 1 <= limit <= 1000:
        raise Fail(40058, "limit must be 1-1000")
    owners = (req.body.get("owner_filter") or {}).get("userid_list")
    if owners is not None and len(owners) > 100:
        raise Fail(40058, "owner_filter.userid_list exceed 100")
    visible = [u for u in fake.world.users if req.app.sees(u)]
    if owners is None and len(visible) > 1000:
        raise Fail(81017, "visible range exceed 1000")
    wanted = set(visible if owners is None else owners) & set(visible)
    status = int(req.body.get("status_filter") or 0)
    rows = [
        {"chat_id": g.chat_id, "status": g.status}
        for g in fake.world.groups
        if g.owner in wanted and (status == 0 or g.status == status)
    ]
    return page(fake, req, rows, "group_chat_list", default=limit, cap=1000)


async def groupchat_get(fake: FakeWecom, req: Req) -> dict[str, Any]:
    """A group's details; names only with need_name=1."""
    assert req.app is not None
    group = fake.world.group(str(req.body.get("chat_id") or ""))
    if group is None:
        raise Fail(40050, "chatid not found")
    if not req.app.sees(group.owner):
        raise Fail(48002, "api forbidden")
    need_name = req.body.get("need_name") == 1
    members = []
    for m in group.members:
        item: dict[str, Any] = {
            "userid": m.userid,
            "type": m.type,
            "join_time": m.join_time,
            "join_scene": 1,
            "group_nickname": m.group_nickname,
        }
        if need_name:
            item["name"] = m.name
        members.append(item)
    chat = {
        "chat_id": group.chat_id,
        "name": group.name,
        "owner": group.owner,
        "create_time": group.create_time,
        "notice": group.notice,
        "member_list": members,
        "admin_list": [],
        "member_version": group.member_version(),
    }
    return {"group_chat": chat}


_MAGIC = {"image": (b"\x89PNG", b"\xff\xd8\xff"), "voice": (b"#!AMR",)}


async def media_upload(fake: FakeWecom, req: Req) -> dict[str, Any]:
    """multipart field `media`; size and type checks; the media_id lives 3 days."""
    kind = req.query.get("type", "")
    if kind not in ("image", "voice", "video", "file"):
        raise Fail(40005, "invalid media type")
    part = await _media_part(req.request)
    data = part.file.read()
    if not data:
        raise Fail(44001, "empty media data")
    limit = fake.options.image_limit if kind == "image" else SIZE_LIMITS[kind]
    if len(data) <= 5 or len(data) > limit:
        raise Fail(40006, "invalid file size")
    magic = _MAGIC.get(kind)
    if (magic and not data.startswith(magic)) or (kind == "video" and data[4:8] != b"ftyp"):
        raise Fail(40004, "invalid media file type")
    media_id = "3" + secrets.token_urlsafe(40)
    now = fake.now()
    fake.state.setdefault("media", {})[media_id] = StoredMedia(
        media_id, kind, part.filename, data, now
    )
    return {"type": kind, "media_id": media_id, "created_at": str(int(now.timestamp()))}


async def _media_part(request: web.Request) -> web.FileField:
    if not request.content_type.startswith("multipart/"):
        raise Fail(41005, "media data missing")
    form = await request.post()
    part = form.get("media")
    if not isinstance(part, web.FileField):
        raise Fail(41005, "media data missing")
    return part


async def message_send(fake: FakeWecom, req: Req) -> dict[str, Any]:
    """An app message to members; invalid ones listed; >30/min/member silently dropped."""
    assert req.app is not None
    body = req.body
    if not req.app.agent_id or body.get("agentid") != req.app.agent_id:
        raise Fail(40056, "invalid agentid")
    touser = [u for u in str(body.get("touser") or "").split("|") if u]
    valid = [u for u in touser if u in fake.world.users and req.app.sees(u)]
    invalid = [u for u in touser if u not in valid]
    if not valid:
        raise Fail(81013, "user & party & tag all invalid")
    content = str((body.get("text") or {}).get("content") or "")
    content = content.encode("utf-8")[:2048].decode("utf-8", "ignore")
    now = fake.now()
    recent = [m for m in app_messages(fake) if now - m.at < timedelta(minutes=1)]
    dropped = [
        u
        for u in valid
        if sum(1 for m in recent if u in m.touser and u not in m.dropped)
        >= fake.options.app_msg_per_minute
    ]
    app_messages(fake).append(AppMessage(body["agentid"], valid, content, now, dropped))
    return {"invaliduser": "|".join(invalid), "msgid": secrets.token_hex(12)}


async def webhook_send(fake: FakeWecom, req: Req) -> dict[str, Any]:
    """The group robot: known key, ≤20 messages per minute, text ≤2048 bytes, image md5."""
    key = req.query.get("key", "")
    if key not in fake.world.webhook_keys:
        raise Fail(93000, "invalid webhook url")
    now = fake.now()
    times: dict[str, list[datetime]] = fake.state.setdefault("webhook_times", {})
    recent = [t for t in times.get(key, []) if now - t < timedelta(minutes=1)]
    if len(recent) >= fake.options.webhook_per_minute:
        raise Fail(45009, "api freq out of limit")
    message = _webhook_message(key, req.body)
    times[key] = [*recent, now]
    webhook_messages(fake).append(message)
    return {}


def _webhook_message(key: str, body: dict[str, Any]) -> WebhookMessage:
    kind = body.get("msgtype")
    if kind == "text":
        text = body.get("text") or {}
        content = str(text.get("content") or "")
        if not content or len(content.encode("utf-8")) > 2048:
            raise Fail(40058, "text.content must be 1-2048 bytes")
        return WebhookMessage(key, "text", content, list(text.get("mentioned_list") or []))
    if kind == "image":
        image = body.get("image") or {}
        try:
            raw = base64.b64decode(str(image.get("base64") or ""), validate=True)
        except binascii.Error as exc:
            raise Fail(40058, "invalid image base64") from exc
        if not raw or len(raw) > 2 * MB:
            raise Fail(40009, "invalid image size")
        if hashlib.md5(raw).hexdigest() != image.get("md5"):
            raise Fail(40058, "image md5 mismatch")
        return WebhookMessage(key, "image", image=raw)
    raise Fail(40008, "invalid message type")


ROUTES = {
    "externalcontact/groupchat/list": Route(groupchat_list, contact=True),
    "externalcontact/groupchat/get": Route(groupchat_get, contact=True),
    "media/upload": Route(media_upload, multipart=True),
    "message/send": Route(message_send),
    "webhook/send": Route(webhook_send, token=False),
}
