"""The WeCom channel end to end: the bot on `bot.transport = "wecom"` against the fake WeCom
server (HTTP) and the fake smart-robot server (WebSocket), with the roster bound to the
corp's customer groups by name.

push → one 群发 task per grid member → two members confirm, one does not → 进度 → 催办
reminds only the laggard's task → 日报 into the robot group; a token invalidated mid-way,
WeCom unreachable for a while, a restart in the middle of polling.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.clock import SimClock
from bot.config import Config
from bot.domain.model import Group, Level, Member, Mode, Org, Role
from bot.formats.orgdump import dump_org
from bot.runtime import Runtime, build
from bot.schedule import jobs
from tests.conftest import make_config
from tests.webclient import PNG
from tests.wecom.conftest import AGENT_ID, APP_SECRET, CORP, START, town_world
from tests.wecom.fake_robot import FakeRobotServer
from tests.wecom.fake_server import FakeWecom
from tests.wecom.fake_world import FakeGroup, FakeMember, World

BOT, ROBOT_SECRET, COMMAND_CHAT = "aib-town", "robot-secret", "wrcmd"
NOTICE = "推送\n【警惕刷单返利诈骗】所有刷单都是诈骗！遇到可疑情况请拨打96110咨询。"


def roster() -> Org:
    """The town as the office writes it: village groups named as in WeCom, mode task."""
    G, M, T = Group, Member, Mode.TASK
    groups = (
        G("cmd", "镇反诈指挥群", Level.COMMAND, None, None),
        G("lj1a", "李家村一网格1群", Level.VILLAGE, "cmd", "李家村", T),
        G("lj1b", "李家村一网格2群", Level.VILLAGE, "cmd", "李家村", T),
        G("lj2a", "李家村二网格群", Level.VILLAGE, "cmd", "李家村", T),
        G("wj1", "王家村群", Level.VILLAGE, "cmd", "王家村", T),
    )
    members = (
        M("张主任", Role.OFFICE, None, "office", ("cmd",)),
        M("刘书记", Role.LEADER, None, "leader", ("cmd",)),
        M("李一", Role.PUSHER, "李家村", "li1", ("cmd", "lj1a", "lj1b")),
        M("李二", Role.PUSHER, "李家村", "li2", ("cmd", "lj2a")),
        M("王网格员", Role.PUSHER, "王家村", "wang", ("cmd", "wj1")),
        *(M(f"户{i}", Role.HOUSEHOLD, "李家村", f"h{i}", ("lj1a",)) for i in range(3)),
        M("王户", Role.HOUSEHOLD, "王家村", "wh0", ("wj1",)),
    )
    return Org("测试镇", groups, members)


@dataclass
class Town:
    """The running bot and the two fakes it talks to."""

    rt: Runtime
    wecom: FakeWecom
    robot: FakeRobotServer
    config: Config
    clock: SimClock

    async def say(self, userid: str, text: str) -> None:
        """`userid` @-mentions the robot in the command group; wait until it is handled."""
        before = self.rt.store.message_count()
        await self.robot.group_message(BOT, COMMAND_CHAT, userid, f"@反诈助手 {text}")
        await self.robot.wait_for(lambda: self.rt.store.message_count() > before)
        await self.rt.app.settle()

    def robot_texts(self) -> list[str]:
        """What the bot posted into the command group, in order."""
        return [
            b["markdown"]["content"] for b in self.robot.sent("aibot_send_msg") if "markdown" in b
        ]

    async def sync(self) -> None:
        """One poll of the 群发 tasks, and the sends it leads to."""
        await self.rt.app.settle()

    def msgid(self, userid: str) -> str:
        """The WeCom task id of this member's task for push 1."""
        task = next(t for t in self.rt.store.mass_tasks(1) if t.member == userid)
        assert task.task_id is not None
        return task.task_id


def wecom_config(tmp: Path, wecom_url: str, robot_url: str) -> Config:
    base = make_config(tmp)
    return replace(
        base,
        bot=replace(base.bot, transport="wecom"),
        wecom=replace(
            base.wecom,
            corp_id=CORP,
            secret=APP_SECRET,  # a self-built app in 可调用应用: 群发 and app messages
            agent_id=AGENT_ID,
            base_url=wecom_url,
            robot_bot_id=BOT,
            robot_secret=ROBOT_SECRET,
            robot_ws_url=robot_url,
            command_chat_id=COMMAND_CHAT,
        ),
    )


