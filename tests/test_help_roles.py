"""帮助 per role: the 倒查, 下发预警, 预警 replies and 专项行动 parts reach only those who can
use them, and every example the help gives is understood by the code that handles it."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from bot.chat.queries import help_parts
from bot.clock import SHANGHAI
from bot.domain.drive_input import parse_drive_command
from bot.domain.model import Member, Role
from bot.domain.warnings import read_reply
from bot.nlp import commands
from bot.nlp.commands import HELP_TEXT, parse
from bot.runtime import Runtime
from bot.web.views.render import NAV
from tests import chat
from tests.conftest import small_town

README = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
POLICE = Member("赵警官", Role.SUPERVISOR, "派出所", "police", ("cmd",))
TRACE, ISSUE, REPLY, DRIVES = "【责任倒查】", "【下发预警】", "【预警劝阻单】", "【专项行动】"


def titles(text: str) -> list[str]:
    return [t for t in (TRACE, ISSUE, REPLY, DRIVES) if t in text]


def test_each_role_gets_the_parts_it_can_use() -> None:
    org = small_town()

    def parts(wechat: str) -> list[str]:
        member = org.member(wechat) or POLICE
        return titles(commands.help_text(help_parts(member, org)))

    assert parts("office") == [TRACE, DRIVES]
    assert parts("leader") == [TRACE, DRIVES]
    assert parts("lj_sup") == [TRACE, REPLY]  # a village supervisor: 倒查 own unit, assignee
    assert parts("police") == [TRACE, ISSUE, REPLY]
    assert parts("lj_p1") == [REPLY]
    assert titles(HELP_TEXT) == [TRACE, ISSUE, REPLY, DRIVES]  # the whole reference


async def test_help_in_chat_follows_the_speaker(rt: Runtime) -> None:
    (office,) = await chat.say(rt, "office", "帮助", "cmd")
    assert office.conversation == "cmd" and titles(office.text) == [TRACE, DRIVES]
    assert office.text.startswith("反诈群链机器人 · 使用说明")
    assert office.text.endswith("或引用那一期的公告回复“收到”。")
    (pusher,) = await chat.say(rt, "lj_p1", "帮助")
    assert pusher.conversation == "lj_p1" and titles(pusher.text) == [REPLY]
    assert "【推送】仅限办公室、领导使用" in pusher.text  # the common sections stay


def test_the_examples_in_the_help_work() -> None:
    examples = re.findall(r"例：(.+)", HELP_TEXT)
    drive = next(e for e in examples if e.startswith("专项行动"))
    now = datetime(2026, 12, 1, 9, tzinfo=SHANGHAI)
    made = parse_drive_command(drive, date(2026, 12, 1), now, "张主任")
    assert made is not None and made.title == "推广国家反诈中心APP"
    assert made.phrases[:2] == ("已安装", "已注册")
    issue = next(e for e in examples if e.startswith("预警 张三"))
    assert re.fullmatch(r"预警 张三 1\d{10} \S+", issue)
    trace = parse("倒查 张三")
    assert trace is not None and trace.name == "倒查"
    visit, call = read_reply("预警3 已上门劝阻"), read_reply("预警3 电话未接通")
    assert (visit.number, visit.method is not None, visit.result is not None) == (3, True, True)
    assert (call.number, call.method is not None, call.result is not None) == (3, True, True)
    feedback = next(e for e in examples if e.startswith("反馈："))
    assert read_reply(feedback).feedback == "本人已知晓是诈骗，未转账"
    signed = read_reply("预警3 收到")
    assert (signed.number, signed.ack) == (3, True)


def test_readme_lists_the_new_commands_and_every_page() -> None:
    table = README.split("### 群里的指令")[1].split("\n\n村民群里")[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    for command in ("倒查 张三", "预警 张三", "预警3 已上门劝阻", "反馈：", "专项行动 推广"):
        assert any(command in row for row in rows), command
    pages = README.split("### 页面")[1].split("\n### ")[0]
    for path, label in NAV:
        if path != "/console":  # the sandbox console has its own section
            assert f"- **{label}**" in pages, label
