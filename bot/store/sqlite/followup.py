"""Follow-up work: scheduled job runs, work reports, published 通报, campaign rotations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.domain.model import Bulletin, JobRun, WorkReport
from bot.store.sqlite.base import SqliteBase, ts


class FollowupTables(SqliteBase):
    """What the scheduler and the reporting features remember between runs."""

    def job_since(self, job: str, now: datetime) -> datetime:
        """When a scheduled job was first registered (registering it at `now` if new)."""
        self._x("INSERT OR IGNORE INTO job_state (job, since) VALUES (?, ?)", (job, ts(now)))
        return self._dt_req(self._one("SELECT since FROM job_state WHERE job = ?", (job,)))

    def last_job_fire(self, job: str) -> datetime | None:
        """The latest fire time recorded for a job (run, skipped or missed)."""
        return self._dt(self._one("SELECT max(fire_time) FROM job_runs WHERE job = ?", (job,)))

    def has_job_run(self, job: str, fire_time: datetime) -> bool:
        """Whether this fire time of a job was already recorded."""
        return (
            self._one(
                "SELECT 1 FROM job_runs WHERE job = ? AND fire_time = ?", (job, ts(fire_time))
            )
            is not None
        )

    def claim_job_run(
        self, job: str, fire_time: datetime, now: datetime, status: str, detail: str = ""
    ) -> bool:
        """Record a fire time once; False if it was recorded before (never run a job twice)."""
        cur = self._x(
            "INSERT OR IGNORE INTO job_runs (job, fire_time, status, ran_at, detail) "
            "VALUES (?, ?, ?, ?, ?)",
            (job, ts(fire_time), status, ts(now), detail),
        )
        return cur.rowcount == 1

    def finish_job_run(
        self, job: str, fire_time: datetime, now: datetime, status: str, detail: str = ""
    ) -> None:
        """Set the outcome of a claimed fire time."""
        self._x(
            "UPDATE job_runs SET status = ?, ran_at = ?, detail = ? "
            "WHERE job = ? AND fire_time = ?",
            (status, ts(now), detail, job, ts(fire_time)),
        )

    def job_runs(self, job: str | None = None, limit: int = 200) -> list[JobRun]:
        """Recorded fire times, newest first (of one job, or all)."""
        where, params = ("WHERE job = ?", [job]) if job else ("", [])
        return [
            JobRun(r[0], self._dt_req(r[1]), r[2], self._dt_req(r[3]), r[4])
            for r in self._x(
                f"SELECT job, fire_time, status, ran_at, detail FROM job_runs {where} "
                "ORDER BY fire_time DESC, job LIMIT ?",
                [*params, limit],
            )
        ]

    def save_work_report(self, report: WorkReport, message_id: str | None) -> bool:
        """Store a unit's report for a day (a later one from the same person replaces it).

        Returns True for a first report, False for a correction.
        """
        key = (report.day.isoformat(), report.unit, report.member)
        with self.transaction():
            existed = self._one(
                "SELECT 1 FROM work_reports WHERE day = ? AND unit = ? AND wechat = ?", key
            )
            self._x(
                "INSERT OR REPLACE INTO work_reports (day, unit, wechat, text, at, message_id) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (*key, report.text, ts(report.at), message_id),
            )
        return existed is None

    def work_reports(self, first: date, until: date) -> list[WorkReport]:
        """Work reports for days in [first, until), by day then time."""
        return [
            WorkReport(date.fromisoformat(r[0]), r[1], r[2], r[3], self._dt_req(r[4]))
            for r in self._x(
                "SELECT day, unit, wechat, text, at FROM work_reports WHERE day >= ? AND day < ? "
                "ORDER BY day, at",
                (first.isoformat(), until.isoformat()),
            )
        ]

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
        with self.transaction():
            cur = self._x(
                "INSERT INTO bulletins (kind, period, at, text, image, job, requested_by) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (kind, period, ts(at), text, image, job, requested_by),
            )
            bulletin_id = int(cur.lastrowid or 0)
            for position, path in enumerate(charts, 2):
                self._x(
                    "INSERT INTO bulletin_charts (bulletin_id, position, path) VALUES (?, ?, ?)",
                    (bulletin_id, position, path),
                )
        return Bulletin(
            bulletin_id, kind, period, at, text, image, job, requested_by, tuple(charts)
        )

    def bulletins(self, kind: str | None = None, limit: int = 50) -> list[Bulletin]:
        """Published 通报, newest first (of one kind, or all)."""
        where, params = ("WHERE kind = ?", [kind]) if kind else ("", [])
        rows = self._x(
            "SELECT id, kind, period, at, text, image, job, requested_by FROM bulletins "
            f"{where} ORDER BY at DESC, id DESC LIMIT ?",
            [*params, limit],
        ).fetchall()
        charts: dict[int, list[str]] = {}
        if rows:
            marks = ", ".join("?" for _ in rows)
            for bulletin_id, path in self._x(
                "SELECT bulletin_id, path FROM bulletin_charts "
                f"WHERE bulletin_id IN ({marks}) ORDER BY bulletin_id, position",
                [r[0] for r in rows],
            ):
                charts.setdefault(bulletin_id, []).append(path)
        return [
            Bulletin(
                r[0],
                r[1],
                r[2],
                self._dt_req(r[3]),
                r[4],
                r[5],
                r[6],
                r[7],
                tuple(charts.get(r[0], ())),
            )
            for r in rows
        ]

    def rotation_last(self, name: str) -> int | None:
        """The content item a campaign rotation pushed last (None before its first push)."""
        return self._one("SELECT content_id FROM rotations WHERE name = ?", (name,))

    def save_rotation(self, name: str, content_id: int, push_id: int, at: datetime) -> None:
        """Remember where a campaign rotation stands."""
        self._x(
            "INSERT OR REPLACE INTO rotations (name, content_id, push_id, at) VALUES (?, ?, ?, ?)",
            (name, content_id, push_id, ts(at)),
        )
