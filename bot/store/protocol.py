"""What the rest of the bot needs from persistence: the `Store` protocol.

Callers depend on this protocol only; `bot.store.open_store` picks the implementation.
Every method returns our own types (dataclasses, named tuples, plain values), never rows.

Rules an implementation keeps:
- Writes outside `transaction()` are committed at once; inside, they commit or roll back
  with the outermost block. A nested `transaction()` is a savepoint: when it raises, only
  its writes are undone.
- Counters (`tallies`) change in the same write as the fact they count.
- Datetimes passed in are timezone-aware; datetimes returned are in the store's zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any, Protocol

from bot.domain.binding import Binding
from bot.domain.model import (
    Assignment,
    AuditEntry,
    Bulletin,
    Delivery,
    Evidence,
    IncomingMessage,
    JobRun,
    Org,
    OutboxItem,
    OutgoingMessage,
    PendingPush,
    Push,
    Receipt,
    Reminder,
    RosterVersion,
    Signature,
    UnitTally,
    WorkReport,
)
from bot.store.callbacks import CallbackStore
from bot.store.cases import CaseStore
from bot.store.coverage import CoverageStore
from bot.store.drives import DriveStore
from bot.store.ingest import IngestStore
from bot.store.leases import LeaseStore
from bot.store.readlink import ReadTapStore
from bot.store.relaystate import RelayStateStore
from bot.store.tasks import TaskStore
from bot.store.tips import TipStore
from bot.store.trace import TraceStore
from bot.store.warnings import WarningStore

# Roster versions kept besides those pushes use: the current one and those a restore may need.
ROSTER_HISTORY = 5


class Store(
    TaskStore,
    TipStore,
    ReadTapStore,
    CaseStore,
    WarningStore,
    DriveStore,
    CallbackStore,
    TraceStore,
    LeaseStore,
    RelayStateStore,
    CoverageStore,
    IngestStore,
    Protocol,
):
    """All persistence. One instance per process, used from the event-loop thread."""

    # -- connection and transactions -----------------------------------------------------

    def close(self) -> None:
        """Close the connection."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """All-or-nothing block. A nested block is a SAVEPOINT: if it raises, only its own
        writes are undone and the outer transaction carries on (or not) as its code decides."""
        ...

    # -- roster versions -----------------------------------------------------------------

    def roster_version(self) -> int:
        """The current roster version (0 when no roster was imported)."""
        ...

    def save_org(self, org: Org, now: datetime, source: str) -> int:
        """Store a roster as a new version, atomically; returns the version."""
        ...

    def roster_history(self) -> list[RosterVersion]:
        """Every stored roster version, newest first."""
        ...

    def load_org(self, version: int | None = None) -> Org | None:
        """The roster of a version (default: current), or None if none was imported."""
        ...

    # -- pushes: rows, deliveries, assignments, counters, pending 确认 ---------------------

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
        ...

    def get_push(self, push_id: int) -> Push | None:
        """One push by number."""
        ...

    def pushes(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        withdrawn: bool = False,
    ) -> list[Push]:
        """Pushes created in [since, until), oldest first; withdrawn ones only if asked."""
        ...

    def push_texts(self, since: datetime) -> list[tuple[str, str]]:
        """Title and body of every push created since `since`, withdrawn ones too (what
        the bot posted, which a household may copy back), oldest first."""
        ...

    def push_page(
        self, limit: int, before: int | None = None, unit: str | None = None
    ) -> list[Push]:
        """One page of history, newest first, read by the primary key.

        Up to `limit` pushes numbered below `before`; with `unit`, only those whose scope
        names it.
        """
        ...

    def latest_push(self) -> Push | None:
        """The most recent push that was not withdrawn."""
        ...

    def pushes_with_deadline(self, since: datetime, until: datetime) -> list[Push]:
        """Open pushes whose deadline falls in [since, until], oldest first."""
        ...

    def withdraw_push(self, push_id: int) -> int:
        """Mark a push withdrawn and cancel its unsent messages; returns how many."""
        ...

    def save_pending_push(
        self, wechat: str, reply_to: str, payload: dict[str, Any], now: datetime
    ) -> None:
        """Keep a big push until its sender confirms it (one per sender: the newest wins)."""
        ...

    def take_pending_push(self, wechat: str) -> PendingPush | None:
        """Remove and return a sender's pending push with the time it was asked."""
        ...

    def deliveries(self, push_id: int) -> list[Delivery]:
        """All planned deliveries of a push."""
        ...

    def mark_delivered(self, push_id: int, group_id: str, at: datetime, via: str) -> bool:
        """Mark one delivery done (once) and count the households it newly reaches."""
        ...

    def latest_delivered_push(self, group_id: str) -> int | None:
        """The push most recently delivered to a group."""
        ...

    def assigned_pushes(self, wechat: str, since: datetime) -> list[int]:
        """Pushes (newest first, created since `since`) in which this pusher is assigned."""
        ...

    def open_assignments(self, wechat: str, since: datetime) -> list[Assignment]:
        """This pusher's open pushes created since `since` (newest first): each with the
        unit they push for and whether they have signed it."""
        ...

    def assignments(self, push_id: int) -> list[tuple[str, str]]:
        """(pusher contact id, unit) of everyone assigned to a push."""
        ...

    def is_assigned(self, push_id: int, wechat: str) -> str | None:
        """The unit a pusher is assigned for in a push, or None."""
        ...

    def tallies(self, push_id: int, unit: str | None = None) -> list[UnitTally]:
        """Per-unit counters of a push, in roster order; with `unit`, that unit's only."""
        ...

    def tally_rows(self, push_id: int, unit: str | None = None) -> list[tuple[Any, ...]]:
        """`tallies` as plain rows in UnitTally's field order (a report makes the UnitTallies
        only if it shows the units)."""
        ...

    # -- records: inbound messages, signatures, receipts, evidence, reminders, audit -----

    def record_message(self, msg: IncomingMessage, error: str | None = None) -> bool:
        """Store an inbound message; False if this transport id was seen before.

        Called inside the transaction that acts on it, so it is stored as handled; a
        message whose handling failed is stored on its own with the error instead.
        """
        ...

    def message_count(self) -> int:
        """How many inbound messages are stored."""
        ...

    def add_signature(
        self, push_id: int, wechat: str, unit: str, at: datetime, message_id: str | None
    ) -> bool:
        """Record a signature once; bumps the unit's counter. False if already signed."""
        ...

    def signatures(self, push_id: int) -> list[Signature]:
        """Signatures of a push, in order."""
        ...

    def import_receipts(self, push_id: int, rows: Iterable[tuple[str, str, str, datetime]]) -> int:
        """Bulk-add receipts (wechat, unit, group, at) to a push; returns how many were new."""
        ...

    def receipt_count(self, push_id: int | None = None) -> int:
        """Stored receipts (of one push, or all)."""
        ...

    def add_evidence(self, ev: Evidence, message_id: str | None) -> None:
        """Store the record of an evidence screenshot (the file is already on disk)."""
        ...

    def evidence(self, push_id: int) -> list[Evidence]:
        """Evidence of a push."""
        ...

    def add_reminder(self, r: Reminder) -> None:
        """Record a reminder or escalation."""
        ...

    def reminders(self, push_id: int, since: datetime | None = None) -> list[Reminder]:
        """Reminders of a push (since a time), oldest first."""
        ...

    def audit(self, at: datetime, actor: str, action: str, detail: str) -> None:
        """Append to the audit log."""
        ...

    def audit_log(self, limit: int = 200) -> list[AuditEntry]:
        """The newest audit entries."""
        ...

    # -- outbox --------------------------------------------------------------------------

    def enqueue(
        self, out: OutgoingMessage, now: datetime, not_before: datetime | None = None
    ) -> int | None:
        """Add an outbox row; with a dedupe key, a second enqueue is ignored (returns None)."""
        ...

    def pending_outbox(self, limit: int = 100, after: int = 0) -> list[OutboxItem]:
        """Unsent rows in the order they were queued (those queued after row `after`)."""
        ...

    def outbox(self, status: str | None = None) -> list[OutboxItem]:
        """All outbox rows (optionally of one status), oldest first."""
        ...

    def outbox_counts(self) -> dict[str, int]:
        """Outbox rows per status."""
        ...

    def mark_sent(self, item_id: int, at: datetime, transport_id: str | None) -> None:
        """An outbox row went out."""
        ...

    def mark_retry(self, item_id: int, error: str, retry_at: datetime, give_up_after: int) -> None:
        """A send failed; try again later, or give up after too many attempts."""
        ...

    # -- follow-up: job runs, work reports, 通报, campaign rotations -----------------------

    def job_since(self, job: str, now: datetime) -> datetime:
        """When a scheduled job was first registered (registering it at `now` if new)."""
        ...

    def last_job_fire(self, job: str) -> datetime | None:
        """The latest fire time recorded for a job (run, skipped or missed)."""
        ...

    def has_job_run(self, job: str, fire_time: datetime) -> bool:
        """Whether this fire time of a job was already recorded."""
        ...

    def claim_job_run(
        self, job: str, fire_time: datetime, now: datetime, status: str, detail: str = ""
    ) -> bool:
        """Record a fire time once; False if it was recorded before (never run a job twice)."""
        ...

    def finish_job_run(
        self, job: str, fire_time: datetime, now: datetime, status: str, detail: str = ""
    ) -> None:
        """Set the outcome of a claimed fire time."""
        ...

    def job_runs(self, job: str | None = None, limit: int = 200) -> list[JobRun]:
        """Recorded fire times, newest first (of one job, or all)."""
        ...

    def save_work_report(self, report: WorkReport, message_id: str | None) -> bool:
        """Store a unit's report for a day (a later one from the same person replaces it).

        Returns True for a first report, False for a correction.
        """
        ...

    def work_reports(self, first: date, until: date) -> list[WorkReport]:
        """Work reports for days in [first, until), by day then time."""
        ...

    def add_bulletin(
        self,
        kind: str,
        period: str,
        at: datetime,
        text: str,
        image: str | None,
        job: str | None = None,
        requested_by: str | None = None,
        charts: Sequence[str] = (),
    ) -> Bulletin:
        """Keep a published 通报 for the history the dashboard lists (`image` its first chart,
        `charts` the following ones)."""
        ...

    def bulletins(self, kind: str | None = None, limit: int = 50) -> list[Bulletin]:
        """Published 通报, newest first (of one kind, or all)."""
        ...

    def rotation_last(self, name: str) -> int | None:
        """The content item a campaign rotation pushed last (None before its first push)."""
        ...

    def save_rotation(self, name: str, content_id: int, push_id: int, at: datetime) -> None:
        """Remember where a campaign rotation stands."""
        ...

    # -- runtime state: settings, transport bindings, revoked dashboard sessions ---------

    def get_meta(self, key: str) -> str | None:
        """A stored setting."""
        ...

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting."""
        ...

    def save_bindings(self, bindings: dict[str, Binding], now: datetime) -> None:
        """Replace the stored bindings (keys "group:ID" / "member:ID")."""
        ...

    def bindings(self) -> dict[str, Binding]:
        """Stored bindings by key."""
        ...

    def revoke_session(self, nonce: str, expires: float, now: float) -> None:
        """Record a logged-out session until it would have expired (epoch seconds)."""
        ...

    def session_revoked(self, nonce: str) -> bool:
        """Whether a session was logged out."""
        ...

    # -- benchmark only ------------------------------------------------------------------

    def raw_insert_baseline(self, receipts: Iterable[tuple[Receipt, str | None]]) -> float:
        """Bench only: seconds the backend's plainest bulk insert takes to write these
        receipts (with their message ids) into scratch storage, the floor `python -m bot bench`
        compares ingest through `App.handle()` with. This store's data is not touched.
        """
        ...
