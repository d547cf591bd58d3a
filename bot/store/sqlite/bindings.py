"""Runtime state: transport bindings, settings (meta) and revoked dashboard sessions."""

from __future__ import annotations

from datetime import datetime

from bot.domain.binding import Binding
from bot.store.sqlite.base import SqliteBase, ts


class BindingTables(SqliteBase):
    """Small key-value style tables the transport, CLI and dashboard keep their state in."""

    def get_meta(self, key: str) -> str | None:
        """A stored setting."""
        return self._one("SELECT value FROM meta WHERE key = ?", (key,))

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting."""
        with self.transaction():
            self._x("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def save_bindings(self, bindings: dict[str, Binding], now: datetime) -> None:
        """Replace the stored bindings (keys "group:ID" / "member:ID")."""
        with self.transaction():
            self._x("DELETE FROM bindings")
            self._many(
                "INSERT INTO bindings (key, org_id, transport_id, via, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [(k, b.org_id, b.transport_id, b.via, ts(now)) for k, b in bindings.items()],
            )

    def bindings(self) -> dict[str, Binding]:
        """Stored bindings by key."""
        return {
            r[0]: Binding(r[1], r[2], r[3])
            for r in self._x("SELECT key, org_id, transport_id, via FROM bindings")
        }

    def revoke_session(self, nonce: str, expires: float, now: float) -> None:
        """Record a logged-out session until it would have expired (epoch seconds)."""
        with self.transaction():
            self._x("DELETE FROM revoked_sessions WHERE expires < ?", (now,))
            self._x(
                "INSERT OR REPLACE INTO revoked_sessions (nonce, expires) VALUES (?, ?)",
                (nonce, expires),
            )

    def session_revoked(self, nonce: str) -> bool:
        """Whether a session was logged out."""
        return self._one("SELECT 1 FROM revoked_sessions WHERE nonce = ?", (nonce,)) is not None
