"""What the WeCom client returns and takes: small frozen dataclasses, never raw dicts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.clock import SHANGHAI

__all__ = [
    "AppSendResult",
    "Attachment",
    "GroupChat",
    "GroupMember",
    "Media",
    "SendResult",
    "TaskStatus",
    "from_epoch",
]

ATTACHMENT_TYPES = ("image", "link", "miniprogram", "video", "file")


def from_epoch(value: Any) -> datetime | None:
    """A WeCom timestamp (int or numeric string, seconds) as an aware Shanghai time; None if 0."""
    if value in (None, "", 0, "0"):
        return None
    return datetime.fromtimestamp(int(value), UTC).astimezone(SHANGHAI)


@dataclass(frozen=True)
class Attachment:
    """One add_msg_template attachment; build it with `image`, `link`, `video`, `file` or
    `miniprogram`."""

    msgtype: str
    fields: tuple[tuple[str, str], ...]

    @classmethod
    def image(cls, media_id: str = "", pic_url: str = "") -> Attachment:
        """An image by media_id (from media/upload, 3 days) or pic_url (from uploadimg)."""
        return cls("image", _present(media_id=media_id, pic_url=pic_url))

    @classmethod
    def link(cls, title: str, url: str, desc: str = "", picurl: str = "") -> Attachment:
        """A link card."""
        return cls("link", _present(title=title, url=url, desc=desc, picurl=picurl))

    @classmethod
    def video(cls, media_id: str) -> Attachment:
        """A video by media_id."""
        return cls("video", (("media_id", media_id),))

    @classmethod
    def file(cls, media_id: str) -> Attachment:
        """A file by media_id."""
        return cls("file", (("media_id", media_id),))

    @classmethod
    def miniprogram(cls, title: str, pic_media_id: str, appid: str, page: str) -> Attachment:
        """A mini-program card (the appid must be linked to the corp)."""
        return cls(
            "miniprogram",
            (("title", title), ("pic_media_id", pic_media_id), ("appid", appid), ("page", page)),
        )

    def payload(self) -> dict[str, Any]:
        """The JSON object WeCom expects in `attachments`."""
        return {"msgtype": self.msgtype, self.msgtype: dict(self.fields)}


def _present(**values: str) -> tuple[tuple[str, str], ...]:
    return tuple((k, v) for k, v in values.items() if v)


@dataclass(frozen=True)
class TaskStatus:
    """One member's part of a group-send task (get_groupmsg_task).

    Sources disagree on `status`: "0 未发送 / 2 已发送" or "0 未发送 / 1 已确认 / 2 已发送";
    both readings agree that 2 means sent, so only 2 counts as sent."""

    userid: str
    status: int
    send_time: datetime | None

    @property
    def sent(self) -> bool:
        """The member confirmed and the messages went out."""
        return self.status == 2

    @property
    def confirmed(self) -> bool:
        """The member acted on the task (1 in the 0/1/2 reading, or already sent)."""
        return self.status in (1, 2)


@dataclass(frozen=True)
class SendResult:
    """One customer group's delivery of a task (get_groupmsg_send_result).

    `status`: 0 未发送, 1 已发送, 2 非好友失败, 3 已收到其他群发失败. For group sends WeCom
    returns only sent rows."""

    chat_id: str
    status: int
    send_time: datetime | None
    userid: str = ""

    @property
    def sent(self) -> bool:
        """The group received the messages."""
        return self.status == 1


@dataclass(frozen=True)
class GroupMember:
    """A customer-group member: `type` 1 = WeCom member (grid worker), 2 = external (resident)."""

    userid: str
    type: int
    name: str = ""
    group_nickname: str = ""

    @property
    def internal(self) -> bool:
        """A member of the corp rather than a resident on WeChat."""
        return self.type == 1


@dataclass(frozen=True)
class GroupChat:
    """A customer group's details (groupchat/get with need_name=1)."""

    chat_id: str
    name: str
    owner: str
    members: list[GroupMember]
    member_version: str = ""
    create_time: datetime | None = None


@dataclass(frozen=True)
class Media:
    """An uploaded temporary media file; `media_id` works for 3 days after `created_at`."""

    media_id: str
    created_at: datetime
    type: str


@dataclass(frozen=True)
class AppSendResult:
    """What message/send reports: the message id and the recipients it could not reach."""

    msgid: str
    invalid_users: tuple[str, ...] = ()