def corp() -> World:
    """The fake corp: the grid members' customer groups, and the leader as a member too."""
    world = town_world()
    world.users.append("leader")
    return world


@pytest.fixture
async def town(tmp_path: Path) -> AsyncIterator[Town]:
    clock = SimClock(START)
    wecom = FakeWecom(corp(), clock.now)
    robot = FakeRobotServer({BOT: ROBOT_SECRET})
    config = wecom_config(tmp_path, await wecom.start(), await robot.start())
    rt = build(config, clock, org=roster(), live=True)
    await rt.app.start()
    town = Town(rt, wecom, robot, config, clock)
    yield town
    await town.rt.app.stop()  # tests may restart the bot: stop the one running now
    town.rt.store.close()
    await robot.close()
    await wecom.stop()


async def test_push_tasks_progress_remind_and_daily(town: Town) -> None:
    rt = town.rt
    assert {b.transport_id for k, b in rt.store.bindings().items() if k.startswith("group:")} >= {
        "wrlj1a",
        "wrlj1b",
        "wrlj2a",
        "wrwj1",
        COMMAND_CHAT,
    }
    await town.say("office", NOTICE)
    assert town.robot_texts()[0].startswith("【第1期】警惕刷单返利诈骗")
    tasks = {t.member: t for t in rt.store.mass_tasks(1)}
    assert {m: t.state for m, t in tasks.items()} == dict.fromkeys(
        ("li1", "li2", "wang"), "created"
    )
    sent_to = {m: town.wecom.task(t.task_id).chat_ids for m, t in tasks.items() if t.task_id}
    assert sorted(sent_to["li1"]) == ["wrlj1a", "wrlj1b"]

    town.clock.advance(15 * 60)
    town.wecom.confirm(town.msgid("li1"), "li1", ["wrlj1a"])  # picks one of its two groups
    town.wecom.confirm(town.msgid("li2"), "li2")
    town.wecom.invalidate_tokens()  # WeCom drops the token early: the poll must not notice
    await town.sync()
    await town.sync()  # polling twice counts nothing twice
    cov = rt.app.coverage(rt.store.get_push(1)).as_json()  # type: ignore[arg-type]
    assert (cov["sign_rate"], cov["delivery_rate"]) == (round(2 / 3, 4), 0.5)
    assert cov["median_sign_minutes"] == 15.0

    await town.say("leader", "进度")
    progress = town.robot_texts()[-1]
    assert "签收：2/3 人" in progress and "送达群：2/4 个" in progress and "回执：—" in progress

    await town.say("leader", "催办")
    await town.sync()
    reminded = {m: len(town.wecom.task(town.msgid(m)).reminds) for m in ("li1", "li2", "wang")}
    assert reminded == {"li1": 0, "li2": 0, "wang": 1}  # only the task nobody sent
    assert "@王网格员" in town.robot_texts()[-1] and "@李一" in town.robot_texts()[-1]

    # After the deadline: 督办 in the command group, and the leader briefed by app message.
    ctx = replace(rt.app.context(town.clock.now()), options={"push_id": 1})
    await jobs.deadline_escalation(ctx)
    await rt.app.settle()
    assert town.robot_texts()[-1].startswith("【督办】第1期")
    (brief,) = town.wecom.app_messages
    assert brief.touser == ["leader"] and "【督办汇总】第1期" in brief.content

    await jobs.daily_bulletin(rt.app.context(town.clock.now()))
    await rt.app.settle()
    await town.robot.wait_for(lambda: any("日报" in t for t in town.robot_texts()))
    assert town.robot.sent("aibot_upload_media_finish")  # the chart went up as an image


