"""Pushes: the push rows, planned deliveries, per-unit counters, assignments, pending 确认."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from bot.domain.model import Assignment, Delivery, Mode, PendingPush, Push, UnitTally, tally_of
from bot.store.sqlite.base import SqliteBase, ts

# A push's unit counters in roster order (read through push_units_in_order, no sort).
_TALLY_ROWS = (
    "SELECT unit, pushers, signed, groups, delivered, households, reached, acks, reads, "
    "read_acks FROM push_units WHERE push_id = ?"
)
TALLIES = f"{_TALLY_ROWS} ORDER BY ord"
# The push most recently delivered to a group (its id, or no row).
LATEST_DELIVERED = (
    "SELECT push_id FROM deliveries WHERE group_id = ? AND delivered_at IS NOT NULL "
    "ORDER BY delivered_at DESC, push_id DESC LIMIT 1"
)


@lru_cache(maxsize=256)
def _scope(stored: str) -> tuple[str, ...]:
    """A push's stored scope, parsed once (a county push names hundreds of groups, and a
    tip reads the recent pushes on every report)."""
    return tuple(json.loads(stored))


class PushTables(SqliteBase):
    """A push, what it plans to deliver where, and its coverage counters (`push_units`)."""

    def create_push(
        self,
        *,
        title: str,
        body: str,
        created_by: str,
        now: datetime,
        scope: Sequence[str],
        deadline: datetime | None,
        content_id: int | None,
        roster_version: int,
        deliveries: Sequence[Delivery],
        tallies: Sequence[UnitTally],
        assignments: Sequence[tuple[str, str]],
    ) -> Push:
        """Store a push with its planned deliveries, per-unit denominators and assignments."""
        with self.transaction():
            cur = self._x(
                "INSERT INTO pushes (title, body, content_id, created_at, created_by, deadline, "
                "scope, roster_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    title,
                    body,
                    content_id,
                    ts(now),
                    created_by,
                    ts(deadline),
                    json.dumps(list(scope), ensure_ascii=False),
                    roster_version,
                ),
            )
            push_id = int(cur.lastrowid or 0)
            self._many(
                "INSERT INTO push_units (push_id, unit, ord, pushers, groups, households) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (push_id, t.unit, i, t.pushers, t.groups, t.households)
                    for i, t in enumerate(tallies)
                ],
            )
            self._many(
                "INSERT INTO deliveries (push_id, group_id, unit, mode, parent) "
                "VALUES (?, ?, ?, ?, ?)",
                [(push_id, d.group_id, d.unit, d.mode.value, d.parent) for d in deliveries],
            )
            self._many(
                "INSERT INTO assignments (push_id, wechat, unit) VALUES (?, ?, ?)",
                [(push_id, wechat, unit) for wechat, unit in assignments],
            )
        push = self.get_push(push_id)
        assert push is not None
        return push

    _PUSH_COLS = (
        "id, title, body, created_at, created_by, scope, deadline, content_id, roster_version, "
        "status"
    )

    def _push(self, r: Sequence[Any]) -> Push:
        return Push(
            id=r[0],
            title=r[1],
            body=r[2],
            created_at=self._dt_req(r[3]),
            created_by=r[4],
            scope=_scope(r[5]),
            deadline=self._dt(r[6]),
            content_id=r[7],
            roster_version=r[8],
            status=r[9],
        )

    def get_push(self, push_id: int) -> Push | None:
        """One push by number (within a transaction, read once: see SqliteBase._cache)."""
        cache = self._cache()
        if cache is not None and ("push", push_id) in cache:
            return cache["push", push_id]
        row = self._x(f"SELECT {self._PUSH_COLS} FROM pushes WHERE id = ?", (push_id,)).fetchone()
        if row is None:
            return None
        push = self._push(row)
        if cache is not None:
            cache["push", push_id] = push
        return push

    def pushes(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        withdrawn: bool = False,
    ) -> list[Push]:
        """Pushes created in [since, until), oldest first; withdrawn ones only if asked."""
        rows = self._x(
            f"SELECT {self._PUSH_COLS} FROM pushes WHERE created_at >= ? AND created_at < ? "
            "AND (? OR status != 'withdrawn') ORDER BY id",
            (ts(since) if since else "", ts(until) if until else "9", withdrawn),
        )
        return [self._push(r) for r in rows]

    def push_texts(self, since: datetime) -> list[tuple[str, str]]:
        """As the protocol; without the scope, which names 8,000 units in a city push."""
        rows = self._x(
            "SELECT title, body FROM pushes WHERE created_at >= ? ORDER BY id", (ts(since),)
        )
        return [(title, body) for title, body in rows]

    def push_page(
        self, limit: int, before: int | None = None, unit: str | None = None
    ) -> list[Push]:
        """One page of history, newest first, read by the primary key.

        Up to `limit` pushes numbered below `before`; with `unit`, only those whose scope
        names it.
        """
        where = "id < ?"
        params: list[Any] = [before if before is not None else 2**63 - 1]
        if unit is not None:
            where += " AND EXISTS (SELECT 1 FROM json_each(pushes.scope) WHERE value = ?)"
            params.append(unit)
        rows = self._x(
            f"SELECT {self._PUSH_COLS} FROM pushes WHERE {where} ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
        return [self._push(r) for r in rows]

    def latest_push(self) -> Push | None:
        """The most recent push that was not withdrawn."""
        row = self._x(
            f"SELECT {self._PUSH_COLS} FROM pushes WHERE status != 'withdrawn' "
            "ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return None if row is None else self._push(row)

    def pushes_with_deadline(self, since: datetime, until: datetime) -> list[Push]:
        """Open pushes whose deadline falls in [since, until], oldest first."""
        rows = self._x(
            f"SELECT {self._PUSH_COLS} FROM pushes WHERE deadline >= ? AND deadline <= ? "
            "AND status = 'open' ORDER BY deadline, id",
            (ts(since), ts(until)),
        )
        return [self._push(r) for r in rows]

    def withdraw_push(self, push_id: int) -> int:
        """Mark a push withdrawn and cancel its unsent messages; returns how many."""
        with self.transaction():
            self._uncache(("push", push_id))
            self._x("UPDATE pushes SET status = 'withdrawn' WHERE id = ?", (push_id,))
            cur = self._x(
                "UPDATE outbox SET status = 'cancelled' WHERE status = 'pending' "
                "AND (push_id = ? OR dedupe_key = ?)",
                (push_id, f"announce:{push_id}"),
            )
            return cur.rowcount

    def save_pending_push(
        self, wechat: str, reply_to: str, payload: dict[str, Any], now: datetime
    ) -> None:
        """Keep a big push until its sender confirms it (one per sender: the newest wins)."""
        self._x(
            "INSERT OR REPLACE INTO pending_pushes (wechat, created_at, reply_to, payload) "
            "VALUES (?, ?, ?, ?)",
            (wechat, ts(now), reply_to, json.dumps(payload, ensure_ascii=False)),
        )

    def take_pending_push(self, wechat: str) -> PendingPush | None:
        """Remove and return a sender's pending push with the time it was asked."""
        row = self._x(
            "SELECT payload, created_at FROM pending_pushes WHERE wechat = ?", (wechat,)
        ).fetchone()
        if row is None:
            return None
        self._x("DELETE FROM pending_pushes WHERE wechat = ?", (wechat,))
        return PendingPush(json.loads(row[0]), self._dt_req(row[1]))

    def deliveries(self, push_id: int) -> list[Delivery]:
        """All planned deliveries of a push."""
        return [
            Delivery(
                push_id=push_id,
                group_id=r[0],
                unit=r[1],
                mode=Mode(r[2]),
                parent=r[3],
                delivered_at=self._dt(r[4]),
                via=r[5],
            )
            for r in self._x(
                "SELECT group_id, unit, mode, parent, delivered_at, via FROM deliveries "
                "WHERE push_id = ? ORDER BY rowid",
                (push_id,),
            )
        ]

    def mark_delivered(self, push_id: int, group_id: str, at: datetime, via: str) -> bool:
        """Mark one delivery done (once) and count the households it newly reaches."""
        with self.transaction():
            row = self._x(
                "SELECT unit FROM deliveries WHERE push_id = ? AND group_id = ? "
                "AND delivered_at IS NULL",
                (push_id, group_id),
            ).fetchone()
            if row is None:
                return False
            version = self._one("SELECT roster_version FROM pushes WHERE id = ?", (push_id,))
            newly = self._newly_reached(push_id, version, group_id)
            self._x(
                "UPDATE deliveries SET delivered_at = ?, via = ? "
                "WHERE push_id = ? AND group_id = ?",
                (ts(at), via, push_id, group_id),
            )
            if self.latest_cache is not None:
                self.latest_cache.pop(group_id, None)
            # The group's own unit: one update for both counters (other units' households
            # sitting in the group are reached too).
            self._x(
                "UPDATE push_units SET delivered = delivered + 1, reached = reached + ? "
                "WHERE push_id = ? AND unit = ?",
                (newly.pop(row[0], 0), push_id, row[0]),
            )
            for unit, count in newly.items():
                self._x(
                    "UPDATE push_units SET reached = reached + ? WHERE push_id = ? AND unit = ?",
                    (count, push_id, unit),
                )
            return True

    def _newly_reached(self, push_id: int, version: int, group_id: str) -> dict[str, int]:
        # Households per unit that this delivery reaches first, in the push's own roster
        # version: those in no other group certainly (counted at import, group_alone); one in
        # several groups only if none of its other groups was delivered yet.
        newly: dict[str, int] = dict(
            self._x(
                "SELECT unit, households FROM group_alone WHERE version = ? AND group_id = ?",
                (version, group_id),
            ).fetchall()
        )
        for unit, count in self._x(
            "SELECT s.unit, count(*) FROM shared_households s "
            "WHERE s.version = ? AND s.group_id = ? "
            "AND NOT EXISTS (SELECT 1 FROM memberships o INDEXED BY memberships_by_member "
            "  JOIN deliveries d "
            "  ON d.push_id = ? AND d.group_id = o.group_id AND d.delivered_at IS NOT NULL "
            "  WHERE o.version = s.version AND o.wechat = s.wechat) "
            "GROUP BY s.unit",
            (version, group_id, push_id),
        ):
            newly[unit] = newly.get(unit, 0) + count
        return newly

    def latest_delivered_push(self, group_id: str) -> int | None:
        """The push most recently delivered to a group (every household receipt asks: kept
        in memory where the store has a cache, see SqliteBase.latest_cache)."""
        cache = self.latest_cache
        if cache is not None and group_id in cache:
            return cache[group_id]
        found: int | None = self._one(LATEST_DELIVERED, (group_id,))
        if cache is not None:
            cache[group_id] = found
        return found

    def assigned_pushes(self, wechat: str, since: datetime) -> list[int]:
        """Pushes (newest first, created since `since`) in which this pusher is assigned."""
        return [
            r[0]
            for r in self._x(
                "SELECT a.push_id FROM assignments a JOIN pushes p ON p.id = a.push_id "
                "WHERE a.wechat = ? AND p.created_at >= ? AND p.status = 'open' "
                "ORDER BY a.push_id DESC",
                (wechat, ts(since)),
            )
        ]

    def open_assignments(self, wechat: str, since: datetime) -> list[Assignment]:
        """This pusher's open pushes created since `since` (newest first): each with the
        unit they push for and whether they have signed it."""
        return [
            Assignment(r[0], r[1], bool(r[2]))
            for r in self._x(
                "SELECT a.push_id, a.unit, EXISTS (SELECT 1 FROM signatures s "
                "WHERE s.push_id = a.push_id AND s.wechat = a.wechat) "
                "FROM assignments a JOIN pushes p ON p.id = a.push_id "
                "WHERE a.wechat = ? AND p.created_at >= ? AND p.status = 'open' "
                "ORDER BY a.push_id DESC",
                (wechat, ts(since)),
            )
        ]

    def assignments(self, push_id: int) -> list[tuple[str, str]]:
        """(pusher contact id, unit) of everyone assigned to a push."""
        return [
            (r[0], r[1])
            for r in self._x(
                "SELECT wechat, unit FROM assignments WHERE push_id = ? ORDER BY rowid",
                (push_id,),
            )
        ]

    def is_assigned(self, push_id: int, wechat: str) -> str | None:
        """The unit a pusher is assigned for in a push, or None."""
        return self._one(
            "SELECT unit FROM assignments WHERE push_id = ? AND wechat = ?", (push_id, wechat)
        )

    def tallies(self, push_id: int, unit: str | None = None) -> list[UnitTally]:
        """Per-unit counters of a push, in roster order; with `unit`, that unit's only."""
        return list(map(tally_of, self.tally_rows(push_id, unit)))

    def tally_rows(self, push_id: int, unit: str | None = None) -> list[tuple[Any, ...]]:
        """`tallies` as plain rows in UnitTally's field order (a report makes the UnitTallies
        only if it shows the units)."""
        if unit is not None:
            return self._x_wide(f"{_TALLY_ROWS} AND unit = ?", (push_id, unit)).fetchall()
        return self._x_wide(TALLIES, (push_id,)).fetchall()
