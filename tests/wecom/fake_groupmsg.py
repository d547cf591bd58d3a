"""The fake's customer-group mass send: add_msg_template, get_groupmsg_task,
get_groupmsg_send_result, remind_groupmsg_send, cancel_groupmsg_send, and the member's
confirmation as a test hook.

Rules (WECOM.md §2–3 and "How a faithful fake server should behave" 4, 5, 7): a task is
created per sender; nothing is sent until the member confirms; send results list only sent
groups; each group may receive a limited number of mass sends per window (the quota rule);
a task may be reminded 3 times per rolling 24 h.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tests.wecom.fake_server import Fail, Req, Route
from tests.wecom.fake_world import quota_window

if TYPE_CHECKING:
    from tests.wecom.fake_server import FakeWecom

ATTACHMENT_TYPES = ("image", "link", "miniprogram", "video", "file")
MEDIA_LIFE = timedelta(days=3)


@dataclass
class Row:
    """One send_result row: a group the member sent to (status 1) or one that failed (3)."""

    chat_id: str
    status: int
    send_time: datetime | None


@dataclass
class Task:
    """A group-send task (one sender)."""

    msgid: str
    sender: str
    chat_ids: list[str]
    text: str
    attachments: list[dict[str, Any]]
    created: datetime
    status: int = 0
    send_time: datetime | None = None
    cancelled: bool = False
    rows: list[Row] = field(default_factory=list)
    reminds: list[datetime] = field(default_factory=list)


def tasks(fake: FakeWecom) -> dict[str, Task]:
    """The fake's tasks by msgid."""
    found: dict[str, Task] = fake.state.setdefault("tasks", {})
    return found


def receipts(fake: FakeWecom) -> dict[str, list[datetime]]:
    """When each group received a mass send (for the quota)."""
    found: dict[str, list[datetime]] = fake.state.setdefault("receipts", {})
    return found


def quota_left(fake: FakeWecom, chat_id: str, now: datetime | None = None) -> int:
    """How many more mass sends the group may receive in the current window."""
    now = now or fake.now()
    start, end, cap = quota_window(fake.options.quota_rule, now)
    used = sum(1 for at in receipts(fake).get(chat_id, []) if start <= at < end)
    return max(0, cap - used)


# -- hooks -----------------------------------------------------------------------------------


def confirm(
    fake: FakeWecom,
    msgid: str,
    userid: str,
    chat_ids: list[str] | None = None,
    at: datetime | None = None,
) -> list[str]:
    """The member taps 发送 in WeCom: the task goes out to `chat_ids` (default all of it).
    Returns the groups that received it (groups over their quota do not)."""
    task = tasks(fake)[msgid]
    if task.cancelled:
        raise ValueError("task was cancelled")
    if task.sender != userid:
        raise ValueError(f"{userid} has no part in {msgid}")
    at = at or fake.now()
    chosen = task.chat_ids if chat_ids is None else [c for c in chat_ids if c in task.chat_ids]
    sent: list[str] = []
    for chat_id in chosen:
        if quota_left(fake, chat_id, at) > 0:
            receipts(fake).setdefault(chat_id, []).append(at)
            task.rows.append(Row(chat_id, 1, at))
            sent.append(chat_id)
        elif fake.options.quota_fail_rows:
            task.rows.append(Row(chat_id, 3, None))
    task.status, task.send_time = 2, at
    return sent


def acknowledge(fake: FakeWecom, msgid: str, userid: str) -> None:
    """The member opened and confirmed the task but it has not gone out (status 1 in the
    0/1/2 reading; invisible in the 0/2 reading)."""
    task = tasks(fake)[msgid]
    if task.sender == userid and task.status == 0 and fake.options.status_variant == "0/1/2":
        task.status = 1


# -- endpoints -------------------------------------------------------------------------------


async def add_msg_template(fake: FakeWecom, req: Req) -> dict[str, Any]:
    """Create a task; validate as WeCom does."""
    body = req.body
    chat_type = body.get("chat_type", "single")
    if chat_type not in ("single", "group"):
        raise Fail(86214, "invalid chat_type")
    sender = str(body.get("sender") or "")
    text = str((body.get("text") or {}).get("content") or "")
    attachments = list(body.get("attachments") or [])
    _check_content(fake, text, attachments)
    if chat_type == "group" and not sender:
        raise Fail(40058, "sender required for chat_type group")
    if sender:
        if sender not in fake.world.users:
            raise Fail(60111, "invalid userid")
        assert req.app is not None
        if not req.app.sees(sender):
            raise Fail(48002, "api forbidden")
    chat_ids = [str(c) for c in body.get("chat_id_list") or []]
    if len(chat_ids) > 2000:
        raise Fail(40058, "chat_id_list exceed 2000")
    if chat_type == "group":
        chat_ids = _sendable(fake, sender, chat_ids)
        if not chat_ids:
            raise Fail(41048, "no customer can be sent")
    msgid = "msg" + secrets.token_urlsafe(18)
    tasks(fake)[msgid] = Task(msgid, sender, chat_ids, text, attachments, fake.now())
    return {"fail_list": [], "msgid": msgid}


def _sendable(fake: FakeWecom, sender: str, chat_ids: list[str]) -> list[str]:
    owned = {g.chat_id for g in fake.world.groups if g.owner == sender}
    if not chat_ids:
        chat_ids = sorted(owned)
    return [c for c in dict.fromkeys(chat_ids) if c in owned and quota_left(fake, c) > 0]