async def test_unreachable_wecom_loses_nothing_and_a_restart_counts_nothing_twice(
    town: Town, tmp_path: Path
) -> None:
    await town.wecom.stop()  # WeCom unreachable: the push still starts, its tasks wait
    await town.say("office", NOTICE)
    assert {t.state for t in town.rt.store.mass_tasks(1)} == {"pending"}
    url = await town.wecom.start()  # the same corp comes back (on a new port)
    await town.rt.app.stop()
    town.rt.store.close()
    config = replace(town.config, wecom=replace(town.config.wecom, base_url=url))
    rt = build(config, town.clock, org=roster(), live=True)
    await rt.app.start()
    town.rt, town.config = rt, config
    await town.sync()
    assert {t.state for t in rt.store.mass_tasks(1)} == {"created"}
    town.wecom.confirm(town.msgid("wang"), "wang")
    await town.sync()
    signed = len(rt.store.signatures(1))
    # Restart in the middle of polling: the new process polls the same reports again.
    await rt.app.stop()
    rt.store.close()
    again = build(config, town.clock, org=roster(), live=True)
    await again.app.start()
    town.rt = again
    await town.sync()
    assert len(again.store.signatures(1)) == signed == 1
    assert [d.group_id for d in again.store.deliveries(1) if d.delivered_at] == ["wj1"]


async def test_wecom_sync_binds_by_name_and_lists_what_does_not_match(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = SimClock(START)
    world = town_world()
    # A group 李一 made that the roster does not list yet.
    world.groups.append(FakeGroup("wrnew", "李家村新建群", "li1", [FakeMember("li1", 1, "李一")]))
    wecom = FakeWecom(world, clock.now)
    url = await wecom.start()
    (tmp_path / "org.toml").write_text(dump_org(roster()), "utf-8")
    (tmp_path / "config.toml").write_text(
        f'[bot]\ntransport = "wecom"\norg = "org.toml"\ndata_dir = "data"\n'
        f'[wecom]\ncorp_id = "{CORP}"\nsecret = "{APP_SECRET}"\nbase_url = "{url}"\n'
        'webhook_key = "hook-key-0001"\n',
        "utf-8",
    )
    args = ["wecom-sync", "--config", str(tmp_path / "config.toml")]
    try:
        assert await asyncio.to_thread(main, args) == 0  # the CLI runs its own event loop
    finally:
        await wecom.stop()
    out = capsys.readouterr().out
    assert "绑定 4 个群" in out
    assert "未匹配的微信群（名册里没有）：" in out and "李家村新建群（wrnew）" in out
    assert "名册里的群在微信中未找到：镇反诈指挥群" in out


async def test_posters_go_with_the_task_and_uploads_are_reused_for_three_days(
    tmp_path: Path,
) -> None:
    content = tmp_path / "content"
    (content / "posters").mkdir(parents=True)
    (content / "posters" / "shuadan.png").write_bytes(PNG)
    (content / "001.md").write_text(
        '+++\nid = 1\ntitle = "刷单就是诈骗"\nfraud_types = ["刷单返利"]\naudiences = ["村民"]\n'
        'media = ["posters/shuadan.png"]\n+++\n所有刷单都是诈骗！遇到可疑情况请拨打96110。\n',
        "utf-8",
    )
    clock = SimClock(START)
    wecom = FakeWecom(town_world(), clock.now)
    robot = FakeRobotServer({BOT: ROBOT_SECRET})
    config = wecom_config(tmp_path, await wecom.start(), await robot.start())
    config = replace(config, bot=replace(config.bot, content_dir=str(content)))
    rt = build(config, clock, org=roster(), live=True)
    await rt.app.start()
    town = Town(rt, wecom, robot, config, clock)
    try:
        await town.say("office", "推送 素材1")
        first = town.wecom.task(town.msgid("li1"))
        (poster,) = first.attachments
        assert poster["msgtype"] == "image" and poster["image"]["media_id"]
        uploads = sum(1 for c in wecom.calls if c.cgi == "media/upload")
        assert uploads == 1  # one upload serves all three members' tasks
        sends = [c for c in wecom.calls if c.cgi == "externalcontact/add_msg_template"]
        assert len(sends) == 3  # one task per member, never twice
        clock.advance(2 * 24 * 3600)
        await town.say("office", "推送 素材1")
        assert sum(1 for c in wecom.calls if c.cgi == "media/upload") == 1
        clock.advance(24 * 3600)  # the media_id would expire: upload again
        await town.say("office", "推送 素材1")
        assert sum(1 for c in wecom.calls if c.cgi == "media/upload") == 2
        assert all(
            c.errcode == 0 for c in wecom.calls if c.cgi == "externalcontact/add_msg_template"
        )
    finally:
        await rt.app.stop()
        rt.store.close()
        await robot.close()
        await wecom.stop()
