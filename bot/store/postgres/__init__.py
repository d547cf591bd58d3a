"""The PostgreSQL store: the SQLite store's table families over one PostgreSQL connection.

The families' SQL is shared with `bot.store.sqlite` and rewritten per statement by `dialect`;
`base` holds the connection and savepoint transactions, `schema` the translated migrations;
the modules here override the few methods whose SQL cannot be shared.
"""

from __future__ import annotations

from bot.store.postgres.base import PostgresBase
from bot.store.postgres.baseline import PgBaselineTables
from bot.store.postgres.coverage import PgCoverageTables
from bot.store.postgres.leases import PgLeaseTables
from bot.store.postgres.readahead import PgReadAheadTables
from bot.store.postgres.readlink import PgReadTapTables
from bot.store.postgres.tips import PgTipTables
from bot.store.sqlite.bindings import BindingTables
from bot.store.sqlite.callbacks import CallbackTables
from bot.store.sqlite.cases import CaseTables
from bot.store.sqlite.drives import DriveTables
from bot.store.sqlite.followup import FollowupTables
from bot.store.sqlite.outbox import OutboxTables
from bot.store.sqlite.pushes import PushTables
from bot.store.sqlite.records import RecordTables
from bot.store.sqlite.relaystate import RelayStateTables
from bot.store.sqlite.roster import RosterTables
from bot.store.sqlite.tasks import TaskTables
from bot.store.sqlite.trace import TraceTables
from bot.store.sqlite.warnings import WarningTables


class PostgresStore(
    PgReadAheadTables,
    RosterTables,
    PushTables,
    RecordTables,
    OutboxTables,
    FollowupTables,
    BindingTables,
    PgBaselineTables,
    TaskTables,
    PgTipTables,
    PgReadTapTables,
    DriveTables,
    TraceTables,
    WarningTables,
    CaseTables,
    CallbackTables,
    PgLeaseTables,
    RelayStateTables,
    PgCoverageTables,
    PostgresBase,
):
    """All persistence in one PostgreSQL database, shared by several bot processes.

    Coverage counters (`push_units`) are updated in the same transaction as the fact they
    count (plpgsql triggers for receipts and read taps).
    """


__all__ = ["PostgresStore"]
