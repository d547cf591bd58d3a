"""Typed WeCom server-API calls for the customer-group channel.

One `WecomClient` per app secret: customer-group mass sends (create, track, remind, cancel),
customer groups, temporary media, app messages and the group-robot webhook. Results are the
dataclasses of `models.py`; failures are `WecomError`s whose text is Chinese.
"""

from __future__ import annotations

import base64
import hashlib
import io
import mimetypes
import random
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import aiohttp

from bot.clock import Clock
from bot.transport.wecom.api import Sleep, TokenCache, WecomApi
from bot.transport.wecom.errors import WecomConfigError, call_label, unreachable_error
from bot.transport.wecom.models import (
    AppSendResult,
    Attachment,
    GroupChat,
    GroupMember,
    Media,
    SendResult,
    TaskStatus,
    from_epoch,
)
from bot.transport.wecom.settings import WecomApiSettings

__all__ = ["MEDIA_TYPES", "OWNER_BATCH", "WecomClient"]

MEDIA_TYPES = ("image", "voice", "video", "file")
OWNER_BATCH = 100
"""groupchat/list takes at most 100 owners per call."""

_PAGE = 1000


class WecomClient:
    """The WeCom server API of one app (corp_id + secret), asynchronous.

    `session`: an aiohttp session to use (else one is opened and closed by `close()`);
    `clock`: time for token expiry and, unless `sleep` is given, the backoff waits;
    `tokens`: a token cache shared with other clients of the same process."""

    def __init__(
        self,
        settings: WecomApiSettings,
        session: aiohttp.ClientSession | None = None,
        *,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        tokens: TokenCache | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.api = WecomApi(settings, session, clock=clock, sleep=sleep, tokens=tokens, rng=rng)

    async def close(self) -> None:
        """Release the HTTP session (if this client opened it)."""
        await self.api.close()

    async def __aenter__(self) -> WecomClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- customer-group mass send ---------------------------------------------------------

    async def add_group_msg_task(
        self,
        sender: str,
        chat_ids: Sequence[str],
        text: str = "",
        attachments: Sequence[Attachment] = (),
    ) -> str:
        """Create a customer-group send task for `sender` to the groups `chat_ids`; return its
        msgid. Nothing is sent until the member confirms it in WeCom."""
        body: dict[str, Any] = {
            "chat_type": "group",
            "sender": sender,
            "chat_id_list": list(chat_ids),
        }
        if text:
            body["text"] = {"content": text}
        if attachments:
            body["attachments"] = [a.payload() for a in attachments]
        data = await self.api.call("externalcontact/add_msg_template", body=body)
        msgid = str(data.get("msgid") or "")
        if not msgid:
            raise unreachable_error("add_msg_template", "返回里没有 msgid")
        return msgid

    async def group_msg_tasks(self, msgid: str) -> list[TaskStatus]:
        """Each member's status for a task (all pages)."""
        rows = self._pages("externalcontact/get_groupmsg_task", {"msgid": msgid}, "task_list")
        return [
            TaskStatus(
                userid=str(r.get("userid", "")),
                status=int(r.get("status") or 0),
                send_time=from_epoch(r.get("send_time")),
            )
            async for r in rows
        ]

    async def group_msg_send_results(self, msgid: str, userid: str) -> list[SendResult]:
        """The groups `userid` has sent the task to (all pages). For group sends WeCom lists
        only sent groups: a group missing here has not received it."""
        body = {"msgid": msgid, "userid": userid}
        rows = self._pages("externalcontact/get_groupmsg_send_result", body, "send_list")
        return [
            SendResult(
                chat_id=str(r.get("chat_id", "")),
                status=int(r.get("status") or 0),
                send_time=from_epoch(r.get("send_time")),
                userid=str(r.get("userid", userid)),
            )
            async for r in rows
        ]

    async def remind_group_msg(self, msgid: str) -> None:
        """Notify the task's members again (WeCom allows 3 per task per 24 hours)."""
        await self.api.call("externalcontact/remind_groupmsg_send", body={"msgid": msgid})

    async def cancel_group_msg(self, msgid: str) -> None:
        """Stop the unsent part of a task (what was sent stays sent)."""
        await self.api.call("externalcontact/cancel_groupmsg_send", body={"msgid": msgid})

    # -- customer groups ------------------------------------------------------------------

    async def group_chat_ids(self, owner_userids: Sequence[str] | None = None) -> list[str]:
        """The chat_ids of the customer groups owned by `owner_userids` (None: every owner in
        the app's visible range; WeCom refuses that with 81017 beyond 1000 people)."""
        batches: list[Sequence[str] | None] = [None]
        if owner_userids is not None:
            owners = list(dict.fromkeys(owner_userids))
            batches = [owners[i : i + OWNER_BATCH] for i in range(0, len(owners), OWNER_BATCH)]
        seen: dict[str, None] = {}
        for batch in batches:
            body: dict[str, Any] = {"status_filter": 0}
            if batch is not None:
                body["owner_filter"] = {"userid_list": list(batch)}
            async for row in self._pages(
                "externalcontact/groupchat/list", body, "group_chat_list"
            ):
                seen.setdefault(str(row.get("chat_id", "")), None)
        return [chat_id for chat_id in seen if chat_id]

    async def group_chat(self, chat_id: str) -> GroupChat:
        """A customer group's name, owner and members (with names)."""
        data = await self.api.call(
            "externalcontact/groupchat/get", body={"chat_id": chat_id, "need_name": 1}
        )
        raw = data.get("group_chat") or {}
        members = [
            GroupMember(
                userid=str(m.get("userid", "")),
                type=int(m.get("type") or 0),
                name=str(m.get("name", "")),
                group_nickname=str(m.get("group_nickname", "")),
            )
            for m in raw.get("member_list") or []
        ]
        return GroupChat(
            chat_id=str(raw.get("chat_id", chat_id)),
            name=str(raw.get("name", "")),
            owner=str(raw.get("owner", "")),
            members=members,
            member_version=str(raw.get("member_version", "")),
            create_time=from_epoch(raw.get("create_time")),
        )

    # -- media, app messages, webhook -----------------------------------------------------

    async def upload_media(
        self, source: str | Path | bytes, type: str, filename: str | None = None
    ) -> Media:
        """Upload a temporary media file (image, voice, video, file); its media_id lasts 3 days."""
        if isinstance(source, bytes):
            content, name = source, filename or f"upload.{_default_ext(type)}"
        else:
            path = Path(source)
            content, name = path.read_bytes(), filename or path.name
        ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"

        def form() -> aiohttp.FormData:
            # Raw UTF-8 file name (not %-quoted): WeCom shows it as the file's name.
            data = aiohttp.FormData(quote_fields=False, charset="utf-8")
            data.add_field("media", io.BytesIO(content), filename=name, content_type=ctype)
            return data

        data = await self.api.call("media/upload", params={"type": type}, form=form)
        created = from_epoch(data.get("created_at")) or self.api.clock.now()
        return Media(str(data.get("media_id", "")), created, str(data.get("type", type)))

    async def send_app_text(self, userids: Sequence[str], text: str) -> AppSendResult:
        """Send an app message (escalations to supervisors) to WeCom members."""
        if not self.settings.agent_id:
            raise WecomConfigError(
                "message/send",
                None,
                "",
                f"企业微信接口{call_label('message/send')}无法调用："
                "未配置应用的 AgentId（wecom.agent_id）",
            )
        body = {
            "touser": "|".join(userids),
            "msgtype": "text",
            "agentid": self.settings.agent_id,
            "text": {"content": text},
        }
        data = await self.api.call("message/send", body=body)
        invalid = str(data.get("invaliduser") or "")
        return AppSendResult(str(data.get("msgid", "")), tuple(u for u in invalid.split("|") if u))

    async def webhook_send_text(self, text: str, mentioned: Sequence[str] = ()) -> None:
        """Post text to the group robot's group, @-mentioning userids ("@all" for everyone)."""
        content: dict[str, Any] = {"content": text}
        if mentioned:
            content["mentioned_list"] = list(mentioned)
        await self._webhook({"msgtype": "text", "text": content})

    async def webhook_send_image(self, png_bytes: bytes) -> None:
        """Post an image (JPG/PNG, ≤2 MB) to the group robot's group."""
        image = {
            "base64": base64.b64encode(png_bytes).decode("ascii"),
            "md5": hashlib.md5(png_bytes).hexdigest(),
        }
        await self._webhook({"msgtype": "image", "image": image})

    async def _webhook(self, body: Mapping[str, Any]) -> None:
        key = self.settings.webhook_key
        if not key:
            raise WecomConfigError(
                "webhook/send",
                None,
                "",
                f"企业微信接口{call_label('webhook/send')}无法调用：未配置群机器人 webhook key"
                "（wecom.webhook_key）",
            )
        await self.api.call("webhook/send", body=body, params={"key": key}, auth=False)

    async def _pages(
        self, cgi: str, body: Mapping[str, Any], key: str
    ) -> AsyncIterator[dict[str, Any]]:
        """Rows of every page, following `next_cursor` until it comes back empty."""
        cursor = ""
        seen: set[str] = set()
        while True:
            page = dict(body, limit=_PAGE)
            if cursor:
                page["cursor"] = cursor
            data = await self.api.call(cgi, body=page)
            for row in data.get(key) or []:
                yield row
            cursor = str(data.get("next_cursor") or "")
            if not cursor or cursor in seen:
                return
            seen.add(cursor)


def _default_ext(type: str) -> str:
    return {"image": "png", "voice": "amr", "video": "mp4"}.get(type, "bin")
