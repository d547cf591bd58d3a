"""The WeCom channel: customer groups through 客户群群发 tasks, the command group through the
smart robot (or a group-robot webhook for bulletins), members privately through app messages.

The bot cannot post into a customer group: it asks the group's owner (a grid member) to send
a task, and learns by polling what went out (`MassSender`). Everything else the app sends goes
to the command group or to a member. Ids are WeCom's own (userids, chat_ids); the bound
transport around this one maps them to the roster's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, timedelta
from pathlib import Path

from bot.clock import Clock, SystemClock
from bot.domain.model import IncomingMessage
from bot.settings import WecomSection
from bot.transport.base import (
    ContactInfo,
    MassReport,
    RoomInfo,
    TransportError,
    TransportStatus,
    until_stopped,
)
from bot.transport.wecom.appcallback import AppCallback, merged
from bot.transport.wecom.client import WecomClient
from bot.transport.wecom.crypto import WecomCrypto
from bot.transport.wecom.models import Attachment, Media
from bot.transport.wecom.robot import RobotChannel
from bot.transport.wecom.robot_frames import RobotSettings
from bot.transport.wecom.settings import WecomApiSettings

log = logging.getLogger("bot.transport.wecom")

MEDIA_LIFE = timedelta(days=3)


def api_settings(section: WecomSection) -> WecomApiSettings:
    """The API client's settings from the `[wecom]` config section."""
    return WecomApiSettings(
        corp_id=section.corp_id,
        secret=section.secret,
        agent_id=section.agent_id,
        base_url=section.base_url,
        webhook_key=section.webhook_key,
    )


def robot_settings(section: WecomSection) -> RobotSettings | None:
    """The smart robot's settings, None when no robot is configured."""
    if not (section.robot_bot_id and section.robot_secret):
        return None
    chat = section.command_chat_id
    return RobotSettings(
        bot_id=section.robot_bot_id,
        secret=section.robot_secret,
        command_chats={chat: chat} if chat else {},
        ws_url=section.robot_ws_url,
    )


def app_callback(section: WecomSection, clock: Clock) -> AppCallback | None:
    """The app's callback receiver when its Token and EncodingAESKey are configured."""
    if not (section.callback_token and section.callback_aes_key):
        return None
    crypto = WecomCrypto(section.callback_token, section.callback_aes_key, section.corp_id)
    tz = clock.now().tzinfo or UTC
    return AppCallback(
        crypto, section.callback_host, section.callback_port, section.callback_path, tz
    )


