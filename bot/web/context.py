"""What every dashboard handler needs: the running bot, the logins and who is asking."""

from __future__ import annotations

import asyncio
import functools
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web
from multidict import MultiDictProxy

from bot.clock import Clock
from bot.config import Config, WebUser
from bot.domain.model import Member, Org, Role
from bot.web.auth import WEB_ROLE_LABELS, DefaultLogin, LoginLimiter, Session, SessionCodec

if TYPE_CHECKING:
    from bot.formats.rosterfile import RosterImport
    from bot.runtime import Runtime


class WebError(Exception):
    """A request that cannot be served; the message is shown to the user as is."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Viewer:
    """A logged-in dashboard user and what their role lets them see and do."""

    user: WebUser
    session: Session
    csrf: str

    @property
    def name(self) -> str:
        """The login name."""
        return self.user.name

    @property
    def role(self) -> str:
        """office, leader, supervisor or police (派出所)."""
        return self.user.role

    @property
    def unit(self) -> str | None:
        """The one unit a supervisor sees; None for office and leaders (they see all)."""
        return (self.user.unit or None) if self.role == "supervisor" else None

    @property
    def label(self) -> str:
        """ "张主任（办公室）" / "李网格长（监督员·李家村）"."""
        role = WEB_ROLE_LABELS.get(self.role, self.role)
        return f"{self.name}（{role}·{self.unit}）" if self.unit else f"{self.name}（{role}）"

    def sees_unit(self, unit: str | None) -> bool:
        """Whether rows of this unit are visible."""
        return self.unit is None or unit == self.unit

    @property
    def can_push(self) -> bool:
        """Office and leaders start pushes (as in chat)."""
        return self.role in ("office", "leader")

    @property
    def can_manage_roster(self) -> bool:
        """Only the office imports the roster."""
        return self.role == "office"

    @property
    def sees_phones(self) -> bool:
        """Only the office sees full phone numbers."""
        return self.role == "office"

    @property
    def is_police(self) -> bool:
        """A 派出所 login: sees every unit, starts no pushes, manages no roster."""
        return self.role == "police"

    @property
    def can_audit(self) -> bool:
        """The audit log is for the office and leaders."""
        return self.role in ("office", "leader")

    @property
    def can_use_console(self) -> bool:
        """The console speaks as anyone, so only office and leaders may use it."""
        return self.role in ("office", "leader")

    def as_member(self) -> Member:
        """The roster-like actor `App.create_push` records as creator."""
        role = Role.LEADER if self.role == "leader" else Role.OFFICE
        return Member(name=self.name, role=role, unit=None, wechat=f"web:{self.name}")

    def require(self, allowed: bool, what: str) -> None:
        """Raise 403 naming what this role may not do."""
        if not allowed:
            raise WebError(403, f"您的账号（{self.label}）无权{what}")


@dataclass
class PendingImport:
    """A checked roster upload waiting for the office to confirm it."""

    owner: str
    result: RosterImport


@dataclass
class WebContext:
    """Shared state of one dashboard app (one per process)."""

    rt: Runtime
    config: Config
    clock: Clock
    users: dict[str, WebUser]
    codec: SessionCodec
    limiter: LoginLimiter
    default_login: DefaultLogin | None = None
    dummy_hash: str = ""
    pending_imports: dict[str, PendingImport] = field(default_factory=dict)
    # Checked uploads of other workflows waiting to be confirmed: workflow → token → upload.
    pending_workflows: dict[str, dict[str, Any]] = field(default_factory=dict)
    stream_waiters: set[asyncio.Event] = field(default_factory=set)
    closing: bool = False

    @property
    def org(self) -> Org:
        """The current roster (following an import or restore made from the CLI)."""
        self.rt.app.reload_roster()
        return self.rt.app.org

    def now(self) -> datetime:
        """The app's time (simulated in tests and demos)."""
        return self.clock.now()

    def stage_import(self, owner: str, result: RosterImport) -> str:
        """Keep a checked roster upload until confirmed; returns its token."""
        return _stage(self.pending_imports, PendingImport(owner, result))

    def stage_upload(self, workflow: str, held: Any) -> str:
        """Keep another workflow's checked upload (it has an `owner`) until confirmed."""
        return _stage(self.pending_workflows.setdefault(workflow, {}), held)

    def notify_console(self) -> None:
        """Wake every open console stream (new transcript lines)."""
        for event in self.stream_waiters:
            event.set()


CTX = web.AppKey("fanzha_web", WebContext)
VIEWER = web.RequestKey("fanzha_viewer", Viewer)


_dumps = functools.partial(json.dumps, ensure_ascii=False)


def json_reply(data: Any, status: int = 200) -> web.Response:
    """A JSON response with Chinese left readable (no \\u escapes)."""
    return web.json_response(data, status=status, dumps=_dumps)


def ctx_of(request: web.Request) -> WebContext:
    """The dashboard context of a request."""
    return request.app[CTX]


def viewer_of(request: web.Request) -> Viewer:
    """The logged-in user of a request (the auth middleware guarantees one)."""
    return request[VIEWER]


MAX_ID = 2**63 - 1  # SQLite's largest integer; a longer number cannot name a stored row


def path_id(request: web.Request, key: str, what: str) -> int:
    """A numeric path part (the router already checked the digits); 404 past any stored id."""
    text = request.match_info[key]
    value = int(text)
    if value > MAX_ID:
        raise WebError(404, f"找不到编号为 {text[:30]} 的{what}")
    return value


async def read_form(
    request: web.Request,
) -> MultiDictProxy[str | bytes | bytearray | web.FileField]:
    """The posted form; 400 in Chinese when the body is not a readable form."""
    try:
        return await request.post()
    except (ValueError, AssertionError, LookupError):
        # aiohttp raises these for a missing boundary, a cut-off body, bad percent-escapes
        # or bytes that are not UTF-8.
        raise WebError(400, "提交的表单数据格式不正确，无法读取") from None


async def read_json(request: web.Request) -> dict[str, Any]:
    """The posted JSON object; 415/400 in Chinese for another type or broken JSON."""
    if request.content_type != "application/json":
        raise WebError(415, "请求体应为 JSON（Content-Type: application/json）")
    try:
        body = await request.json()
    except ValueError:
        raise WebError(400, "请求体不是有效的 JSON") from None
    except RecursionError:
        raise WebError(400, "请求体的 JSON 嵌套层数过多") from None
    if not isinstance(body, dict):
        raise WebError(400, "请求体应为 JSON 对象")
    return body


async def uploaded_file(request: web.Request, field: str = "file") -> tuple[str, bytes]:
    """The file posted in a multipart form field: (filename, bytes); 400 if there is none."""
    form = await read_form(request)
    upload = form.get(field)
    if not isinstance(upload, web.FileField):
        raise WebError(400, f"请在表单字段 {field} 中上传名册文件（.xlsx 或 .csv）")
    return upload.filename, upload.file.read()


def _stage(pending: dict[str, Any], held: Any) -> str:
    # One pending upload per user and workflow: a new preview replaces the old one.
    for token, old in list(pending.items()):
        if old.owner == held.owner:
            del pending[token]
    token = secrets.token_urlsafe(16)
    pending[token] = held
    return token
