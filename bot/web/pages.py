"""The dashboard's HTML pages, rendered on the server (the JS only refreshes and chats).

Every value that reaches the HTML goes through `e()` (html.escape); there is no inline
script, so the Content-Security-Policy can forbid it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web

from bot.domain.coverage import percent
from bot.domain.texts import PERIOD_LABELS
from bot.web import actions, dashboard
from bot.web.context import (
    Viewer,
    WebContext,
    WebError,
    ctx_of,
    path_id,
    read_form,
    viewer_of,
)

log = logging.getLogger("bot.web")

NAV: tuple[tuple[str, str], ...] = (
    ("/", "总览"),
    ("/ranking", "排名"),
    ("/roster", "名册"),
    ("/content", "素材库"),
    ("/bulletins", "通报"),
    ("/audit", "审计日志"),
    ("/console", "模拟微信"),
)
METRICS = (("sign", "签收"), ("delivery", "送达群"), ("reach", "覆盖户"), ("ack", "回执"))


def e(value: object) -> str:
    """HTML-escape any value (None → empty)."""
    return "" if value is None else escape(str(value), quote=True)


def csrf_field(viewer: Viewer) -> str:
    """The hidden CSRF input every form carries."""
    return f'<input type="hidden" name="csrf" value="{e(viewer.csrf)}">'


def document(title: str, body: str, csrf: str = "", town: str = "") -> str:
    """A whole HTML document (zh-CN) around `body`."""
    meta = f'<meta name="csrf-token" content="{e(csrf)}">' if csrf else ""
    heading = f"{e(town)} · " if town else ""
    return (
        '<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"{meta}<title>{e(title)} · {heading}反诈群链机器人</title>"
        '<link rel="stylesheet" href="/static/app.css">'
        '<script src="/static/app.js" defer></script></head>'
        f"<body>{body}</body></html>"
    )


def transport_badge(ctx: WebContext) -> str:
    """The WeChat connection state, on every page (the office must see a dropped account)."""
    if ctx.rt.world is not None:
        return '<span class="conn sandbox" title="内置模拟微信">模拟微信</span>'
    status = ctx.rt.transport.status
    if status.connected:
        who = status.self_name or status.self_id or ""
        return (
            f'<span class="conn ok" title="重连 {status.reconnects} 次">微信已连接 {e(who)}</span>'
        )
    why = status.last_error or "正在连接"
    return f'<span class="conn down" title="{e(why)}">微信未连接</span>'


def page(
    ctx: WebContext, viewer: Viewer, title: str, content: str, active: str, status: int = 200
) -> web.Response:
    """A dashboard page with the navigation bar."""
    links = []
    for href, label in NAV:
        if href == "/audit" and not viewer.can_audit:
            continue
        if href == "/console" and not (viewer.can_use_console and ctx.rt.world is not None):
            continue
        current = ' aria-current="page"' if href == active else ""
        links.append(f'<a href="{href}"{current}>{label}</a>')
    header = (
        '<header class="top"><div class="brand">'
        f"{e(ctx.org.town)} · 反诈群链 · 办公室后台</div>"
        f"<nav>{''.join(links)}</nav>"
        f"{transport_badge(ctx)}"
        f'<div class="who"><span>{e(viewer.label)}</span>'
        f'<form method="post" action="/logout">{csrf_field(viewer)}'
        '<button type="submit" class="link">退出</button></form></div></header>'
    )
    body = f"{header}<main><h1>{e(title)}</h1>{content}</main>"
    html = document(title, body, viewer.csrf, ctx.org.town)
    return web.Response(text=html, content_type="text/html", status=status)


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    """An error shown inside the layout (or bare when nobody is logged in)."""
    content = f'<p class="error">{e(message)}</p><p><a href="/">返回总览</a></p>'
    try:
        viewer = viewer_of(request)
    except KeyError:
        html = document("出错了", f"<main><h1>出错了</h1>{content}</main>")
        return web.Response(text=html, content_type="text/html", status=status)
    return page(ctx_of(request), viewer, "出错了", content, "", status)


def table(headers: Iterable[str], rows: Iterable[Iterable[str]], cls: str = "") -> str:
    """A table; cells are already-escaped HTML."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def download_response(download: actions.Download) -> web.Response:
    """A file download with a Chinese file name (RFC 5987) and an ASCII fallback."""
    disposition = (
        f'attachment; filename="{download.ascii_name}"; '
        f"filename*=UTF-8''{quote(download.filename)}"
    )
    return web.Response(
        body=download.data,
        content_type=download.content_type,
        headers={"Content-Disposition": disposition},
    )


