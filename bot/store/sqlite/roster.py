"""Roster versions: rosters, groups, members, memberships."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain.model import Group, Level, Member, Mode, Org, Role, RosterVersion
from bot.store.protocol import ROSTER_HISTORY
from bot.store.sqlite.base import SqliteBase, ts


class RosterTables(SqliteBase):
    """Every imported roster is a new version; pushes keep the version they were planned on."""

    def roster_version(self) -> int:
        """The current roster version (0 when no roster was imported)."""
        return int(self._one("SELECT max(version) FROM rosters") or 0)

    def save_org(self, org: Org, now: datetime, source: str) -> int:
        """Store a roster as a new version, atomically; returns the version."""
        # Rows: the members and about as many memberships (most households are in one group).
        with self.bulk_write(2 * len(org.members)), self.transaction():
            version = self.roster_version() + 1
            self._x(
                "INSERT INTO rosters (version, town, created_at, source) VALUES (?, ?, ?, ?)",
                (version, org.town, ts(now), source),
            )
            self._many(
                "INSERT INTO groups (version, id, name, level, parent, unit, mode, ord, "
                "population) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        version,
                        g.id,
                        g.name,
                        g.level.value,
                        g.parent,
                        g.unit,
                        g.mode.value,
                        i,
                        g.population,
                    )
                    for i, g in enumerate(org.groups)
                ],
            )
            self._many(
                "INSERT INTO members VALUES (?, ?, ?, ?, ?, ?, ?)",
                # Rows streamed, not listed first: a city's 2M rows were ≈150 MB at peak.
                (
                    (version, m.wechat, m.name, m.role.value, m.unit, m.phone, i)
                    for i, m in enumerate(org.members)
                ),
            )
            self._many(
                "INSERT INTO memberships VALUES (?, ?, ?)",
                ((version, gid, m.wechat) for m in org.members for gid in m.groups),
            )
            self._save_reach(version, org)
            self._prune_rosters(version)
        return version

    def _save_reach(self, version: int, org: Org) -> None:
        # What a delivery newly reaches (pushes.mark_delivered): households in one group only
        # counted per group and unit, those in several listed to be checked one by one.
        alone: dict[tuple[str, str], int] = {}
        shared: list[tuple[int, str, str, str]] = []
        for m in org.with_role(Role.HOUSEHOLD):
            groups = m.groups
            if m.unit is None or not groups:
                continue
            if len(groups) == 1 or len(set(groups)) == 1:
                key = (groups[0], m.unit)
                alone[key] = alone.get(key, 0) + 1
            else:
                shared.extend((version, gid, m.wechat, m.unit) for gid in set(groups))
        self._many(
            "INSERT INTO group_alone (version, group_id, unit, households) VALUES (?, ?, ?, ?)",
            [(version, gid, unit, n) for (gid, unit), n in alone.items()],
        )
        self._many(
            "INSERT INTO shared_households (version, group_id, wechat, unit) VALUES (?, ?, ?, ?)",
            shared,
        )

    def _prune_rosters(self, keep: int) -> None:
        # Pushes keep their snapshot, and the newest ROSTER_HISTORY versions stay so that a
        # bad import can be undone (restore) and removed members remain on record.
        dead = [
            r[0]
            for r in self._x(
                "SELECT version FROM rosters WHERE version <= ? AND version NOT IN "
                "(SELECT DISTINCT roster_version FROM pushes)",
                (keep - ROSTER_HISTORY,),
            )
        ]
        for v in dead:
            for table in (
                "groups",
                "members",
                "memberships",
                "group_alone",
                "shared_households",
                "rosters",
            ):
                self._x(f"DELETE FROM {table} WHERE version = ?", (v,))

    def roster_history(self) -> list[RosterVersion]:
        """Every stored roster version, newest first."""
        return [
            RosterVersion(r[0], self._dt_req(r[1]), r[2], r[3])
            for r in self._x(
                "SELECT r.version, r.created_at, r.source, "
                "(SELECT count(*) FROM members m WHERE m.version = r.version) "
                "FROM rosters r ORDER BY r.version DESC"
            )
        ]

    def load_org(self, version: int | None = None) -> Org | None:
        """The roster of a version (default: current), or None if none was imported."""
        v = version if version is not None else self.roster_version()
        town = self._one("SELECT town FROM rosters WHERE version = ?", (v,))
        if town is None:
            return None
        groups = tuple(
            Group(r[0], r[1], Level(r[2]), r[3], r[4], Mode(r[5]), r[6])
            for r in self._x(
                "SELECT id, name, level, parent, unit, mode, population FROM groups "
                "WHERE version = ? "
                "ORDER BY ord",
                (v,),
            )
        )
        return Org(town=town, groups=groups, members=self._members(v, groups))

    def _members(self, version: int, groups: tuple[Group, ...]) -> tuple[Member, ...]:
        memberships: dict[str, list[str]] = {}
        for gid, wechat in self._x(
            "SELECT group_id, wechat FROM memberships WHERE version = ?", (version,)
        ):
            memberships.setdefault(wechat, []).append(gid)
        order = {g.id: i for i, g in enumerate(groups)}
        # Compact members: one shared string per group id and unit, one shared tuple per
        # set of groups (most households share theirs with their group).
        shared: dict[Any, Any] = {g.id: g.id for g in groups}
        return tuple(
            Member(
                name=r[1],
                role=Role(r[2]),
                unit=shared.setdefault(r[3], r[3]),
                wechat=r[0],
                groups=_shared_groups(shared, memberships.get(r[0], []), order),
                phone=r[4],
            )
            for r in self._x(
                "SELECT wechat, name, role, unit, phone FROM members WHERE version = ? "
                "ORDER BY ord",
                (version,),
            )
        )


def _shared_groups(
    shared: dict[Any, Any], ids: list[str], order: dict[str, int]
) -> tuple[str, ...]:
    key = tuple(sorted((shared.get(g, g) for g in ids), key=lambda g: order.get(g, 0)))
    found: tuple[str, ...] = shared.setdefault(key, key)
    return found