class WecomTransport:
    """Customer groups by 群发 task, the command group by robot or webhook."""

    name = "wecom"

    def __init__(
        self,
        section: WecomSection,
        command_name: str,
        owners: Sequence[str],
        client: WecomClient | None = None,
        robot: RobotChannel | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.section = section
        self.command_chat = section.command_chat_id
        self.command_name = command_name
        self.owners = tuple(owners)
        self.clock: Clock = clock or SystemClock()
        self.client = client or WecomClient(api_settings(section), clock=self.clock)
        self._media: dict[str, Media] = {}
        settings = robot_settings(section)
        self.robot = robot or (RobotChannel(settings) if settings else None)
        self.status = TransportStatus(self_id=section.robot_bot_id or section.corp_id)
        self.status.self_name = "企业微信"
        self._customer_groups: set[str] = set()
        self._idle: asyncio.Queue[IncomingMessage | None] = asyncio.Queue()
        self.callback = app_callback(section, self.clock)

    async def start(self) -> None:
        """Connect the robot (the API needs no connection; its token is fetched on use)."""
        if self.robot is not None:
            await self.robot.start()
        if self.callback is not None:
            await self.callback.start()
        self.status.connected = True

    async def stop(self) -> None:
        """Close the robot and the HTTP session."""
        if self.robot is not None:
            await self.robot.stop()
        if self.callback is not None:
            await self.callback.stop()
        self._idle.put_nowait(None)
        await self.client.close()
        self.status.connected = False

    def messages(self) -> AsyncIterator[IncomingMessage]:
        """Leaders' and members' messages to the robot, and members' replies in the app."""
        robot = self.robot.messages() if self.robot is not None else until_stopped(self._idle)
        if self.callback is None:
            return robot
        return merged(robot, until_stopped(self.callback.queue))

    async def send_text(
        self, conversation: str, text: str, mentions: Sequence[str] = ()
    ) -> str | None:
        """The command group by robot (or webhook); a member privately by app message (the
        robot's single chat when no app is configured)."""
        if conversation == self.command_chat or not self.command_chat:
            if self.robot is not None:
                # The text names everyone it @-mentions; the robot cannot notify them anyway.
                return await self.robot.send_text(conversation, text)
            if self.section.webhook_key:
                await self.client.webhook_send_text(text, mentions)
                return None
        if conversation in self._customer_groups:
            raise TransportError(
                f"客户群 {conversation} 只能通过群发任务发送：请把该群在名册中的 mode 设为 task"
            )
        if self.section.agent_id:
            result = await self.client.send_app_text([conversation], text)
            return result.msgid
        if self.robot is not None:
            # No self-built app: the smart robot's one-to-one chat with the member (aibot_send_msg
            # to the userid), where their replies come back in anyway.
            return await self.robot.send_text(conversation, text)
        log.warning("未配置自建应用（wecom.agent_id），给 %s 的私聊消息未发出", conversation)
        return None

    async def send_image(self, conversation: str, path: str) -> str | None:
        """A chart into the command group (robot upload, or the webhook's base64 image)."""
        if self.robot is not None:
            return await self.robot.send_image(conversation, path)
        if self.section.webhook_key:
            await self.client.webhook_send_image(Path(path).read_bytes())
            return None
        raise TransportError("未配置智能机器人或群机器人 webhook，图片无法发到指挥群")

    async def send_file(self, conversation: str, path: str) -> str | None:
        """A file into the command group (robot only)."""
        if self.robot is None:
            raise TransportError("未配置智能机器人，文件无法发到指挥群")
        return await self.robot.send_file(conversation, path)

    async def send_link(
        self, conversation: str, title: str, url: str, description: str = ""
    ) -> str | None:
        """A link as text."""
        return await self.send_text(conversation, f"{title}\n{url}\n{description}".strip())

    async def list_groups(self) -> list[RoomInfo]:
        """The command group and every customer group the roster's pushers own."""
        rooms = [RoomInfo(self.command_chat, self.command_name)] if self.command_chat else []
        for chat_id in await self.client.group_chat_ids(self.owners):
            chat = await self.client.group_chat(chat_id)
            rooms.append(RoomInfo(chat.chat_id, chat.name))
            self._customer_groups.add(chat.chat_id)
        return rooms

    async def group_members(self, group_id: str) -> list[ContactInfo]:
        """A customer group's members (residents included, by their WeChat names)."""
        if group_id == self.command_chat:
            return []
        chat = await self.client.group_chat(group_id)
        return [ContactInfo(m.userid, m.name, m.group_nickname) for m in chat.members]

    # -- MassSender ------------------------------------------------------------------------

    async def create_mass_task(
        self, sender: str, groups: Sequence[str], text: str, images: Sequence[str] = ()
    ) -> str:
        """One add_msg_template task for `sender` to their `groups`, posters attached."""
        attachments = [Attachment.image(media_id=await self._media_id(path)) for path in images]
        return await self.client.add_group_msg_task(sender, groups, text, attachments)

    async def _media_id(self, path: str) -> str:
        # A media_id lives 3 days: reuse an upload while it has at least an hour left.
        now = self.clock.now()
        cached = self._media.get(path)
        if cached is not None and now - cached.created_at < MEDIA_LIFE - timedelta(hours=1):
            return cached.media_id
        media = await self.client.upload_media(path, "image")
        self._media[path] = media
        return media.media_id

    async def mass_report(self, task_id: str, sender: str) -> MassReport:
        """Whether `sender` sent the task, and the groups reached (only sent ones come back)."""
        tasks = await self.client.group_msg_tasks(task_id)
        mine = next((t for t in tasks if t.userid == sender), None)
        if mine is None or not mine.sent:
            return MassReport(None)
        results = await self.client.group_msg_send_results(task_id, sender)
        delivered = tuple(
            (r.chat_id, r.send_time) for r in results if r.status == 1 and r.send_time
        )
        return MassReport(mine.send_time, delivered)

    async def remind_mass_task(self, task_id: str) -> None:
        """remind_groupmsg_send (WeCom allows 3 per task per 24 hours)."""
        await self.client.remind_group_msg(task_id)