# -- login ---------------------------------------------------------------------------------


def login_document(csrf: str, next_url: str, message: str = "", notice: str = "") -> str:
    """The login form (the CSRF token is a double-submit cookie before any session)."""
    error = f'<p class="error" role="alert">{e(message)}</p>' if message else ""
    hint = f'<p class="notice">{e(notice)}</p>' if notice else ""
    body = (
        '<main class="login"><h1>反诈群链机器人 · 办公室后台</h1>'
        f'{hint}{error}<form method="post" action="/login" class="card">'
        f'<input type="hidden" name="csrf" value="{e(csrf)}">'
        f'<input type="hidden" name="next" value="{e(next_url)}">'
        '<label>用户名<input name="username" autocomplete="username" required autofocus></label>'
        '<label>密码<input name="password" type="password" autocomplete="current-password" '
        "required></label>"
        '<button type="submit">登录</button></form></main>'
    )
    return document("登录", body)


# -- 总览 ------------------------------------------------------------------------------------


def push_card(p: Mapping[str, Any] | None, link: bool = True) -> str:
    """One push with its four progress bars; with None, the empty <template> the JS fills."""
    p = p or {}
    bars = []
    for key, label in METRICS:
        m = p.get(key, {"done": 0, "total": 0, "text": ""})
        bars.append(
            f'<div class="bar" data-metric="{key}"><span class="label">{label}</span>'
            f'<progress max="{max(m["total"], 1)}" value="{m["done"]}" aria-label="{label}">'
            f'</progress><span class="num" data-num="{key}">{e(m["text"])}</span></div>'
        )
    title = f"第{p['id']}期《{e(p['title'])}》" if p else ""
    href = f"/pushes/{p['id']}" if p else ""
    heading = f'<a href="{href}" data-field="link">{title}</a>' if link else title
    meta = (
        f"发起 {e(p['created_text'])} · {e(p['created_by'])} · 范围 {e(p['scope_label'])} · "
        f"截止 {e(p['deadline_text'])}"
        if p
        else ""
    )
    push_id = p.get("id", "")
    return (
        f'<section class="card push-card" data-push-id="{push_id}">'
        f'<h2 data-field="title">{heading}</h2><p class="meta" data-field="meta">{meta}</p>'
        f'<div class="bars">{"".join(bars)}</div></section>'
    )


