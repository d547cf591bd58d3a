"""The contexts every inbound message builds directly (Context.of_message, speaking) equal
the dataclass's own: same fields, same values, so a field added later is not missed."""

from __future__ import annotations

from dataclasses import fields, replace

from bot.context import Context
from bot.runtime import Runtime


async def test_a_message_s_contexts_equal_the_dataclass_s(rt: Runtime) -> None:
    app = rt.app
    now = app.clock.now()
    member = app.org.member("wj_h0")
    assert member is not None
    plain = Context(app, now)
    fast = Context.of_message(app, now)
    assert fast == plain and type(fast) is Context
    assert {f.name for f in fields(Context)} == set(vars(fast))
    spoken = fast.speaking(member, "wj", "m1")
    assert spoken == replace(plain, member=member, reply_to="wj", message_id="m1")
    assert set(vars(spoken)) == set(vars(plain))
    assert spoken.options is fast.options and fast.options == {}
    assert Context.of_message(app, now).options is not fast.options  # not shared
