"""The terminal console of `python -m bot run` on the sandbox: speak as anyone, anywhere.

as 吴刚浩 in 李家村反诈宣传群: 收到  (a member speaks in a group)
as 高新林: 进度                      (a private chat with the bot)
as 谢琴国 图片 ./shot.png           (a private screenshot)
groups / who 李家村反诈宣传群 / help / quit
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Callable
from pathlib import Path

from bot.domain.model import ROLE_LABELS, MessageKind, Org, Role
from bot.transport.base import ChatLine, Simulator, TransportError

CONSOLE_HELP = """控制台用法：
  as 姓名 in 群名: 消息       以某成员身份在群里发言，例如  as 吴刚浩 in 李家村反诈宣传群: 收到
  as 姓名: 消息               以某成员身份私聊机器人，例如  as 高新林: 进度
  as 姓名 图片 文件路径        以某成员身份私聊发送截图
  groups                      列出所有群
  who 群名                    列出群成员（前 30 人）
  help                        显示本帮助
  quit                        退出"""

_AS = re.compile(
    r"^as\s+(?P<who>\S+?)(?:\s+in\s+(?P<group>[^:：]+?))?\s*[:：]\s*(?P<text>.*)$", re.S
)
_IMAGE = re.compile(r"^as\s+(?P<who>\S+)\s+图片\s+(?P<path>.+)$")


class Console:
    """Turns typed lines into simulated messages; prints what the bot says."""

    def __init__(
        self, org: Callable[[], Org], simulator: Simulator, write: Callable[[str], None]
    ) -> None:
        self._org = org
        self.simulator = simulator
        self.write = write
        simulator.subscribe(self._show)

    @property
    def org(self) -> Org:
        """The app's current roster (a roster imported on the web counts at once)."""
        return self._org()

    def _show(self, line: ChatLine) -> None:
        where = self.simulator.label(line.conversation)
        text = line.text.replace("\n", "\n    ")
        self.write(f"[{line.at:%H:%M:%S}] 机器人 → {where}：{text}")

    def _member(self, name: str, group: str | None) -> str:
        found = [m for m in self.org.members if name in (m.name, m.wechat)]
        if group is not None and len(found) > 1:
            found = [m for m in found if group in m.groups] or found
        if not found:
            raise ValueError(f"名册中没有“{name}”")
        if len(found) > 1:
            ids = "、".join(f"{m.wechat}（{m.unit}）" for m in found)
            raise ValueError(f"“{name}”有重名，请改用微信号：{ids}")
        return found[0].wechat

    def _group(self, name: str) -> str:
        for g in self.org.groups:
            if name.strip() in (g.id, g.name):
                return g.id
        raise ValueError(f"没有名为“{name.strip()}”的群，输入 groups 查看")

    async def feed(self, line: str) -> bool:
        """Handle one typed line; False when the user wants to quit."""
        line = line.strip()
        if not line:
            return True
        if line in ("quit", "exit", "退出"):
            return False
        try:
            await self._feed(line)
        except (ValueError, TransportError) as exc:
            self.write(f"⚠ {exc}")
        return True

    async def _feed(self, line: str) -> None:
        if line in ("help", "帮助?", "?"):
            self.write(CONSOLE_HELP)
            return
        if line == "groups":
            for g in self.org.groups:
                note = "" if self.simulator.has_room(g.id) else "（机器人不在群内，需截图佐证）"
                self.write(f"  {g.name}  [{g.id}]  {g.unit or ''}{note}")
            return
        if line.startswith("who "):
            gid = self._group(line[4:])
            members = self.org.members_of(gid)
            for m in members[:30]:
                self.write(f"  {m.name}（{ROLE_LABELS[m.role]}，{m.wechat}）")
            if len(members) > 30:
                self.write(f"  …共 {len(members)} 人")
            return
        if hit := _IMAGE.match(line):
            wechat = self._member(hit["who"], None)
            path = Path(hit["path"].strip())
            msg = self.simulator.message(
                wechat, "", None, kind=MessageKind.IMAGE, data=_image(path), filename=path.name
            )
            await self.simulator.inject(msg)
            return
        if hit := _AS.match(line):
            group = self._group(hit["group"]) if hit["group"] else None
            wechat = self._member(hit["who"], group)
            member = self.org.member(wechat)
            if group and member and group not in member.groups and member.role is Role.HOUSEHOLD:
                self.write("（提示：名册中此人不在该群）")
            await self.simulator.inject(self.simulator.message(wechat, hit["text"], group))
            return
        self.write("看不懂这条指令，输入 help 查看用法")


def _image(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ValueError(f"找不到图片文件 {path}") from None
    except IsADirectoryError:
        raise ValueError(f"{path} 是文件夹，不是图片文件") from None
    except OSError as exc:
        raise ValueError(f"无法读取图片文件 {path}（{exc.strerror or '读取失败'}）") from None


async def run_console(console: Console, stop: asyncio.Event) -> None:
    """Read stdin lines until EOF or quit, without blocking the event loop."""
    loop = asyncio.get_running_loop()
    console.write(CONSOLE_HELP)
    while not stop.is_set():
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        if not await console.feed(line):
            break
    stop.set()
