"""Fixtures of the gateway tests: one Node gateway per test module, reset before each test.

Starting the gateway costs about a second; a reset (a new world, no messages, no
unconsumed events) costs milliseconds. The module-scoped gateway lives in the module's
event loop, so the tests and async fixtures that use it run with `loop_scope="module"`
(each gateway test module sets `pytest.mark.asyncio(loop_scope="module")`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from bot.transport.wechaty import WechatyTransport
from tests.wechaty.harness import Gateway, running_gateway
from tests.wechaty.scenario import settings_for


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_gateway() -> AsyncIterator[Gateway]:
    """The module's gateway process (skips/fails first when node or node_modules is missing)."""
    async with running_gateway() as gw:
        yield gw


@pytest_asyncio.fixture(loop_scope="module")
async def gateway(shared_gateway: Gateway) -> Gateway:
    """The module's gateway, reset to the small town with no messages and no events."""
    await shared_gateway.reset()
    return shared_gateway


@pytest_asyncio.fixture(loop_scope="module")
async def transport(gateway: Gateway) -> AsyncIterator[WechatyTransport]:
    """A transport logged in to `gateway`."""
    t = WechatyTransport(settings_for(gateway))
    await t.start()
    try:
        yield t
    finally:
        await t.stop()
