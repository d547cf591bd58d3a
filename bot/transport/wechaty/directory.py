"""Rooms, members and names: what the account can see, and the names to @-mention.

Names are cached per (room, contact) and forgotten on the service's dirty/room events.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from bot.settings import WechatySection
from bot.transport.base import ContactInfo, RoomInfo
from bot.transport.wechaty.errors import guarded, send_error
from bot.transport.wechaty.session import Session


class Directory:
    """Room and member listings over the live session, and a cache of mention names."""

    def __init__(self, settings: WechatySection, require: Callable[[], Session]) -> None:
        self.settings = settings
        self._require = require
        self._names: dict[tuple[str, str], str] = {}

    def forget(self) -> None:
        """Drop cached names (rooms or contacts changed on the service)."""
        self._names.clear()

    async def list_groups(self) -> list[RoomInfo]:
        """Rooms the bot account is in (room_list + room_payload)."""
        session = self._require()
        tls = self.settings.tls
        listing = await guarded("获取群列表", session.stub.room_list(), tls)
        rooms: list[RoomInfo] = []
        for room_id in listing.ids:
            payload = await guarded("获取群信息", session.stub.room_payload(id=room_id), tls)
            rooms.append(RoomInfo(room_id, payload.topic))
        return rooms

    async def group_members(self, group_id: str) -> list[ContactInfo]:
        """Members of one room, with their room nickname as `alias` where the service has one."""
        from grpclib.exceptions import GRPCError

        session = self._require()
        tls = self.settings.tls
        listing = await guarded("获取群成员", session.stub.room_member_list(id=group_id), tls)
        members: list[ContactInfo] = []
        for contact_id in listing.member_ids:
            name = ""
            alias = ""
            try:
                member = await session.stub.room_member_payload(id=group_id, member_id=contact_id)
                name, alias = member.name, member.room_alias
            except GRPCError:
                pass  # not every service implements RoomMemberPayload
            except Exception as exc:
                raise send_error("获取群成员", exc, tls) from exc
            if not name:
                contact = await guarded(
                    "获取联系人", session.stub.contact_payload(id=contact_id), tls
                )
                name = contact.name
            members.append(ContactInfo(contact_id, name or contact_id, alias))
            self._names[(group_id, contact_id)] = alias or name or contact_id
        return members

    async def mention_name(self, session: Session, room: str, contact_id: str) -> str:
        """The name to write after "@" for `contact_id` in `room` ("" when unknown)."""
        cached = self._names.get((room, contact_id))
        if cached is not None:
            return cached
        name = ""
        with contextlib.suppress(Exception):
            member = await session.stub.room_member_payload(id=room, member_id=contact_id)
            name = member.room_alias or member.name
        if not name:
            with contextlib.suppress(Exception):
                contact = await session.stub.contact_payload(id=contact_id)
                name = contact.name  # (contact.alias is the bot's private remark)
        if name:
            self._names[(room, contact_id)] = name
        return name
