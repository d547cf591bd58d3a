"""What the dashboard lists besides pushes: ranking, roster, content, bulletins, audit.

Plain data for the pages and the JSON API alike; like `dashboard`, every function that
shows units takes the `Viewer`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from bot.app import App
from bot.chat.queries import PERIOD_DAYS, period_start
from bot.domain.coverage import FLAG_RULE, SCORE_RULE, UnitRank, rank_units, unsettled
from bot.domain.model import ROLE_LABELS, Bulletin, Org
from bot.domain.texts import PERIOD_LABELS
from bot.web.context import Viewer, WebError
from bot.web.dashboard import local_text, person_json

# -- ranking --------------------------------------------------------------------------------


def period_of(value: str | None) -> str:
    """day / week / month (default month)."""
    return value if value in PERIOD_DAYS else "month"


@dataclass(frozen=True)
class RankingView:
    """A period's ranking as one viewer may see it."""

    ranks: list[UnitRank]
    rows: list[UnitRank]
    pushes: int
    pending: int


def ranking(app: App, viewer: Viewer, period: str, now: datetime) -> RankingView:
    """Ranked units over the period, the pushes counted and left out, the visible rows.

    A supervisor sees only their own unit's row, but ranked among all units. The monthly
    ranking flags 约谈 and so leaves out pushes still within their deadline (see rank_units).
    """
    since = period_start(now, period)
    reports = app.coverage_report(app.store.pushes(since=since))
    bottom = app.config.bulletin.bottom_count if period == "month" else 0
    ranks = rank_units(reports, bottom=bottom, now=now)
    pending = unsettled(reports, now) if bottom else 0
    rows = [r for r in ranks if viewer.sees_unit(r.unit)]
    return RankingView(ranks, rows, len(reports) - pending, pending)


def ranking_json(app: App, viewer: Viewer, period: str, now: datetime) -> dict[str, Any]:
    """The 排名 table as JSON; an ack rate the bot cannot see is null."""
    view = ranking(app, viewer, period, now)
    rows = [
        {
            "rank": r.rank,
            "unit": r.unit,
            "pushes": r.pushes,
            "sign_rate": r.sign_rate,
            "delivery_rate": r.delivery_rate,
            "ack_rate": r.ack_rate,
            "score": r.score,
            "points": r.points,
            "flag": r.flagged,
        }
        for r in view.rows
    ]
    return {
        "period": period,
        "label": PERIOD_LABELS[period],
        "pushes": view.pushes,
        "pending": view.pending,
        "units": len(view.ranks),
        "score_rule": SCORE_RULE,
        "flag_rule": FLAG_RULE if period == "month" else None,
        "rows": rows,
    }


# -- roster, content, bulletins, audit -------------------------------------------------------


def roster_json(org: Org, viewer: Viewer, query: str = "", unit: str = "") -> dict[str, Any]:
    """The roster as this viewer may see it (optionally filtered)."""
    group_names = {g.id: g.name for g in org.groups}
    members = []
    for m in org.members:
        if not viewer.sees_unit(m.unit) or (unit and m.unit != unit):
            continue
        if query and query not in m.name and query not in m.wechat:
            continue
        members.append(
            {
                **person_json(m, viewer),
                "role_value": m.role.value,
                "groups": list(m.groups),
                "group_names": [group_names.get(g, g) for g in m.groups],
            }
        )
    counts: dict[str, int] = {}
    for m in org.members:
        if viewer.sees_unit(m.unit):
            label = ROLE_LABELS[m.role]
            counts[label] = counts.get(label, 0) + 1
    return {
        "town": org.town,
        "units": [u for u in org.units if viewer.sees_unit(u)],
        "groups": [
            {"id": g.id, "name": g.name, "level": g.level.value, "unit": g.unit or ""}
            for g in org.groups
            if viewer.unit is None or g.unit == viewer.unit
        ],
        "counts": counts,
        "members": members,
    }


BULLETIN_KINDS = {"daily": "日报", "weekly": "周报", "monthly": "月度排名"}


def bulletins_json(app: App, tz: tzinfo) -> list[dict[str, Any]]:
    """Published 通报, newest first (empty while the scheduler has not published any)."""
    return [
        {
            "id": b.id,
            "kind": BULLETIN_KINDS.get(b.kind, b.kind),
            "period": b.period,
            "at": local_text(b.at, tz),
            "text": b.text,
            "image": f"/bulletins/{b.id}/image" if b.image else None,
            "images": [
                f"/bulletins/{b.id}/image" + (f"/{n}" if n > 1 else "")
                for n in range(1, 1 + len(bulletin_paths(b)))
            ],
        }
        for b in app.store.bulletins(limit=200)
    ]


def bulletin_paths(b: Bulletin) -> tuple[str, ...]:
    """Every chart image of a bulletin, in the order they were sent."""
    return ((b.image,) if b.image else ()) + b.charts


def bulletin_image(app: App, bulletin_id: int, data_dir: Path, number: int = 1) -> Path:
    """The `number`th chart image of a bulletin (only files inside the data folder are
    served)."""
    found = next((b for b in app.store.bulletins(limit=1000) if b.id == bulletin_id), None)
    paths = bulletin_paths(found) if found is not None else ()
    if not paths:
        raise WebError(404, "这条通报没有图片")
    if not 1 <= number <= len(paths):
        raise WebError(404, f"这条通报只有 {len(paths)} 张图")
    path = Path(paths[number - 1])
    if not path.is_absolute():
        path = data_dir / path
    path = path.resolve()
    if not path.is_relative_to(data_dir.resolve()) or not path.is_file():
        raise WebError(404, "通报图片文件已不存在")
    return path


def audit_json(app: App, tz: tzinfo, limit: int = 500) -> list[dict[str, str]]:
    """The newest audit entries."""
    return [
        {"at": local_text(at, tz), "actor": actor, "action": action, "detail": detail}
        for at, actor, action, detail in app.store.audit_log(limit)
    ]
