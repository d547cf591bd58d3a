"""Binding real rooms/contacts to the roster, and re-binding after ids change."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from bot.cli.status import status_text
from bot.clock import SimClock
from bot.config import Config
from bot.domain.binding import Binding, match
from bot.domain.model import ContactInfo, IncomingMessage, Org, RoomInfo
from bot.runtime import build
from bot.transport.base import TransportStatus


def rooms_for(town: Org, suffix: str) -> tuple[list[RoomInfo], dict[str, list[ContactInfo]]]:
    """The small town as a real account would see it: other ids, same topics and names."""
    rooms = [RoomInfo(f"{g.id}{suffix}@chatroom", g.name) for g in town.groups if g.id != "school"]
    members = {
        r.id: [
            ContactInfo(f"wxid_{m.wechat}{suffix}", f"微信昵称{i}", m.name)
            for i, m in enumerate(town.members_of(r.id.split(suffix)[0]))
        ]
        for r in rooms
    }
    return rooms, members


def test_match_by_topic_and_alias(town: Org) -> None:
    rooms, members = rooms_for(town, "-1")
    rooms.append(RoomInfo("other@chatroom", "广场舞群"))
    members["wj-1@chatroom"].append(ContactInfo("wxid_new", "新来的", "陌生人"))
    result = match(town, rooms, members)
    assert result.groups["lj1"] == Binding("lj1", "lj1-1@chatroom", "topic")
    assert result.members["lj1_h0"] == Binding("lj1_h0", "wxid_lj1_h0-1", "name")
    assert [r.topic for r in result.unmatched_rooms] == ["广场舞群"]
    assert [c.id for _, c in result.unmatched_contacts] == ["wxid_new"]
    assert "school" not in result.missing_groups  # evidence groups are never joined
    assert len(result.members) == len(town.members) - 3  # the bot never sees school parents


def test_ids_equal_to_roster_bind_by_id(town: Org) -> None:
    rooms = [RoomInfo(g.id, "改过的群名") for g in town.groups]
    members = {
        g.id: [ContactInfo(m.wechat, "x") for m in town.members_of(g.id)] for g in town.groups
    }
    result = match(town, rooms, members)
    assert result.groups["cmd"].via == "id"
    assert result.members["office"].via == "id"


def test_ambiguous_topic_is_not_guessed(town: Org) -> None:
    rooms, members = rooms_for(town, "-1")
    rooms.append(RoomInfo("dup@chatroom", "王家村村民群"))
    result = match(town, rooms, members)
    assert "wj" not in result.groups
    assert any("王家村村民群" in a for a in result.ambiguous)


class FakeAccount:
    """A recording stand-in for a real account whose ids change on re-login."""

    name = "fake"

    def __init__(self, town: Org, suffix: str) -> None:
        self.status = TransportStatus(connected=True, self_id="wxid_bot")
        self.rooms, self.members = rooms_for(town, suffix)
        self.sent: list[tuple[str, str, tuple[str, ...]]] = []
        self.inbox: list[IncomingMessage] = []

    async def start(self) -> None:
        self.status.connected = True

    async def stop(self) -> None:
        self.status.connected = False

    async def messages(self) -> AsyncIterator[IncomingMessage]:
        for msg in self.inbox:
            yield msg

    async def send_text(self, conversation: str, text: str, mentions: Sequence[str] = ()) -> str:
        self.sent.append((conversation, text, tuple(mentions)))
        return "id"

    async def send_image(self, conversation: str, path: str) -> str:
        return "id"

    async def send_file(self, conversation: str, path: str) -> str:
        return "id"

    async def send_link(
        self, conversation: str, title: str, url: str, description: str = ""
    ) -> str:
        return "id"

    async def list_groups(self) -> list[RoomInfo]:
        return self.rooms

    async def group_members(self, group_id: str) -> list[ContactInfo]:
        return self.members.get(group_id, [])


async def test_bound_transport_translates_and_rebinds(
    config: Config, clock: SimClock, town: Org
) -> None:
    account = FakeAccount(town, "-1")
    rt = build(config, clock, org=town, transport=account)  # type: ignore[arg-type]
    await rt.transport.start()
    account.inbox = [
        IncomingMessage(
            "1",
            clock.now(),
            "wxid_office-1",
            "推送\n【测试】请大家注意防范刷单诈骗。",
            "cmd-1@chatroom",
        ),
        IncomingMessage("2", clock.now(), "wxid_lj_p1-1", "收到", "cmd-1@chatroom"),
        IncomingMessage("3", clock.now(), "wxid_x", "收到", "other@chatroom"),
    ]
    async for msg in rt.transport.messages():
        await rt.app.handle(msg)
    await rt.app.settle()
    conversations = [c for c, _, _ in account.sent]
    assert conversations == ["cmd-1@chatroom", "lj-1@chatroom", "lj1-1@chatroom"]
    assert "wxid_lj_p1-1" in account.sent[0][2]  # mentions carry real contact ids
    assert rt.store.bindings()["group:lj"].transport_id == "lj-1@chatroom"

    # Re-login: every id changes. The stored bindings are replaced, not duplicated.
    fresh = FakeAccount(town, "-2")
    rt.transport.inner = fresh  # type: ignore[attr-defined]
    await rt.transport.rebind()  # type: ignore[attr-defined]
    bindings = rt.store.bindings()
    assert bindings["group:lj"].transport_id == "lj-2@chatroom"
    assert len(bindings) == 6 + len(town.members) - 3  # school parents are out of sight
    text = status_text(config)
    assert "已绑定：6 个群" in text
    rt.store.close()


def test_status_without_database(tmp_path: Path, config: Config) -> None:
    assert "尚未运行" in status_text(config)
