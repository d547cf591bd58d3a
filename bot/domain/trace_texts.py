"""What the bot says for 倒查 in chat (always privately; phones always masked)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from bot.domain.privacy import mask_phone
from bot.domain.trace import Candidate, TraceReport

MAX_LINES = 10  # per list; the dashboard has the rest
IN_PRIVATE = "倒查结果已私信发给您（住户信息不在群里发）。"
USAGE = "请写要倒查的住户姓名或手机号，例：倒查 张三、倒查 1234（手机尾号）"


def not_found(query: str, unit: str | None) -> str:
    """Nobody matches."""
    where = f"{unit}的" if unit else ""
    return f"名册中（含历史版本）没有找到{where}“{query}”。"


def choose(query: str, found: Sequence[Candidate]) -> str:
    """Several match: a numbered list to pick from ("倒查 张三 2")."""
    lines = [f"“{query}”有 {len(found)} 人符合，请回复“倒查 {query} 序号”选定："]
    for n, c in enumerate(found[:MAX_LINES], 1):
        phone = f"，{mask_phone(c.phone)}" if c.phone else ""
        gone = "，已不在当前名册" if not c.current else ""
        lines.append(
            f"{n}. {c.name}（{c.unit or '无单位'}·{'、'.join(c.groups) or '无群'}{phone}{gone}）"
        )
    if len(found) > MAX_LINES:
        lines.append(
            f"……另有 {len(found) - MAX_LINES} 人，请写全名或手机号，或到网页后台“倒查”页查看。"
        )
    return "\n".join(lines)


def summary(report: TraceReport, tz: tzinfo, link: str) -> str:
    """The record in a few lines: received (newest last) and missed pushes."""
    phone = f"，{mask_phone(report.phone)}" if report.phone else ""
    gone = "，已不在当前名册" if not report.current else ""
    where = f"{report.unit or '无单位'}·{'、'.join(report.groups) or '无群'}"
    lines = [
        f"【责任倒查】{report.name}（{where}{phone}{gone}）",
        f"{report.summary()}。",
    ]
    if report.received:
        lines.append("收到：")
    for line in report.received[-MAX_LINES:]:
        ack = (
            f"回执 {line.ack_at.astimezone(tz):%m-%d %H:%M}“{line.ack_text}”"
            if line.ack_at
            else "未回执"
        )
        at = line.delivered_at.astimezone(tz)
        lines.append(f"· {line.push_name} {at:%m-%d %H:%M} 送达{line.group}，{ack}")
    if report.missed:
        lines.append("未收到：")
    lines.extend(f"· {m.push_name}：{m.reason}" for m in report.missed[-MAX_LINES:])
    lines.append(f"完整记录和 Excel/PDF 导出：{link}")
    return "\n".join(lines)
