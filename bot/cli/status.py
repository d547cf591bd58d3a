"""`python -m bot status`: what the running bot last wrote about itself, read from the DB."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from bot.config import Config
from bot.domain.texts import push_name
from bot.store import Store, open_store
from bot.store.leases import Lease
from bot.transport.bound import STATUS_KEY, UNMATCHED_KEY

OUTBOX_LABELS = {"pending": "待发送", "sent": "已发送", "failed": "发送失败"}


def status_text(config: Config) -> str:
    """A Chinese status report of connection, bindings, unmatched rooms/members and outbox."""
    if not config.store.url and not config.db_path.exists():
        return f"还没有数据库（{config.db_path}）：机器人尚未运行过。"
    store = open_store(config.store_target, config.tz)
    try:
        return _render(config, store)
    finally:
        store.close()


def _where(config: Config) -> str:
    """The SQLite file, or the PostgreSQL server and database without any password."""
    if not config.store.url:
        return str(config.db_path)
    url = urlsplit(config.store.url)
    return f"PostgreSQL {url.hostname or 'localhost'}:{url.port or 5432}{url.path}"


def _render(config: Config, store: Store) -> str:
    lines = [f"数据库：{_where(config)}", f"通道：{config.bot.transport}"]
    raw = store.get_meta(STATUS_KEY)
    if raw:
        s: dict[str, Any] = json.loads(raw)
        lines += [
            f"连接：{'已连接' if s['connected'] else '未连接'}",
            f"登录账号：{s.get('self_name') or '—'}（{s.get('self_id') or '—'}）",
            f"最近事件：{s.get('last_event_at') or '—'}",
            f"重连次数：{s.get('reconnects', 0)}",
            f"状态记录于：{s.get('saved_at')}",
        ]
        if s.get("last_error"):
            lines.append(f"最近错误：{s['last_error']}")
    else:
        lines.append("连接：无记录（模拟微信不记录连接状态，或机器人尚未连接过）")
    bindings = store.bindings()
    groups = sum(1 for k in bindings if k.startswith("group:"))
    members = len(bindings) - groups
    lines.append(f"已绑定：{groups} 个群，{members} 名成员")
    unmatched = json.loads(store.get_meta(UNMATCHED_KEY) or "{}")
    if unmatched.get("rooms"):
        lines.append("未匹配的微信群（名册里没有）：")
        lines += [f"  · {r['topic']}（{r['id']}）" for r in unmatched["rooms"]]
    if unmatched.get("missing_groups"):
        lines.append("名册里的群在微信中未找到：" + "、".join(unmatched["missing_groups"]))
    if unmatched.get("contacts"):
        lines.append(f"未匹配的群成员 {len(unmatched['contacts'])} 人：")
        for c in unmatched["contacts"][:30]:
            name = c["alias"] or c["name"]
            lines.append(f"  · {name}（{c['id']}，群 {c['room']}）")
    for note in unmatched.get("ambiguous", []):
        lines.append(f"⚠ {note}")
    counts = store.outbox_counts()
    lines.append(
        "发件箱：" + "，".join(f"{OUTBOX_LABELS.get(k, k)} {v}" for k, v in sorted(counts.items()))
        if counts
        else "发件箱：空"
    )
    lines += lease_lines(store, datetime.now(config.tz))
    push = store.latest_push()
    if push is not None:
        lines.append(f"最新推送：{push_name(push)} {push.created_at:%Y-%m-%d %H:%M}")
    return "\n".join(lines)


def lease_lines(store: Store, now: datetime) -> list[str]:
    """`status` lines about the account processes: who holds how many groups, until when."""
    held: dict[str, list[Lease]] = {}
    for lease in store.leases():
        held.setdefault(lease.owner, []).append(lease)
    lines = []
    for owner, leases in sorted(held.items()):
        groups = [x for x in leases if not x.key.startswith("*")]
        until = max(x.expires for x in leases)
        state = f"续约到 {until:%H:%M:%S}" if until > now else f"已于 {until:%H:%M:%S} 过期"
        extras = "".join(
            {"*private": "，回复私聊", "*scheduler": "，运行定时任务"}.get(x.key, "")
            for x in leases
        )
        lines.append(f"  · {owner}：{len(groups)} 个群{extras}（{state}）")
    return ["账号进程（租约）：", *lines] if lines else []
