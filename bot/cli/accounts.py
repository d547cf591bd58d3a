"""Running one account of several (`python -m bot run --account NAME`): leases on the
account's groups, the scheduler only in the process holding the scheduler lock."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from bot.config import Config, ConfigError
from bot.outbox.leases import GroupLeases
from bot.runtime import Runtime


def check_account_groups(config: Config, rt: Runtime) -> None:
    """The account's groups must be roster groups (named in a Chinese error otherwise)."""
    account = config.current_account
    assert account is not None
    unknown = [g for g in account.groups if rt.app.org.group(g) is None]
    if unknown:
        index = config.accounts.index(account) + 1
        raise ConfigError(
            [
                f"{config.source}：配置项 accounts[{index}].groups 中的群 "
                f"{'、'.join(unknown)} 不在名册中"
            ]
        )


class AccountService:
    """The lease keeper of one process, running beside the app."""

    def __init__(
        self,
        config: Config,
        rt: Runtime,
        start_scheduler: Callable[[], Awaitable[None]] | None = None,
        owner: str | None = None,
    ) -> None:
        account = config.current_account
        assert account is not None
        self.leases = GroupLeases(
            rt.store,
            rt.app.clock,
            account,
            lambda: rt.app.org,
            config.store.lease_seconds,
            owner=owner,
        )
        self.leases.on_scheduler = start_scheduler
        self.leases.install(rt.app.sender)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Claim the groups once (before the app sends anything), then renew in the
        background."""
        await self.leases.tick()
        self._tasks = [
            asyncio.create_task(self.leases.run(), name="leases"),
            asyncio.create_task(self.leases.poll(), name="outbox-poll"),
        ]

    async def stop(self) -> None:
        """Stop renewing and give the groups up."""
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.leases.release()
