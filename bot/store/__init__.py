"""Persistence: the only package with SQL."""

from bot.store.sqlite import ROSTER_HISTORY, Store

__all__ = ["ROSTER_HISTORY", "Store"]