async def overview(request: web.Request) -> web.StreamResponse:
    """总览: a page of visible pushes (newest 20) with live progress bars (polls /api/pushes)."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    app = ctx.rt.app
    limit, before = dashboard.paging(request.query)
    page_pushes, next_before = dashboard.push_page(app, viewer, limit, before)
    pushes = [dashboard.push_summary(app, viewer, p, ctx.config.tz) for p in page_pushes]
    cards = "".join(push_card(p) for p in pushes)
    empty = (
        "" if pushes else '<p class="empty" data-field="empty">还没有推送。可在素材库发起。</p>'
    )
    scope = f"（仅显示{e(viewer.unit)}）" if viewer.unit else ""
    source = "/api/pushes?" + urlencode({"limit": limit, **({"before": before} if before else {})})
    links = ['<a href="/">最新的推送</a>'] if before else []
    if next_before:
        links.append(f'<a href="/?{urlencode({"before": next_before})}" rel="next">更早的推送</a>')
    pager = f'<nav class="pager">{" · ".join(links)}</nav>' if links else ""
    content = (
        f'<p class="hint">{scope}每页 {limit} 条，新的在前；进度每 2 秒自动刷新，'
        "无需重新加载页面。"
        '<span class="updated" data-field="updated"></span></p>'
        f'<div class="push-list" data-live="pushes" data-source="{e(source)}">{empty}{cards}</div>'
        f"{pager}"
        f'<template id="push-card-template">{push_card(None)}</template>'
    )
    return page(ctx, viewer, "总览", content, "/")


# -- push detail ----------------------------------------------------------------------------


async def push_detail(request: web.Request) -> web.StreamResponse:
    """One push: per-unit table, laggards, evidence, reminders, export."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    app = ctx.rt.app
    push = dashboard.get_push(app, viewer, path_id(request, "push_id", "推送"))
    d = dashboard.push_detail(app, viewer, push, ctx.config.tz)
    units = table(
        ("村/单位", "签收", "签收率", "送达群", "送达率", "覆盖户", "回执", "回执率"),
        (
            (
                e(u["unit"]),
                f"{u['signed']}/{u['pushers']}",
                e(u["sign_rate"]),
                f"{u['delivered']}/{u['groups']}",
                e(u["delivery_rate"]),
                f"{u['reached']}/{u['households']}",
                str(u["acks"]),
                e(u["ack_rate"]),
            )
            for u in d["units"]
        ),
        "units",
    )
    unsigned = (
        table(
            ("姓名", "村/单位", "手机号"),
            ((e(m["name"]), e(m["unit"]), e(m["phone"])) for m in d["unsigned"]),
        )
        if d["unsigned"]
        else '<p class="ok">推送员已全部签收。</p>'
    )
    undelivered = (
        table(
            ("群", "村/单位", "方式", "负责推送员"),
            (
                (
                    e(g["group"]),
                    e(g["unit"]),
                    e(g["mode"]),
                    e("、".join(f"{p['name']} {p['phone']}".strip() for p in g["pushers"]))
                    or "无推送员",
                )
                for g in d["undelivered"]
            ),
        )
        if d["undelivered"]
        else '<p class="ok">所有目标群均已送达。</p>'
    )
    groups = table(
        ("群", "村/单位", "方式", "送达时间", "送达依据"),
        (
            (
                e(g["name"]),
                e(g["unit"]),
                e(g["mode"]),
                e(g["delivered_at"] or "未送达"),
                e(g["via"]),
            )
            for g in d["groups"]
        ),
    )
    evidence = (
        '<div class="thumbs">'
        + "".join(
            f'<figure><a href="{e(ev["url"])}" target="_blank">'
            f'<img src="{e(ev["url"])}" alt="{e(ev["group"])}的佐证截图" loading="lazy"></a>'
            f"<figcaption>{e(ev['group'])}<br>{e(ev['member'])} · {e(ev['at'])}</figcaption>"
            "</figure>"
            for ev in d["evidence"]
        )
        + "</div>"
        if d["evidence"]
        else '<p class="empty">没有截图佐证。</p>'
    )
    reminders = (
        table(
            ("时间", "类型", "对象"),
            ((e(r["at"]), e(r["kind"]), e("、".join(r["members"]))) for r in d["reminders"]),
        )
        if d["reminders"]
        else '<p class="empty">尚未催办。</p>'
    )
    medians = (
        f"签收中位用时 {_minutes(d['median_sign_minutes'])} · "
        f"送达中位用时 {_minutes(d['median_deliver_minutes'])}"
    )
    content = (
        f'<div data-live="push" data-push="{push.id}">{push_card(d, link=False)}</div>'
        f'<p class="hint">{medians}</p>'
        f'<p class="actions"><a class="button" href="/api/pushes/{push.id}/coverage.xlsx" '
        'data-download="coverage">导出 Excel</a></p>'
        f"<details><summary>推送正文</summary><pre>{e(d['body'])}</pre></details>"
        f"<h2>各村/单位</h2>{units}"
        f"<h2>未签收推送员</h2>{unsigned}"
        f"<h2>未送达的群</h2>{undelivered}"
        f"<h2>佐证截图</h2>{evidence}"
        f"<h2>催办记录</h2>{reminders}"
        f"<h2>目标群</h2>{groups}"
    )
    return page(ctx, viewer, f"第{push.id}期《{push.title}》", content, "/")


