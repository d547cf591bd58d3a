"""Roster history: the stored versions, and bringing an earlier one back in one action.

The dashboard's 名册 page and `python -m bot roster restore` both call `restore_roster`.
A restore stores the old roster as a new version (so it can itself be undone), audits who
did it, and is picked up by the running bot (see `App.reload_roster`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from bot.app import roster_key
from bot.domain.model import RosterVersion
from bot.store import Store


class RestoreError(ValueError):
    """A restore that cannot be done; the message says why, in Chinese."""


@dataclass(frozen=True)
class Restored:
    """The outcome of a restore: which version came back and as which new version."""

    source: int
    version: int | None
    members: int
    before: int

    @property
    def changed(self) -> bool:
        """False when the chosen version equals the current roster (nothing was written)."""
        return self.version is not None

    def describe(self) -> str:
        """One Chinese sentence for the page, the CLI and the audit log."""
        if self.version is None:
            return f"第 {self.source} 版名册与当前名册相同，无需恢复"
        return (
            f"已恢复第 {self.source} 版名册：{self.members} 人（恢复前 {self.before} 人），"
            f"保存为第 {self.version} 版"
        )


def previous_version(store: Store) -> int | None:
    """The newest stored version older than the current one (what "恢复上一版" brings back)."""
    current = store.roster_version()
    older = [v.version for v in store.roster_history() if v.version < current]
    return older[0] if older else None


def restore_roster(store: Store, version: int | None, now: datetime, actor: str) -> Restored:
    """Make a stored version (default: the previous one) the current roster again."""
    current_version = store.roster_version()
    current = store.load_org()
    if current is None:
        raise RestoreError("数据库中还没有名册，无法恢复")
    target = version if version is not None else previous_version(store)
    if target is None:
        raise RestoreError("没有可以恢复的上一版名册（数据库中只有当前这一版）")
    if target == current_version:
        raise RestoreError(f"第 {target} 版就是当前名册，无需恢复")
    org = store.load_org(target)
    if org is None:
        kept = "、".join(str(v.version) for v in store.roster_history())
        raise RestoreError(f"没有第 {target} 版名册（数据库中保存的版本：{kept}）")
    if roster_key(org) == roster_key(current):
        return Restored(target, None, len(org.members), len(current.members))
    with store.transaction():
        new_version = store.save_org(org, now, f"恢复第 {target} 版名册")
        restored = Restored(target, new_version, len(org.members), len(current.members))
        store.audit(now, actor, "恢复名册", restored.describe())
    return restored


def history_text(store: Store, tz: tzinfo) -> str:
    """The stored versions as Chinese lines, newest first, the current one marked."""
    versions: list[RosterVersion] = store.roster_history()
    if not versions:
        return "数据库中还没有名册"
    current = versions[0].version
    lines = ["名册版本（最新在前）："]
    for v in versions:
        mark = "  ← 当前" if v.version == current else ""
        lines.append(
            f"  第 {v.version} 版  {v.created_at.astimezone(tz):%Y-%m-%d %H:%M}  "
            f"{v.members} 人  {v.source}{mark}"
        )
    previous = previous_version(store)
    if previous is not None:
        lines.append(f"恢复上一版（第 {previous} 版）：python -m bot roster restore")
    return "\n".join(lines)
