"""线索 (tips): the SQLite family's SQL, but the id comes from the BIGSERIAL sequence."""

from __future__ import annotations

from bot.domain.desk import Tip
from bot.store.sqlite.base import ts
from bot.store.sqlite.tips import TipTables


class PgTipTables(TipTables):
    """The tips table: a new tip's id is RETURNING'd (SQLite inserts NULL for a rowid)."""

    def add_tip(self, tip: Tip) -> int:
        """Record a new tip and return its number (a message already recorded: its tip)."""
        if tip.message_id:
            known = self._one("SELECT id FROM tips WHERE message_id = ?", (tip.message_id,))
            if known is not None:
                return int(known)
        return int(
            self._one(
                "INSERT INTO tips (at, wechat, group_id, unit, text, category, urgent, status, "
                "message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    ts(tip.at),
                    tip.member,
                    tip.group_id,
                    tip.unit,
                    tip.text,
                    tip.category,
                    int(tip.urgent),
                    tip.status,
                    tip.message_id or None,
                ),
            )
        )
