"""Rendering pages: Jinja2 templates (bot/web/templates) with every value autoescaped.

There is no inline script in any template, so the Content-Security-Policy can forbid it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from bot.domain.coverage import percent
from bot.web.context import Viewer, WebContext, ctx_of, viewer_of

NAV: tuple[tuple[str, str], ...] = (
    ("/", "总览"),
    ("/ranking", "排名"),
    ("/roster", "名册"),
    ("/content", "素材库"),
    ("/bulletins", "通报"),
    ("/tips", "线索"),
    ("/drives", "专项行动"),
    ("/trace", "倒查"),
    ("/warnings", "预警"),
    ("/cases", "发案"),
    ("/callbacks", "回访"),
    ("/audit", "审计日志"),
    ("/console", "模拟微信"),
)


def _minutes(value: float | None) -> str:
    return "—" if value is None else f"{value:g} 分钟"


def _pusher_list(pushers: Sequence[dict[str, Any]]) -> str:
    return "、".join(f"{p['name']} {p['phone']}".strip() for p in pushers)


ENV = Environment(
    loader=PackageLoader("bot.web", "templates"),
    autoescape=select_autoescape(("html",), default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters.update(minutes=_minutes, percent=percent, pusher_list=_pusher_list)


def render(template: str, **values: Any) -> str:
    """A template rendered to HTML (`csrf` and `town` default to empty for bare pages)."""
    values.setdefault("csrf", "")
    values.setdefault("town", "")
    return ENV.get_template(template).render(**values)


def html(text: str, status: int = 200) -> web.Response:
    """An HTML response."""
    return web.Response(text=text, content_type="text/html", status=status)


@dataclass(frozen=True)
class Badge:
    """The WeChat connection state shown on every page."""

    cls: str
    title: str
    text: str


def transport_badge(ctx: WebContext) -> Markup:
    """The WeChat connection state, on every page (the office must see a dropped account)."""
    if ctx.rt.simulator is not None:
        badge = Badge("sandbox", "内置模拟微信", "模拟微信")
    elif ctx.rt.transport.status.connected:
        status = ctx.rt.transport.status
        who = status.self_name or status.self_id or ""
        badge = Badge("ok", f"重连 {status.reconnects} 次", f"微信已连接 {who}")
    else:
        badge = Badge("down", ctx.rt.transport.status.last_error or "正在连接", "微信未连接")
    return Markup('<span class="conn {}" title="{}">{}</span>').format(
        badge.cls, badge.title, badge.text
    )


def _nav(ctx: WebContext, viewer: Viewer) -> list[tuple[str, str]]:
    links = []
    for href, label in NAV:
        if href == "/audit" and not viewer.can_audit:
            continue
        if href == "/console" and not (viewer.can_use_console and ctx.rt.simulator is not None):
            continue
        links.append((href, label))
    return links


def page(
    ctx: WebContext,
    viewer: Viewer,
    template: str,
    title: str,
    active: str,
    status: int = 200,
    **values: Any,
) -> web.Response:
    """A dashboard page: the template inside the layout with the navigation bar."""
    text = render(
        template,
        title=title,
        active=active,
        viewer=viewer,
        csrf=viewer.csrf,
        town=ctx.org.town,
        nav=_nav(ctx, viewer),
        badge=transport_badge(ctx),
        **values,
    )
    return html(text, status)


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    """An error shown inside the layout (or bare when nobody is logged in)."""
    try:
        viewer = viewer_of(request)
    except KeyError:
        return html(render("error.html", title="出错了", viewer=None, message=message), status)
    return page(ctx_of(request), viewer, "error.html", "出错了", "", status, message=message)