def _check_content(fake: FakeWecom, text: str, attachments: list[Any]) -> None:
    if not text and not attachments:
        raise Fail(40063, "some parameters are empty")
    if len(text.encode("utf-8")) > 4000:
        raise Fail(40058, "text.content exceed 4000 bytes")
    if len(attachments) > 9:
        raise Fail(41064, "attachments count exceed limit")
    for item in attachments:
        kind = item.get("msgtype") if isinstance(item, dict) else None
        if kind not in ATTACHMENT_TYPES or not isinstance(item.get(kind), dict):
            raise Fail(41065, "invalid attachments msgtype")
        part = item[kind]
        if kind == "image":
            if part.get("media_id"):
                _check_media(fake, part["media_id"])
            elif not part.get("pic_url"):
                raise Fail(40058, "image media_id or pic_url required")
        elif kind in ("video", "file"):
            _check_media(fake, str(part.get("media_id") or ""))
        elif kind == "miniprogram":
            _check_media(fake, str(part.get("pic_media_id") or ""))
        elif not part.get("title") or not part.get("url"):
            raise Fail(40058, "link title and url required")


def _check_media(fake: FakeWecom, media_id: str) -> None:
    media = fake.state.get("media", {}).get(media_id)
    if media is None or fake.now() - media.created >= MEDIA_LIFE:
        raise Fail(40007, "invalid media_id")


def _task(fake: FakeWecom, req: Req) -> Task:
    msgid = str(req.body.get("msgid") or "")
    task = tasks(fake).get(msgid)
    if task is None:
        raise Fail(41047, "invalid msgid")
    return task


def _dispatching(fake: FakeWecom, task: Task) -> None:
    window = timedelta(seconds=fake.options.dispatch_window)
    if fake.now() - task.created < window:
        raise Fail(41063, "group msg is dispatching, please try later")


async def get_groupmsg_task(fake: FakeWecom, req: Req) -> dict[str, Any]:
    """Each member's status; send_time only once sent."""
    task = _task(fake, req)
    _dispatching(fake, task)
    row: dict[str, Any] = {"userid": task.sender, "status": task.status}
    if task.status == 2 and task.send_time is not None:
        row["send_time"] = int(task.send_time.timestamp())
    return page(fake, req, [row], "task_list", default=500, cap=1000)


async def get_groupmsg_send_result(fake: FakeWecom, req: Req) -> dict[str, Any]:
    """Only the groups the member has sent to (unsent groups are not returned)."""
    task = _task(fake, req)
    _dispatching(fake, task)
    userid = str(req.body.get("userid") or "")
    if not userid:
        raise Fail(40058, "userid required")
    rows = []
    for r in task.rows if userid == task.sender else []:
        item: dict[str, Any] = {"chat_id": r.chat_id, "userid": userid, "status": r.status}
        if r.status == 1 and r.send_time is not None:
            item["send_time"] = int(r.send_time.timestamp())
        rows.append(item)
    return page(fake, req, rows, "send_list", default=500, cap=1000)


async def remind_groupmsg_send(fake: FakeWecom, req: Req) -> dict[str, Any]:
    """Notify the members again: at most `remind_cap` times per rolling 24 h per msgid."""
    task = _task(fake, req)
    if task.cancelled:
        raise Fail(41093, "group msg has been cancelled")
    now = fake.now()
    task.reminds = [t for t in task.reminds if now - t < timedelta(hours=24)]
    if len(task.reminds) >= fake.options.remind_cap:
        raise Fail(41094, "remind group msg exceed limit")
    task.reminds.append(now)
    return {}


async def cancel_groupmsg_send(fake: FakeWecom, req: Req) -> dict[str, Any]:
    """Stop the unsent part; what was sent stays."""
    _task(fake, req).cancelled = True
    return {}


def page(
    fake: FakeWecom, req: Req, rows: list[Any], key: str, *, default: int, cap: int
) -> dict[str, Any]:
    """One page of `rows` by opaque cursor; an over-cap `limit` falls back to the default."""
    limit = req.body.get("limit")
    size = limit if isinstance(limit, int) and 0 < limit <= cap else default
    if fake.options.page_cap is not None:
        size = min(size, fake.options.page_cap)
    cursors: dict[str, int] = fake.state.setdefault("cursors", {})
    cursor = str(req.body.get("cursor") or "")
    if cursor and cursor not in cursors:
        raise Fail(40058, "invalid cursor")
    start = cursors.get(cursor, 0)
    end = start + size
    next_cursor = ""
    if end < len(rows):
        next_cursor = secrets.token_urlsafe(24)
        cursors[next_cursor] = end
    return {key: rows[start:end], "next_cursor": next_cursor}


ROUTES = {
    "externalcontact/add_msg_template": Route(add_msg_template, contact=True),
    "externalcontact/get_groupmsg_task": Route(get_groupmsg_task, contact=True),
    "externalcontact/get_groupmsg_send_result": Route(get_groupmsg_send_result, contact=True),
    "externalcontact/remind_groupmsg_send": Route(remind_groupmsg_send, contact=True),
    "externalcontact/cancel_groupmsg_send": Route(cancel_groupmsg_send, contact=True),
}
