"""The terminal console of `python -m bot run`: typed lines become sandbox messages."""

from __future__ import annotations

from bot.cli.console import Console
from bot.runtime import Runtime


async def feed(rt: Runtime, console: Console, line: str) -> None:
    assert await console.feed(line)
    for msg in rt.simulator.take_injected():
        await rt.app.handle(msg)
    await rt.app.settle()


async def test_console_speaks_as_members_and_shows_answers(rt: Runtime) -> None:
    out: list[str] = []
    console = Console(lambda: rt.app.org, rt.simulator, out.append)
    await feed(rt, console, "as 张主任 in 指挥群: 推送\n【测试】请防范冒充客服诈骗。")
    assert any("机器人 → 指挥群：【第1期】测试" in line for line in out)
    await feed(rt, console, "as 王网格员 in 指挥群: 收到")
    assert any("机器人 → 王家村村民群：【反诈提醒】测试" in line for line in out)
    await feed(rt, console, "as 王户1 in 王家村村民群: 收到了")
    shown = len(out)
    await feed(rt, console, "as 刘书记: 进度")
    assert any("私聊·刘书记" in line and "回执：1/18 户" in line for line in out[shown:])
    assert not await console.feed("quit")
    # Everything the bot sent was shown on the console, first line included.
    sent = rt.simulator.pop_sent()
    assert [s.conversation for s in sent] == ["cmd", "wj", "leader"]
    assert all(any(s.text.splitlines()[0] in line for line in out) for s in sent)


async def test_console_explains_mistakes(rt: Runtime) -> None:
    out: list[str] = []
    console = Console(lambda: rt.app.org, rt.simulator, out.append)
    await console.feed("as 不存在的人: 你好")
    await console.feed("as 张主任 in 没有的群: 你好")
    await console.feed("随便打的字")
    await console.feed("groups")
    assert "名册中没有“不存在的人”" in out[0]
    assert "没有名为“没有的群”的群" in out[1]
    assert "help" in out[2]
    assert any("中心小学家长群" in line and "截图佐证" in line for line in out[3:])
    rt.simulator.pop_sent()
