"""The database tables (SQLAlchemy 2.x), the same on SQLite and PostgreSQL.

The case row is a projection of its append-only events; `version` counts the events and is
how two people acting on one case at once are told apart (exactly one wins). Case numbers
come from `case_counters`, one row per agency and year, incremented inside the registering
transaction, so a rolled-back registration leaves no gap and two at once never share a number.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from domain.case import OPEN_STATES

JsonType = JSON().with_variant(JSONB(), "postgresql")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JsonType}


class Agency(Base):
    """An agency in the tree: 区政府, its departments and 街道."""

    __tablename__ = "agencies"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    supplement_days: Mapped[int] = mapped_column(Integer, default=15)
    case_no_format: Mapped[str] = mapped_column(String(100))
    auto_close_abandoned: Mapped[bool] = mapped_column(Boolean, default=False)
    # the agency's own letter templates, looked up before seeds/letters/ (migration 0005)
    letters_dir: Mapped[str | None] = mapped_column(String(500))
    # notifications and reminders (migration 0006): the group-robot webhook (flavor
    # wecom | dingtalk | json, empty: none), which report date applies (department 31 January,
    # government 31 March), and whether a lapsed fee window closes the case automatically
    webhook_flavor: Mapped[str] = mapped_column(String(20), default="", server_default="")
    webhook_url: Mapped[str] = mapped_column(String(500), default="", server_default="")
    webhook_secret: Mapped[str] = mapped_column(String(200), default="", server_default="")
    report_kind: Mapped[str] = mapped_column(
        String(20), default="department", server_default="department"
    )
    auto_close_unpaid: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # deactivated (migration 0009): registers no new case, keeps its cases, reports and history
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class CaseCounter(Base):
    """The last case number issued per agency and year."""

    __tablename__ = "case_counters"
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    email: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # sign-in (migration 0007): Argon2id hash, lockout counters
    password_hash: Mapped[str | None] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    first_failed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class CaseRow(Base):
    """A case's facts and its deadline projection."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_no: Mapped[str] = mapped_column(String(80), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_type: Mapped[str] = mapped_column(String(20))
    id_kind: Mapped[str] = mapped_column(String(20), default="other")
    id_number: Mapped[str] = mapped_column(String(40), default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    channel: Mapped[str] = mapped_column(String(20))
    received_on: Mapped[dt.date] = mapped_column(Date)
    content: Mapped[str] = mapped_column(Text)
    requested_form: Mapped[str] = mapped_column(String(100), default="")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(30))
    outcome: Mapped[str | None] = mapped_column(String(40))
    concluded_on: Mapped[dt.date | None] = mapped_column(Date)
    # projection of the clock
    due: Mapped[dt.date | None] = mapped_column(Date)
    clock: Mapped[str] = mapped_column(String(10))
    waiting_for: Mapped[str | None] = mapped_column(String(20))
    waiting_due: Mapped[dt.date | None] = mapped_column(Date)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    next_reminder_on: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_cases_agency_state_due", "agency_id", "state", "due"),
        Index("ix_cases_received_on", "received_on"),
        Index("ix_cases_concluded_on", "concluded_on"),
        Index("ix_cases_assignee", "assignee_id"),
        # the sweep reads only cases whose next watched point is due (migration 0006)
        Index("ix_cases_next_reminder_on", "next_reminder_on"),
        # covering indexes of the annual report's aggregates (migration 0003)
        Index(
            "ix_cases_agency_received",
            "agency_id",
            "received_on",
            "concluded_on",
            "applicant_type",
            "id",
        ),
        Index(
            "ix_cases_agency_concluded", "agency_id", "concluded_on", "outcome", "applicant_type"
        ),
    )


# The caseworker queue: an agency's open cases in the queue's own order (migration 0011). The
# predicate is written as `store.predicates` renders `domain.case.is_open_case()` (literal,
# sorted) so that both planners see that the queue's WHERE implies it.
Index(
    "ix_cases_open_queue",
    CaseRow.agency_id,
    CaseRow.due.is_(None),
    CaseRow.due,
    CaseRow.waiting_due.is_(None),
    CaseRow.waiting_due,
    CaseRow.id,
    postgresql_where=CaseRow.state.in_(sorted(s.value for s in OPEN_STATES)),
    sqlite_where=CaseRow.state.in_(sorted(s.value for s in OPEN_STATES)),
)


class CaseEventRow(Base):
    """One event of a case; append-only (database triggers refuse UPDATE and DELETE)."""

    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(30))
    on: Mapped[dt.date] = mapped_column(Date)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_case_events_case_seq"),)


class CalendarEntryRow(Base):
    """A dated holiday or make-up working day, with where it came from and who loaded it."""

    __tablename__ = "calendar_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(60), default="")
    source: Mapped[str] = mapped_column(String(10))
    schedule_year: Mapped[int] = mapped_column(Integer)
    loaded_by: Mapped[str] = mapped_column(String(60))
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    festival: Mapped[str] = mapped_column(String(20), default="", server_default="")
    origin: Mapped[str] = mapped_column(String(120), default="", server_default="")

    __table_args__ = (UniqueConstraint("day", "source", name="uq_calendar_entries_day_source"),)