def _minutes(value: float | None) -> str:
    return "—" if value is None else f"{value:g} 分钟"


# -- 排名 ------------------------------------------------------------------------------------


async def ranking(request: web.Request) -> web.StreamResponse:
    """排名 for a day, a week or a month."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    period = dashboard.period_of(request.query.get("period"))
    data = dashboard.ranking_json(ctx.rt.app, viewer, period, ctx.now())
    tabs = "".join(
        f'<a href="/ranking?period={key}"{" aria-current=page" if key == period else ""}>'
        f"{label}</a>"
        for key, label in PERIOD_LABELS.items()
    )
    rows = (
        (
            str(r["rank"]),
            e(r["unit"]),
            str(r["pushes"]),
            percent(r["sign_rate"]),
            percent(r["delivery_rate"]),
            percent(r["ack_rate"]),
            f"{r['points']:.1f}",
            '<span class="flag">⚠约谈</span>' if r["flag"] else "",
        )
        for r in data["rows"]
    )
    body = (
        table(("名次", "村/单位", "推送次数", "签收率", "送达率", "回执率", "得分", ""), rows)
        if data["rows"]
        else f'<p class="empty">{e(data["label"])}暂无推送，无法排名。</p>'
    )
    pending = f"（另有 {data['pending']} 次未到截止时间，不计入）" if data["pending"] else ""
    flag_rule = f"{e(data['flag_rule'])}。" if data["flag_rule"] else ""
    content = (
        f'<nav class="tabs">{tabs}</nav>'
        f'<p class="hint">{e(data["label"])}共 {data["pushes"]} 次推送{pending}、'
        f"{data['units']} 个村/单位；{e(data['score_rule'])}；"
        f"并列同分同名次；回执“—”表示机器人看不到（截图佐证）。{flag_rule}</p>"
        f'<p class="actions"><a class="button" href="/api/ranking.xlsx?period={period}" '
        f'data-download="ranking">导出 Excel</a></p>{body}'
    )
    return page(ctx, viewer, "排名", content, "/ranking")


# -- 素材库 -----------------------------------------------------------------------------------


async def content_list(request: web.Request) -> web.StreamResponse:
    """素材库: browse and search."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    query = request.query.get("q", "").strip()
    items = dashboard.find_content(ctx.rt.app.library, query)
    cards = "".join(
        f'<article class="card content-item" data-content-id="{c.id}">'
        f'<h2><a href="/content/{c.id}">素材{c.id} {e(c.title)}</a></h2>'
        f'<p class="tags">{"".join(f"<span>{e(t)}</span>" for t in c.fraud_types)}'
        f"{''.join(f'<span class=aud>{e(a)}</span>' for a in c.audiences)}</p>"
        f'<p class="excerpt">{e(c.body[:90])}{"…" if len(c.body) > 90 else ""}</p>'
        f'<p><a class="button" href="/content/{c.id}">'
        f"{'查看并发起推送' if viewer.can_push else '查看'}</a></p></article>"
        for c in items
    )
    found = cards or f'<p class="empty">没有与“{e(query)}”相关的素材。</p>'
    content = (
        '<form method="get" action="/content" class="filters">'
        f'<input name="q" value="{e(query)}" placeholder="关键词，如 刷单、冒充客服、老人">'
        f'<button type="submit">搜索</button></form>'
        f'<p class="hint">共 {len(items)} 条。</p><div class="grid">{found}</div>'
    )
    return page(ctx, viewer, "素材库", content, "/content")


