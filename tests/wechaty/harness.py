"""Drive the Node Wechaty gateway (`tests/gateway/gateway.mjs`) from async tests.

The gateway is a real wechaty-puppet-service server in front of a wechaty-puppet-mock world.
It speaks one JSON object per line: commands on stdin, observed events on stdout (see the
header of gateway.mjs). `running_gateway()` starts it on a free port and stops it again;
`Gateway.next_event()` waits for an event by predicate with a timeout (no fixed sleeps);
`kill()` / `restart()` simulate a crash and a restart on the same port with the same world;
`reset()` makes a running gateway as new, so one process serves a whole test module.

Needs `node` on PATH and `npm ci` run in tests/gateway. Without them the gateway tests are
skipped, except under CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.wechaty.scenario import DEFAULT_WORLD, TOKEN, Event

GATEWAY_DIR = Path(__file__).resolve().parent.parent / "gateway"
GATEWAY_SCRIPT = GATEWAY_DIR / "gateway.mjs"


def gateway_missing_reason() -> str | None:
    """Why the gateway cannot run here (None: it can)."""
    if shutil.which("node") is None:
        return "找不到 node（需要 Node.js 20+ 在 PATH 上）"
    if not (GATEWAY_DIR / "node_modules").is_dir():
        return f"缺少 {GATEWAY_DIR / 'node_modules'}，请先在 tests/gateway 下运行 npm ci"
    return None


def require_gateway() -> None:
    """Skip the calling test when the gateway cannot run; under CI=true fail instead."""
    reason = gateway_missing_reason()
    if reason is None:
        return
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"CI 环境必须能运行 Wechaty 测试网关：{reason}")
    pytest.skip(f"跳过 Wechaty 网关测试：{reason}")


class GatewayError(RuntimeError):
    """The gateway reported an error, died, or did not answer in time."""


class Gateway:
    """One gateway process (restartable on the same port)."""

    def __init__(
        self,
        world: Mapping[str, Any] | None = None,
        *,
        token: str = TOKEN,
        tls: bool = False,
        ca_out: Path | None = None,
        port: int = 0,
    ) -> None:
        self.world = dict(world if world is not None else DEFAULT_WORLD)
        self.token = token
        self.tls = tls
        self.ca_out = ca_out
        self.port = port
        self.stderr: deque[str] = deque(maxlen=200)
        self._proc: asyncio.subprocess.Process | None = None
        self._readers: list[asyncio.Task[None]] = []
        self._events: list[Event] = []
        self._changed = asyncio.Condition()
        self._refs = itertools.count(1)
        self._exited = False

    @property
    def endpoint(self) -> str:
        """host:port to give the transport."""
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The running process id."""
        if self._proc is None:
            raise GatewayError("gateway is not running")
        return self._proc.pid

    # -- process ---------------------------------------------------------------------------

    async def start(self, timeout: float = 15.0) -> None:
        """Spawn node and wait for the "listening" line; learn the port if it was 0."""
        if self._proc is not None:
            raise GatewayError("gateway already running")
        argv = [
            "node",
            str(GATEWAY_SCRIPT),
            "--port",
            str(self.port),
            "--token",
            self.token,
            "--world",
            json.dumps(self.world, ensure_ascii=False),
        ]
        if self.tls:
            argv.append("--tls")
        if self.ca_out is not None:
            argv += ["--ca-out", str(self.ca_out)]
        self._events.clear()
        self._exited = False
        self._proc = await asyncio.create_subprocess_exec(
            *argv,
            cwd=GATEWAY_DIR,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            limit=64 * 1024 * 1024,  # "sent" lines carry whole files in base64
        )
        assert self._proc.stdout is not None and self._proc.stderr is not None
        self._readers = [
            asyncio.create_task(self._read_stdout(self._proc.stdout)),
            asyncio.create_task(self._read_stderr(self._proc.stderr)),
        ]
        try:
            listening = await self.next_event(
                lambda e: e.get("event") in ("listening", "error"), timeout=timeout
            )
        except BaseException:
            await self.kill()
            raise
        if listening["event"] == "error":
            await self.kill()
            raise GatewayError(f"gateway failed to start: {listening.get('message')}")
        self.port = int(listening["port"])

    async def kill(self) -> None:
        """SIGKILL (a crash): connections drop without goodbye."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        await proc.wait()
        await self._finish(proc)

    def freeze(self) -> None:
        """SIGSTOP: the process hangs with its sockets open (tests the watchdog)."""
        os.kill(self.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT after freeze()."""
        os.kill(self.pid, signal.SIGCONT)

    async def restart(self, timeout: float = 15.0) -> None:
        """Start a new process on the same port with the same world (after kill())."""
        if self._proc is not None:
            await self.kill()
        await self.start(timeout=timeout)

    async def reset(self, world: Mapping[str, Any] | None = None, timeout: float = 15.0) -> None:
        """Make the gateway as new: `world` (default: the small town) with no messages, and
        no unconsumed events. A gateway a test killed is started again, a frozen one thawed."""
        self.world = dict(world if world is not None else DEFAULT_WORLD)
        proc = self._proc
        if proc is None or proc.returncode is not None or self._exited:
            await self.kill()
            await self.start(timeout=timeout)
        else:
            self.thaw()
            await self.command({"cmd": "reset", "world": self.world}, timeout=timeout)
        self._events.clear()

    async def close(self, timeout: float = 5.0) -> None:
        """Ask the gateway to quit; kill it if it does not."""
        proc = self._proc
        if proc is None:
            return
        if proc.returncode is None and proc.stdin is not None:
            with contextlib.suppress(ConnectionError, OSError):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGCONT)  # in case a test froze it
                proc.stdin.write(b'{"cmd":"quit"}\n')
                await proc.stdin.drain()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), timeout)
        self._proc = None
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await self._finish(proc)

    async def _finish(self, proc: asyncio.subprocess.Process) -> None:
        if proc.stdin is not None:
            proc.stdin.close()
            with contextlib.suppress(ConnectionError, OSError):
                await proc.stdin.wait_closed()
        readers, self._readers = self._readers, []
        for task in readers:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, 5)

    async def _read_stdout(self, stream: asyncio.StreamReader) -> None:
        while True:
            line = await stream.readline()
            if not line:
                break
            try:
                event = json.loads(line)
            except ValueError:
                self.stderr.append(f"[stdout] {line.decode(errors='replace').rstrip()}")
                continue
            if isinstance(event, dict):
                async with self._changed:
                    self._events.append(event)
                    self._changed.notify_all()
        async with self._changed:
            self._exited = True
            self._changed.notify_all()

    async def _read_stderr(self, stream: asyncio.StreamReader) -> None:
        while True:
            line = await stream.readline()
            if not line:
                return
            self.stderr.append(line.decode(errors="replace").rstrip())

    # -- events ----------------------------------------------------------------------------

    async def next_event(self, predicate: Callable[[Event], bool], timeout: float = 10.0) -> Event:
        """The oldest unconsumed event matching `predicate` (consumed), waiting up to
        `timeout` seconds for it."""

        def take() -> Event | None:
            for i, event in enumerate(self._events):
                if predicate(event):
                    return self._events.pop(i)
            return None

        try:
            async with asyncio.timeout(timeout), self._changed:
                while True:
                    found = take()
                    if found is not None:
                        return found
                    if self._exited:
                        raise GatewayError(f"gateway exited; stderr tail:\n{self.log_tail()}")
                    await self._changed.wait()
        except TimeoutError:
            raise GatewayError(
                f"no matching gateway event within {timeout} s; unconsumed: "
                f"{[_short(e) for e in self._events]}; stderr tail:\n{self.log_tail()}"
            ) from None

    async def next_sent(self, timeout: float = 10.0, **match: Any) -> Event:
        """The next "sent" event (what the bot sent), optionally matching fields."""
        return await self.next_event(
            lambda e: e.get("event") == "sent" and all(e.get(k) == v for k, v in match.items()),
            timeout=timeout,
        )

    def pending(self) -> list[Event]:
        """Unconsumed events (for assertions that nothing else happened)."""
        return list(self._events)

    def log_tail(self, lines: int = 30) -> str:
        """The last lines the gateway wrote to stderr."""
        return "\n".join(list(self.stderr)[-lines:])

    # -- commands --------------------------------------------------------------------------

    async def command(self, cmd: Mapping[str, Any], timeout: float = 10.0) -> Event:
        """Send one command and wait for its ok (GatewayError on its error)."""
        proc = self._proc
        if proc is None or proc.stdin is None:
            raise GatewayError("gateway is not running")
        ref = next(self._refs)
        line = json.dumps({**cmd, "ref": ref}, ensure_ascii=False) + "\n"
        proc.stdin.write(line.encode())
        await proc.stdin.drain()
        reply = await self.next_event(
            lambda e: e.get("ref") == ref and e.get("event") in ("ok", "error"), timeout
        )
        if reply["event"] == "error":
            raise GatewayError(f"gateway command {cmd.get('cmd')} failed: {reply.get('message')}")
        return reply

    async def say(
        self, sender: str, text: str, room: str | None = None, mentions: list[str] | None = None
    ) -> str:
        """`sender` says `text` in `room` (None: privately to the bot); the message id."""
        reply = await self.command(
            {"cmd": "say", "from": sender, "room": room, "text": text, "mentions": mentions or []}
        )
        return str(reply["messageId"])

    async def send_image(
        self, sender: str, path: Path, room: str | None = None, name: str | None = None
    ) -> str:
        """`sender` sends an image file; the message id."""
        return await self._attachment("image", sender, path, room, name)

    async def send_file(
        self, sender: str, path: Path, room: str | None = None, name: str | None = None
    ) -> str:
        """`sender` sends a file attachment; the message id."""
        return await self._attachment("file", sender, path, room, name)

    async def _attachment(
        self, cmd: str, sender: str, path: Path, room: str | None, name: str | None
    ) -> str:
        reply = await self.command(
            {
                "cmd": cmd,
                "from": sender,
                "room": room,
                "path": str(path),
                "name": name or path.name,
            }
        )
        return str(reply["messageId"])

    async def send_link(
        self, sender: str, title: str, url: str, room: str | None = None, description: str = ""
    ) -> str:
        """`sender` shares a link card; the message id."""
        reply = await self.command(
            {
                "cmd": "link",
                "from": sender,
                "room": room,
                "title": title,
                "url": url,
                "description": description,
            }
        )
        return str(reply["messageId"])

    async def duplicate(self, message_id: str) -> None:
        """Emit the MESSAGE event of `message_id` once more."""
        await self.command({"cmd": "duplicate", "messageId": message_id})


def sent_bytes(event: Event) -> bytes:
    """The file bytes of a "sent" event of kind image/file."""
    return base64.b64decode(event["bytes_b64"])


def _short(event: Event) -> Event:
    return {k: (f"<{len(v)} chars>" if k == "bytes_b64" else v) for k, v in event.items()}


@asynccontextmanager
async def running_gateway(
    world: Mapping[str, Any] | None = None,
    *,
    token: str = TOKEN,
    tls: bool = False,
    ca_out: Path | None = None,
) -> AsyncIterator[Gateway]:
    """A started gateway (skips/fails first when node or node_modules is missing)."""
    require_gateway()
    gateway = Gateway(world, token=token, tls=tls, ca_out=ca_out)
    await gateway.start()
    try:
        yield gateway
    finally:
        await gateway.close()