class DueChange(Base):
    """A deadline moved by a calendar change (the answer due date, or the 补正 / consultation /
    fee window the office waits on); the sweep tells the assignee (`due_moved`)."""

    __tablename__ = "due_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    deadline: Mapped[str] = mapped_column(String(20), default="answer", server_default="answer")
    old_due: Mapped[dt.date | None] = mapped_column(Date)
    new_due: Mapped[dt.date | None] = mapped_column(Date)
    shift_days: Mapped[int] = mapped_column(Integer)
    cause: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class FeeRecord(Base):
    """A fee notice and its payment (信息处理费)."""

    __tablename__ = "fee_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    method: Mapped[str] = mapped_column(String(10))
    quantity: Mapped[int] = mapped_column(Integer)
    amount_yuan: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    payer_identity: Mapped[str] = mapped_column(String(40), default="")
    notice_on: Mapped[dt.date] = mapped_column(Date)
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    breakdown: Mapped[dict[str, Any]] = mapped_column(default=dict)


class YearLedger(Base):
    """Cases carried out of a year, as recorded by the year-end close."""

    __tablename__ = "year_ledger"
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    year: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    applicant_type: Mapped[str] = mapped_column(String(20))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("year", "case_id", name="uq_year_ledger_year_case"),)


class Outbox(Base):
    """Notifications written in the same transaction as the change that causes them."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(200))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    batch: Mapped[str | None] = mapped_column(String(40))  # the sweep run that wrote it

    __table_args__ = (Index("ix_outbox_recipient", "recipient", "created_at"),)


class Reminder(Base):
    """A reminder threshold decided once: sent or skipped (RULES §6 "Exactly once").

    Unique on (subject, kind, threshold, watched): the sweep inserts-or-skips, so two sweeps
    at once or a re-run after a crash never write a second one; a moved date is a new key.
    """

    __tablename__ = "reminders"
    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(30))
    threshold: Mapped[int] = mapped_column(Integer)
    watched: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))  # sent | skipped
    swept_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint(
            "subject",
            "kind",
            "threshold",
            "watched",
            name="uq_reminders_subject_kind_threshold_watched",
        ),
    )


class Delivery(Base):
    """One e-mail digest or webhook post owed for a batch of outbox rows, and its state."""

    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # email | webhook
    target: Mapped[str] = mapped_column(String(200))  # user name or agency code
    batch: Mapped[str] = mapped_column(String(40))
    outbox_ids: Mapped[list[int]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10))  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    first_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text, default="", server_default="")

    __table_args__ = (
        UniqueConstraint("channel", "target", "batch", name="uq_deliveries_channel_target_batch"),
        Index("ix_deliveries_status_next", "status", "next_attempt_at"),
    )


class DeliveryAttempt(Base):
    """Every try at a delivery, successful or not."""

    __tablename__ = "delivery_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ok: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[str] = mapped_column(Text, default="", server_default="")


class FlowRun(Base):
    """One run of a flow: what, as of which day, when, what it counted, and any error."""

    __tablename__ = "flow_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    as_of: Mapped[dt.date] = mapped_column(Date)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="", server_default="")

    __table_args__ = (Index("ix_flow_runs_kind_started", "kind", "started_at"),)


class YearLockedLedger(Base):
    """The carried-out list as it stood when a year was locked (published); kept for ever.

    An unlock and a later re-close change `year_ledger`, never this: every published list
    can still be shown and checked against.
    """

    __tablename__ = "year_locked_ledger"
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    year: Mapped[int] = mapped_column(Integer)
    locked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    applicant_type: Mapped[str] = mapped_column(String(20))

    __table_args__ = (Index("ix_year_locked_ledger_agency_year", "agency_id", "year", "locked_at"),)


class YearClose(Base):
    """That a year was closed for an agency (the ledger rows are its carried-out list)."""

    __tablename__ = "year_closes"
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    carried_out: Mapped[int] = mapped_column(Integer)
    balanced: Mapped[bool] = mapped_column(Boolean)
    closed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str] = mapped_column(String(60))


class YearLock(Base):
    """A published year: changes that would alter its figures are refused."""

    __tablename__ = "year_locks"
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    locked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    locked_by: Mapped[str] = mapped_column(String(60))


class YearAudit(Base):
    """Every close, lock and unlock, with who, when and why (unlock needs a reason)."""

    __tablename__ = "year_audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    year: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(10))
    actor: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Remedy(Base):
    """A reconsideration or litigation against a case, and its result (section 四)."""

    __tablename__ = "remedies"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(
        String(40)
    )  # reconsideration | litigation_direct | litigation_after_reconsideration
    filed_on: Mapped[dt.date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(10))  # upheld | corrected | other | pending
    result_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(60))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_remedies_case", "case_id"),
        Index("ix_remedies_filed_on", "filed_on"),
    )


class AnnualText(Base):
    """What people write for a year's report: section 二's figures, sections 一, 五, 六 text."""

    __tablename__ = "annual_texts"
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    section2: Mapped[dict[str, Any]] = mapped_column(default=dict)
    overview: Mapped[str] = mapped_column(Text, default="")
    problems: Mapped[str] = mapped_column(Text, default="")
    other_matters: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(60))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Letter(Base):
    """A letter as issued: the exact file is kept, so a re-print is the same document.

    `letter_no` (文号) is unique; `template_sha256` says which version of the template made it.
    """

    __tablename__ = "letters"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(20))
    letter_no: Mapped[str] = mapped_column(String(120), unique=True)
    template_name: Mapped[str] = mapped_column(String(200))
    template_sha256: Mapped[str] = mapped_column(String(64))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    issued_by: Mapped[str] = mapped_column(String(60))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (Index("ix_letters_case", "case_id"),)


class ApiToken(Base):
    """An API token, stored as its SHA-256 only; revoked by stamping `revoked_at` (0007)."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class IdempotencyKey(Base):
    """An intake's `Idempotency-Key` and the case it made: a retry returns that case (0007)."""

    __tablename__ = "idempotency_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(200))
    case_no: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("username", "key", name="uq_idempotency_keys_username"),)
