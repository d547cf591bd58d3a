"""责任倒查 reads: roster members across versions, deliveries to groups, one member's receipts,
佐证 screenshots and read-link taps. Read-only; the SQL is shared with PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.model import Delivery, Group, Level, Member, Mode, Role
from bot.domain.trace import TracedEvidence, TracedReceipt
from bot.store.sqlite.base import SqliteBase


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


def _like_escaped(text: str) -> str:
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


class TraceTables(SqliteBase):
    """Queries over members, deliveries, receipts, messages, evidence and read_taps."""

    def find_roster_members(self, text: str, by_phone: bool) -> list[tuple[int, str]]:
        """(version, contact id) of members matching a name part or a phone (or its tail)."""
        if by_phone:
            rows = self._x(
                "SELECT version, wechat FROM members WHERE phone = ? OR phone LIKE ? "
                "ORDER BY version DESC, ord",
                (text, "%" + text),
            )
        else:
            rows = self._x(
                "SELECT version, wechat FROM members WHERE name LIKE ? ESCAPE '!' "
                "ORDER BY version DESC, ord",
                ("%" + _like_escaped(text) + "%",),
            )
        return [(int(r[0]), str(r[1])) for r in rows]

    def member_history(self, wechat: str) -> dict[int, Member]:
        """The member in each kept version, with the groups that version gives them."""
        groups: dict[int, list[str]] = {}
        for version, group_id in self._x(
            "SELECT ms.version, ms.group_id FROM memberships ms INDEXED BY memberships_by_member "
            "JOIN groups g "
            "ON g.version = ms.version AND g.id = ms.group_id "
            "WHERE ms.version IN (SELECT version FROM rosters) AND ms.wechat = ? "
            "ORDER BY ms.version, g.ord",
            (wechat,),
        ):
            groups.setdefault(int(version), []).append(group_id)
        return {
            int(r[0]): Member(
                name=r[1],
                role=Role(r[2]),
                unit=r[3],
                wechat=wechat,
                groups=tuple(groups.get(int(r[0]), ())),
                phone=r[4],
            )
            for r in self._x(
                "SELECT version, name, role, unit, phone FROM members "
                "WHERE version IN (SELECT version FROM rosters) AND wechat = ? ORDER BY version",
                (wechat,),
            )
        }

    def roster_groups(self, version: int, group_ids: Sequence[str]) -> list[Group]:
        """These groups in one version, in roster order."""
        if not group_ids:
            return []
        return [
            Group(id=r[0], name=r[1], level=Level(r[2]), parent=r[3], unit=r[4], mode=Mode(r[5]))
            for r in self._x(
                "SELECT id, name, level, parent, unit, mode FROM groups "
                f"WHERE version = ? AND id IN ({_marks(group_ids)}) ORDER BY ord",
                (version, *group_ids),
            )
        ]

    def deliveries_to(self, group_ids: Sequence[str]) -> list[Delivery]:
        """Every planned delivery of any push to these groups."""
        if not group_ids:
            return []
        return [
            Delivery(
                push_id=int(r[0]),
                group_id=r[1],
                unit=r[2],
                mode=Mode(r[3]),
                parent=r[4],
                delivered_at=self._dt(r[5]),
                via=r[6],
            )
            for r in self._x(
                "SELECT push_id, group_id, unit, mode, parent, delivered_at, via FROM deliveries "
                f"WHERE group_id IN ({_marks(group_ids)}) ORDER BY push_id, group_id",
                tuple(group_ids),
            )
        ]

    def member_receipts(self, wechat: str, push_ids: Sequence[int]) -> list[TracedReceipt]:
        """A member's receipts among these pushes, with the message's words."""
        if not push_ids:
            return []
        return [
            TracedReceipt(int(r[0]), r[1], self._dt_req(r[2]), r[3] or "")
            for r in self._x(
                "SELECT r.push_id, r.group_id, r.at, m.text FROM receipts r "
                "LEFT JOIN messages m ON m.id = r.message_id "
                f"WHERE r.push_id IN ({_marks(push_ids)}) AND r.wechat = ? ORDER BY r.push_id",
                (*push_ids, wechat),
            )
        ]

    def evidence_of(
        self, push_ids: Sequence[int], group_ids: Sequence[str]
    ) -> list[TracedEvidence]:
        """The screenshots of these pushes in these groups, each indexed within its push as
        `evidence()` lists them."""
        if not push_ids or not group_ids:
            return []
        return [
            TracedEvidence(int(r[0]), r[1], self._dt_req(r[2]), int(r[3]))
            for r in self._x(
                "SELECT push_id, group_id, at, n FROM (SELECT push_id, group_id, at, "
                "ROW_NUMBER() OVER (PARTITION BY push_id ORDER BY id) - 1 AS n FROM evidence "
                f"WHERE push_id IN ({_marks(push_ids)})) e "
                f"WHERE group_id IN ({_marks(group_ids)}) ORDER BY push_id, n",
                (*push_ids, *group_ids),
            )
        ]

    def read_taps_in(
        self, push_ids: Sequence[int], group_ids: Sequence[str]
    ) -> dict[tuple[int, str], int]:
        """Taps per (push, group)."""
        if not push_ids or not group_ids:
            return {}
        rows = self._x(
            "SELECT push_id, group_id, COUNT(*) FROM read_taps "
            f"WHERE push_id IN ({_marks(push_ids)}) AND group_id IN ({_marks(group_ids)}) "
            "GROUP BY push_id, group_id",
            (*push_ids, *group_ids),
        )
        return {(int(p), g): int(n) for p, g, n in rows}
