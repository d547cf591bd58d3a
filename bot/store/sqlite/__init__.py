"""The SQLite store: one class composed of a mixin per table family over one connection.

`base` holds the connection and savepoint transactions, `schema` the migrations; each other
module owns the SQL of one family of tables.
"""

from __future__ import annotations

from bot.store.sqlite.acks import AckCounters
from bot.store.sqlite.baseline import BaselineTables
from bot.store.sqlite.bindings import BindingTables
from bot.store.sqlite.callbacks import CallbackTables
from bot.store.sqlite.cases import CaseTables
from bot.store.sqlite.coverage import CoverageTables
from bot.store.sqlite.drives import DriveTables
from bot.store.sqlite.followup import FollowupTables
from bot.store.sqlite.leases import LeaseTables
from bot.store.sqlite.outbox import OutboxTables
from bot.store.sqlite.pushes import PushTables
from bot.store.sqlite.readlink import ReadTapTables
from bot.store.sqlite.records import RecordTables
from bot.store.sqlite.relaystate import RelayStateTables
from bot.store.sqlite.roster import RosterTables
from bot.store.sqlite.tasks import TaskTables
from bot.store.sqlite.tips import TipTables
from bot.store.sqlite.trace import TraceTables
from bot.store.sqlite.warnings import WarningTables


class SqliteStore(
    AckCounters,
    RosterTables,
    PushTables,
    RecordTables,
    OutboxTables,
    FollowupTables,
    BindingTables,
    BaselineTables,
    TaskTables,
    TipTables,
    ReadTapTables,
    DriveTables,
    TraceTables,
    WarningTables,
    CaseTables,
    CallbackTables,
    LeaseTables,
    RelayStateTables,
    CoverageTables,
):
    """All persistence in one SQLite file (WAL). One instance per process, used from the
    event-loop thread.

    Coverage counters (`push_units`) are updated in the same transaction as the fact they
    count (receipts: once per transaction, `acks`), so a coverage report reads a handful of
    rows however many receipts exist.
    """


__all__ = ["SqliteStore"]
