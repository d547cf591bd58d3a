"""The public read-confirm page `/r/<token>`: a push's content on a phone, one button.

Outside the login: the token is the capability (an HMAC-signed push and group, see
`bot.domain.readlink`). Nothing personal is asked or shown. A tap is counted once per device
(a random id in a long-lived cookie, Secure behind an HTTPS proxy) and both page views and
taps are rate-limited per client address (behind a trusted proxy: the address it appended).
A bad, forged or edited token gets a Chinese 404 page, never an error.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from bot.chat.readlinks import UNHEARD_MODES, link_key
from bot.domain import readlink_texts as say
from bot.domain.model import Delivery, Push
from bot.domain.readlink import verify
from bot.web.context import WebContext, ctx_of
from bot.web.views.login import client_ip, is_secure
from bot.web.views.render import html, render

log = logging.getLogger("bot.web")

DEVICE_COOKIE = "fanzha_device"
DEVICE_SECONDS = 400 * 86_400  # browsers cap cookie lifetimes at 400 days
_DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_TRACKED = 10_000


class RateLimit:
    """At most `max_hits` per key (a client address) within a sliding window."""

    def __init__(
        self, max_hits: int, window_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_hits = max_hits
        self.window = window_seconds
        self._clock = clock
        self._hits: dict[str, list[float]] = {}

    def allow(self, key: str) -> bool:
        """Count a hit; False when the key is over its limit (the hit is not counted)."""
        now = self._clock()
        if len(self._hits) > MAX_TRACKED:
            cutoff = now - self.window
            self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > cutoff}
        recent = [t for t in self._hits.get(key, []) if t > now - self.window]
        if len(recent) >= self.max_hits:
            self._hits[key] = recent
            return False
        recent.append(now)
        self._hits[key] = recent
        return True


@dataclass
class ReadLimits:
    """Per-address limits of the public page. Generous: a village may share one carrier
    address (CGNAT), and a tap is only counted once per device anyway."""

    views: RateLimit = field(default_factory=lambda: RateLimit(120, 600.0))
    taps: RateLimit = field(default_factory=lambda: RateLimit(30, 600.0))


READ_LIMITS = web.AppKey("fanzha_read_limits", ReadLimits)


@dataclass(frozen=True)
class Target:
    """The push and delivery a valid token names."""

    push: Push
    delivery: Delivery


def _target(ctx: WebContext, token: str) -> Target | str:
    """What the token names, or the message for a page that cannot be shown."""
    app = ctx.rt.app
    if not ctx.config.web.public_url:
        return say.NOT_FOUND
    named = verify(link_key(app), token)
    push = app.store.get_push(named.push_id) if named else None
    if named is None or push is None:
        return say.NOT_FOUND
    if push.status != "open":
        return say.WITHDRAWN
    delivery = next(
        (d for d in app.store.deliveries(push.id) if d.group_id == named.group_id), None
    )
    return Target(push, delivery) if delivery is not None else say.NOT_FOUND


def _page(
    ctx: WebContext, status: int = 200, target: Target | None = None, **values: object
) -> web.Response:
    values.setdefault("message", "")
    values.setdefault("done", False)
    text = render(
        "read.html", title="反诈提醒", place=ctx.org.town, target=target, texts=say, **values
    )
    return html(text, status)


def _device(request: web.Request) -> str | None:
    value = request.cookies.get(DEVICE_COOKIE, "")
    return value if _DEVICE_ID.match(value) else None


async def read_page(request: web.Request) -> web.StreamResponse:
    """GET /r/<token>: the content and the button (or the thanks, for a device that tapped)."""
    ctx = ctx_of(request)
    if not request.app[READ_LIMITS].views.allow(client_ip(request)):
        return _page(ctx, 429, message=say.TOO_MANY)
    found = _target(ctx, request.match_info["token"])
    if isinstance(found, str):
        return _page(ctx, 404, message=found)
    device = _device(request)
    done = device is not None and ctx.rt.app.store.has_read_tap(found.push.id, device)
    return _page(ctx, target=found, done=done, message=say.ALREADY if done else "")


async def read_tap(request: web.Request) -> web.StreamResponse:
    """POST /r/<token>: count this device's tap as its group's 已阅 (once per device)."""
    ctx, limits = ctx_of(request), request.app[READ_LIMITS]
    ip = client_ip(request)
    if not limits.views.allow(ip):  # every request, so guessing tokens is throttled too
        return _page(ctx, 429, message=say.TOO_MANY)
    found = _target(ctx, request.match_info["token"])
    if isinstance(found, str):
        return _page(ctx, 404, message=found)
    if not limits.taps.allow(ip):
        log.warning("已阅确认过于频繁，已限制：来自 %s", ip)
        return _page(ctx, 429, target=found, message=say.TOO_MANY)
    device = _device(request) or secrets.token_urlsafe(18)
    d = found.delivery
    added = ctx.rt.app.store.add_read_tap(
        d.push_id, d.group_id, d.unit, device, d.mode not in UNHEARD_MODES, ctx.now()
    )
    response = _page(ctx, target=found, done=True, message=say.THANKS if added else say.ALREADY)
    response.set_cookie(
        DEVICE_COOKIE,
        device,
        max_age=DEVICE_SECONDS,
        path="/r/",
        httponly=True,
        samesite="Lax",
        secure=is_secure(request),
    )
    return response
