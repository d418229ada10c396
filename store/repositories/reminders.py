"""Reminders, flow runs and deliveries: what the scheduled flows read and write.

`record` is insert-or-skip (INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL): the
unique key (subject, kind, threshold, watched) decides which of two concurrent sweeps sends a
message, never a check followed by an insert. `due_case_ids` reads the index on
`cases.next_reminder_on`, so a sweep costs in proportion to the cases with something due.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import Session

from domain.access import Role
from store.db import execute_core
from store.models import (
    Agency,
    CaseRow,
    Delivery,
    DeliveryAttempt,
    DueChange,
    FlowRun,
    Outbox,
    Reminder,
    User,
)
from store.sql import among

CHUNK = 900


@dataclass(frozen=True)
class AgencySettings:
    """An agency as the flows need it."""

    id: int
    code: str
    name: str
    parent_id: int | None
    report_kind: str
    auto_close_abandoned: bool
    auto_close_unpaid: bool
    webhook_flavor: str
    webhook_url: str
    webhook_secret: str


@dataclass(frozen=True)
class Person:
    username: str
    display_name: str
    email: str


def _insert(session: Session):  # type: ignore[no-untyped-def]
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    return insert



@functools.cache
def _unread_sql() -> Select[Any]:
    """A user's unread messages: every page shows the count, so the statement is built once."""
    return (
        select(func.count())
        .select_from(Outbox)
        .where(Outbox.recipient == bindparam("username"), Outbox.read_at.is_(None))
    )

class ReminderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- reminders -------------------------------------------------------------------------

    def due_case_ids(self, today: dt.date) -> list[int]:
        """Cases whose next watched point is on or before `today` (the indexed column)."""
        return list(
            self.session.execute(
                select(CaseRow.id)
                .where(CaseRow.next_reminder_on <= today)
                .order_by(CaseRow.id)
            ).scalars()
        )

    def recorded(self, subjects: Sequence[str]) -> dict[str, set[tuple[str, int, dt.date]]]:
        """The (kind, threshold, watched) recorded so far, by subject."""
        found: dict[str, set[tuple[str, int, dt.date]]] = defaultdict(set)
        for start in range(0, len(subjects), CHUNK):
            rows = self.session.execute(
                select(Reminder.subject, Reminder.kind, Reminder.threshold, Reminder.watched).where(
                    among(self.session, Reminder.subject, subjects[start : start + CHUNK])
                )
            ).all()
            for subject, kind, threshold, watched in rows:
                found[subject].add((kind, threshold, watched))
        return found

    def record(
        self,
        subject: str,
        kind: str,
        threshold: int,
        watched: dt.date,
        status: str,
        swept_on: dt.date,
        at: dt.datetime,
    ) -> bool:
        """Insert the reminder unless its key exists; True when this call inserted it."""
        insert = _insert(self.session)
        result = self.session.execute(
            insert(Reminder)
            .values(
                subject=subject,
                kind=kind,
                threshold=threshold,
                watched=watched,
                status=status,
                swept_on=swept_on,
                created_at=at,
            )
            .on_conflict_do_nothing(
                index_elements=["subject", "kind", "threshold", "watched"]
            )
            .returning(Reminder.id)
        )
        # RETURNING, not rowcount: psycopg reports -1 for a skipped INSERT … ON CONFLICT
        return result.scalar_one_or_none() is not None

    def record_many(
        self,
        rows: Sequence[tuple[str, str, int, dt.date, str]],
        swept_on: dt.date,
        at: dt.datetime,
    ) -> set[tuple[str, str, int, dt.date]]:
        """Insert-or-skip many (subject, kind, threshold, watched, status) in multi-row
        statements; returns the keys this call inserted (the others were recorded before)."""
        if not rows:
            return set()
        table = Reminder.__table__
        statement = (
            _insert(self.session)(table)
            .on_conflict_do_nothing(index_elements=["subject", "kind", "threshold", "watched"])
            .returning(table.c.subject, table.c.kind, table.c.threshold, table.c.watched)
        )
        # one statement compiled once, its parameter sets sent in multi-row batches
        # (SQLAlchemy's insertmanyvalues), not a VALUES list compiled anew for every chunk
        result = self.session.execute(
            statement,
            [
                {
                    "subject": subject,
                    "kind": kind,
                    "threshold": threshold,
                    "watched": watched,
                    "status": status,
                    "swept_on": swept_on,
                    "created_at": at,
                }
                for subject, kind, threshold, watched, status in rows
            ],
        )
        return {tuple(r) for r in result.all()}  # type: ignore[misc]

    def set_next_checks(self, by_day: dict[dt.date | None, list[int]]) -> None:
        """Move next_reminder_on for many cases: one UPDATE per distinct day (Core: no ORM
        objects to keep in step)."""
        table = CaseRow.__table__
        for day, ids in by_day.items():
            for start in range(0, len(ids), CHUNK):
                self.session.execute(
                    update(table)
                    .where(among(self.session, table.c.id, ids[start : start + CHUNK]))
                    .values(next_reminder_on=day)
                )

    def set_next_check(self, case_id: int, day: dt.date | None) -> None:
        self.session.execute(
            update(CaseRow).where(CaseRow.id == case_id).values(next_reminder_on=day)
        )

    def due_changes_since(
        self, since: dt.datetime
    ) -> list[tuple[int, str, dt.date | None, dt.date | None, dt.datetime]]:
        """Deadlines moved by calendar changes since `since`, in the order recorded:
        (case id, deadline, old, new, when)."""
        return [
            tuple(row)  # type: ignore[misc]
            for row in self.session.execute(
                select(
                    DueChange.case_id,
                    DueChange.deadline,
                    DueChange.old_due,
                    DueChange.new_due,
                    DueChange.at,
                )
                .where(DueChange.at >= since)
                .order_by(DueChange.at, DueChange.id)
            ).all()
        ]

    # -- people and agencies ---------------------------------------------------------------

    def agencies(self) -> list[AgencySettings]:
        rows = self.session.execute(select(Agency).order_by(Agency.id)).scalars()
        return [
            AgencySettings(
                a.id,
                a.code,
                a.name,
                a.parent_id,
                a.report_kind,
                a.auto_close_abandoned,
                a.auto_close_unpaid,
                a.webhook_flavor,
                a.webhook_url,
                a.webhook_secret,
            )
            for a in rows
        ]

    def set_agency_settings(self, agency_id: int, settings: Any) -> None:
        self.session.execute(
            update(Agency)
            .where(Agency.id == agency_id)
            .values(
                webhook_flavor=settings.webhook_flavor,
                webhook_url=settings.webhook_url,
                webhook_secret=settings.webhook_secret,
                report_kind=settings.report_kind,
                auto_close_abandoned=settings.auto_close_abandoned,
                auto_close_unpaid=settings.auto_close_unpaid,
            )
        )

    def people(self, agency_id: int | None, roles: Iterable[Role]) -> list[Person]:
        """Active users of the roles, of one agency (None: any agency)."""
        query = select(User.username, User.display_name, User.email).where(
            User.role.in_([r.value for r in roles]), User.active
        )
        if agency_id is not None:
            query = query.where(User.agency_id == agency_id)
        return [Person(*row) for row in self.session.execute(query.order_by(User.username)).all()]

    def person(self, username: str) -> Person | None:
        row = self.session.execute(
            select(User.username, User.display_name, User.email).where(User.username == username)
        ).first()
        return Person(*row) if row else None

    # -- outbox to deliveries --------------------------------------------------------------

    def unhanded(self) -> list[Outbox]:
        """Outbox rows written by sweeps (and the year-end close) and not yet handed to the
        e-mail/webhook channels."""
        return list(
            self.session.execute(
                select(Outbox)
                .where(Outbox.batch.is_not(None), Outbox.sent_at.is_(None))
                .order_by(Outbox.id)
            ).scalars()
        )

    def hand_over(self, ids: Sequence[int], at: dt.datetime) -> None:
        table = Outbox.__table__
        for start in range(0, len(ids), CHUNK):
            self.session.execute(
                update(table)
                .where(among(self.session, table.c.id, ids[start : start + CHUNK]))
                .values(sent_at=at)
            )

    def add_delivery(self, channel: str, target: str, batch: str, outbox_ids: list[int], at: dt.datetime) -> bool:
        insert = _insert(self.session)
        result = self.session.execute(
            insert(Delivery)
            .values(
                channel=channel,
                target=target,
                batch=batch,
                outbox_ids=outbox_ids,
                status="pending",
                attempts=0,
                created_at=at,
                next_attempt_at=at,
                last_error="",
            )
            .on_conflict_do_nothing(index_elements=["channel", "target", "batch"])
            .returning(Delivery.id)
        )
        return result.scalar_one_or_none() is not None

    def claim_deliveries(self, now: dt.datetime, limit: int = 50) -> list[Delivery]:
        """Pending deliveries whose time has come, locked for this dispatcher; on PostgreSQL
        rows another dispatcher holds are skipped (SKIP LOCKED), on SQLite the write
        transaction already holds the database."""
        query = (
            select(Delivery)
            .where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list(self.session.execute(query).scalars())

    def outbox_rows(self, ids: Sequence[int]) -> list[Outbox]:
        return list(
            self.session.execute(select(Outbox).where(Outbox.id.in_(list(ids))).order_by(Outbox.id)).scalars()
        )

    def record_attempt(self, delivery: Delivery, ok: bool, detail: str, at: dt.datetime) -> None:
        self.session.add(DeliveryAttempt(delivery_id=delivery.id, at=at, ok=ok, detail=detail[:2000]))

    def requeue_failed(self, ids: Sequence[int], at: dt.datetime) -> list[int]:
        """Put failed deliveries back in the queue with a fresh retry schedule (the attempts
        already made stay recorded); returns the ids that were failed."""
        failed = list(
            self.session.execute(
                select(Delivery.id).where(Delivery.id.in_(list(ids)), Delivery.status == "failed")
            ).scalars()
        )
        if failed:
            self.session.execute(
                update(Delivery)
                .where(Delivery.id.in_(failed))
                .values(
                    status="pending",
                    attempts=0,
                    first_attempt_at=None,
                    finished_at=None,
                    next_attempt_at=at,
                )
            )
        return failed

    def failed_deliveries(self) -> list[dict[str, Any]]:
        rows = self.session.execute(
            select(Delivery).where(Delivery.status == "failed").order_by(Delivery.id.desc())
        ).scalars()
        return [
            {
                "id": d.id,
                "channel": d.channel,
                "target": d.target,
                "attempts": d.attempts,
                "error": d.last_error,
                "finished_at": d.finished_at,
            }
            for d in rows
        ]

    # -- inbox -----------------------------------------------------------------------------

    def inbox(self, username: str, unread_only: bool) -> list[Outbox]:
        query = select(Outbox).where(Outbox.recipient == username)
        if unread_only:
            query = query.where(Outbox.read_at.is_(None))
        return list(
            self.session.execute(query.order_by(Outbox.created_at.desc(), Outbox.id.desc())).scalars()
        )

    def unread_count(self, username: str) -> int:
        return execute_core(self.session, _unread_sql(), {"username": username}).scalar_one()

    def mark_read(self, username: str, ids: Sequence[int], at: dt.datetime) -> list[int]:
        """Mark the user's own messages read; returns the ids that are theirs."""
        own = list(
            self.session.execute(
                select(Outbox.id).where(Outbox.recipient == username, Outbox.id.in_(list(ids)))
            ).scalars()
        )
        if own:
            self.session.execute(
                update(Outbox)
                .where(Outbox.id.in_(own), Outbox.read_at.is_(None))
                .values(read_at=at)
            )
        return own

    # -- flow runs -------------------------------------------------------------------------

    def start_run(self, kind: str, as_of: dt.date, at: dt.datetime) -> int:
        run = FlowRun(kind=kind, as_of=as_of, started_at=at, counts={}, error="")
        self.session.add(run)
        self.session.flush()
        return run.id

    def finish_run(self, run_id: int, counts: dict[str, Any], error: str, at: dt.datetime) -> None:
        self.session.execute(
            update(FlowRun)
            .where(FlowRun.id == run_id)
            .values(finished_at=at, counts=counts, error=error[:4000])
        )

    def last_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        rows = self.session.execute(
            select(FlowRun).order_by(FlowRun.started_at.desc(), FlowRun.id.desc()).limit(limit)
        ).scalars()
        return [
            {
                "id": r.id,
                "kind": r.kind,
                "as_of": r.as_of,
                "started_at": r.started_at,
                "finished_at": r.finished_at,
                "counts": r.counts,
                "error": r.error,
            }
            for r in rows
        ]