def push_form(ctx: WebContext, viewer: Viewer, content_id: int, message: str = "") -> str:
    """The form that starts a push of a library item: units and a deadline."""
    units = "".join(
        f'<label class="check"><input type="checkbox" name="scope" value="{e(u)}">{e(u)}</label>'
        for u in ctx.org.units
    )
    error = f'<p class="error" role="alert">{e(message)}</p>' if message else ""
    return (
        f'<section class="card"><h2>发起推送</h2>{error}'
        f'<form method="post" action="/content/{content_id}/push">{csrf_field(viewer)}'
        "<fieldset><legend>范围（都不勾选＝全镇）</legend>"
        f'<div class="checks">{units}</div></fieldset>'
        '<label>截止时间<input name="deadline" placeholder="如 18:00、明天12:00、11月25日18:00">'
        "</label>"
        '<button type="submit">发起推送</button></form>'
        '<p class="hint">机器人会在指挥群公告并 @ 范围内的推送员签收，签收后逐级转发。</p>'
        "</section>"
    )


async def content_item(request: web.Request) -> web.StreamResponse:
    """One library item, with the push form for office and leaders."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    item = dashboard.content_item(ctx.rt.app.library, path_id(request, "content_id", "素材"))
    return page(
        ctx, viewer, f"素材{item.id} {item.title}", _item_content(ctx, viewer, item.id), "/content"
    )


def _item_content(ctx: WebContext, viewer: Viewer, content_id: int, message: str = "") -> str:
    item = dashboard.content_item(ctx.rt.app.library, content_id)
    tags = "".join(f"<span>{e(t)}</span>" for t in item.fraud_types)
    audiences = "、".join(item.audiences)
    form = push_form(ctx, viewer, item.id, message) if viewer.can_push else ""
    return (
        f'<p class="tags">{tags}</p><p class="hint">适用人群：{e(audiences)}</p>'
        f'<pre class="body">{e(item.body)}</pre>{form}'
    )


async def content_push(request: web.Request) -> web.StreamResponse:
    """Start a push from a library item, then show its progress page."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    content_id = path_id(request, "content_id", "素材")
    form = await read_form(request)
    try:
        push = actions.start_push(
            ctx,
            viewer,
            content_id=content_id,
            scope=[str(s) for s in form.getall("scope", [])],
            deadline=str(form.get("deadline", "")),
        )
    except WebError as exc:
        if exc.status != 400:
            raise
        item = dashboard.content_item(ctx.rt.app.library, content_id)
        content = _item_content(ctx, viewer, content_id, exc.message)
        return page(ctx, viewer, f"素材{item.id} {item.title}", content, "/content", 400)
    raise web.HTTPSeeOther(f"/pushes/{push.id}")


# -- 通报, 审计日志 ----------------------------------------------------------------------------


async def bulletins(request: web.Request) -> web.StreamResponse:
    """通报 history (日报, 周报, 月度排名) as the scheduler published them."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    items = dashboard.bulletins_json(ctx.rt.app, ctx.config.tz)
    cards = "".join(
        f'<article class="card"><h2>{e(b["kind"])} · {e(b["period"])}</h2>'
        f'<p class="meta">发布于 {e(b["at"])}</p><pre>{e(b["text"])}</pre>'
        + (f'<img src="{e(b["image"])}" alt="{e(b["kind"])}图表">' if b["image"] else "")
        + "</article>"
        for b in items
    )
    content = (
        cards
        or '<p class="empty">还没有发布过通报（日报每天 21:00、周报每周一由定时任务发布）。</p>'
    )
    return page(ctx, viewer, "通报", content, "/bulletins")


async def audit(request: web.Request) -> web.StreamResponse:
    """审计日志: who pushed, imported, exported, logged in."""
    ctx, viewer = ctx_of(request), viewer_of(request)
    viewer.require(viewer.can_audit, "查看审计日志")
    entries = dashboard.audit_json(ctx.rt.app, ctx.config.tz)
    content = (
        table(
            ("时间", "操作人", "操作", "内容"),
            ((e(a["at"]), e(a["actor"]), e(a["action"]), e(a["detail"])) for a in entries),
        )
        if entries
        else '<p class="empty">暂无记录。</p>'
    )
    return page(ctx, viewer, "审计日志", content, "/audit")
