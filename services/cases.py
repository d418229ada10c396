"""Case actions: one function per action, each one transaction.

Every action loads the case under a lock (BEGIN IMMEDIATE on SQLite, SELECT … FOR UPDATE on
PostgreSQL), checks the version the caller saw when one is given, asks the domain to apply
the action, appends the event, recomputes the projection and commits. Two people acting on
the same version at once: exactly one wins, the other gets `ConflictError` and nothing of
theirs is written. The unique (case_id, seq) constraint is the last line of that defence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from domain.case import Case as DomainCase
from domain.case import (
    CaseEventType,
    Registration,
    register,
)
from domain.errors import ConflictError, DomainError, NotFoundError
from domain.report import years_counted
from services import fees_service
from services.calendar_service import load_calendar
from services.clock_time import now_utc, today_shanghai
from services.directory import actor_for, agency_by_code, format_case_no, user_by_name
from services.projection import (
    apply_projection,
    clock_of,
    projection,
    to_domain_event,
    to_event_row,
)
from services.year_service import guard_year_change
from store.db import is_sqlite, write_session
from store.models import Agency, CaseCounter, CaseEventRow, CaseRow, User


@dataclass(frozen=True)
class CaseRef:
    """What a caller needs back from an action."""

    case_no: str
    version: int
    state: str
    due: dt.date | None
    waiting_due: dt.date | None
    provisional: bool
    extra: dict[str, Any] = field(default_factory=dict)


def _ref(row: CaseRow, **extra: Any) -> CaseRef:
    return CaseRef(
        row.case_no, row.version, row.state, row.due, row.waiting_due, row.provisional, extra
    )


# -- numbering ------------------------------------------------------------------------------


def next_case_no(session: Session, agency: Agency, year: int) -> str:
    """Take the next free number of the agency's year inside the caller's transaction.

    Numbers are gapless among the numbers the engine issues; a number already taken by a case
    imported from the office's ledger (same format) is skipped, not issued twice.
    """
    while True:
        case_no = _take_number(session, agency, year)
        taken = session.execute(select(CaseRow.id).where(CaseRow.case_no == case_no)).first()
        if taken is None:
            return case_no


def _take_number(session: Session, agency: Agency, year: int) -> str:
    """Increment the agency-year counter (a row lock serialises concurrent registrations)."""
    session.flush()
    if is_sqlite(session.get_bind()):
        stmt = (
            update(CaseCounter)
            .where(CaseCounter.agency_id == agency.id, CaseCounter.year == year)
            .values(last_seq=CaseCounter.last_seq + 1)
            .returning(CaseCounter.last_seq)
        )
        seq = session.execute(stmt).scalar_one_or_none()
        if seq is None:
            session.execute(insert(CaseCounter).values(agency_id=agency.id, year=year, last_seq=1))
            seq = 1
    else:
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = (
            pg_insert(CaseCounter)
            .values(agency_id=agency.id, year=year, last_seq=1)
            .on_conflict_do_update(
                index_elements=[CaseCounter.agency_id, CaseCounter.year],
                set_={"last_seq": CaseCounter.last_seq + 1},
            )
            .returning(CaseCounter.last_seq)
        )
        seq = session.execute(stmt).scalar_one()
    prefix = agency.name
    return format_case_no(
        agency.case_no_format, prefix=prefix, code=agency.code, year=year, seq=seq
    )


# -- registration ---------------------------------------------------------------------------


NewCase = Registration  # the name callers of the services know it by


def register_case(
    engine: Engine, new: NewCase, username: str, *, today: dt.date | None = None
) -> CaseRef:
    """Register an application; the case number is issued in the same transaction."""
    today = today or today_shanghai()
    with write_session(engine) as session:
        return _ref(insert_case(session, new, username, today=today))


def insert_case(
    session: Session,
    new: NewCase,
    actor_name: str,
    *,
    today: dt.date,
    case_no: str | None = None,
    outcome: str | None = None,
    concluded_on: dt.date | None = None,
    calendar=None,
) -> CaseRow:
    """Validate and insert one case in the caller's transaction (registration and import)."""
    agency = agency_by_code(session, new.agency)
    actor = actor_for(session, actor_name)
    assignee = user_by_name(session, new.assignee) if new.assignee else None
    imported = case_no is not None
    form = replace(
        new,
        case_no=case_no or "",
        agency=agency.code,
        assignee=assignee.username if assignee else None,
        supplement_days=agency.supplement_days,
    )
    now = now_utc()
    case, event = register(
        form, actor, now, today, imported=imported, outcome=outcome, concluded_on=concluded_on
    )
    guard_year_change(session, agency.id, years_counted(case.received_on, case.concluded_on, today))
    if not imported:
        number = next_case_no(session, agency, new.received_on.year)
        event.payload["case_no"] = number  # type: ignore[index]
        case.case_no = number
    calendar = calendar or load_calendar(session)
    row = CaseRow(
        case_no=case.case_no,
        agency_id=agency.id,
        applicant_name=case.applicant.name,
        applicant_type=case.applicant.type.value,
        id_kind=case.applicant.id_kind,
        id_number=case.applicant.id_number,
        contact=case.applicant.contact,
        channel=case.channel.value,
        received_on=case.received_on,
        content=case.content,
        requested_form=case.requested_form,
        assignee_id=assignee.id if assignee else None,
        imported=imported,
        version=1,
        created_at=now,
        updated_at=now,
    )
    apply_projection(row, projection(case, calendar) | {"state": case.state.value})
    session.add(row)
    session.flush()
    session.add(to_event_row(row.id, 1, event))
    return row


# -- actions --------------------------------------------------------------------------------


def load_case(session: Session, case_no: str, *, lock: bool = False) -> tuple[CaseRow, DomainCase]:
    query = select(CaseRow).where(CaseRow.case_no == case_no)
    if lock and not is_sqlite(session.get_bind()):
        query = query.with_for_update()
    row = session.execute(query).scalar_one_or_none()
    if row is None:
        raise NotFoundError(f"案件“{case_no}”不存在", field="case_no", rule="须为已登记的案件")
    events = session.execute(
        select(CaseEventRow).where(CaseEventRow.case_id == row.id).order_by(CaseEventRow.seq)
    ).scalars()
    return row, DomainCase.from_events(to_domain_event(e) for e in events)


def act(
    engine: Engine,
    case_no: str,
    action: CaseEventType | str,
    username: str,
    *,
    on: dt.date | None = None,
    reason: str = "",
    expected_version: int | None = None,
    today: dt.date | None = None,
    **payload: Any,
) -> CaseRef:
    """Apply one state-machine action to a case, in one transaction."""
    today = today or today_shanghai()
    on = on or today
    action = CaseEventType(action)
    if on > today:
        raise DomainError(
            f"日期（on）{on.isoformat()} 晚于今天 {today.isoformat()}，不能预先登记",
            field="on",
            rule="日期不能在未来",
        )
    try:
        with write_session(engine) as session:
            return _act_in(
                session, case_no, action, username, on, reason, expected_version, payload, today
            )
    except IntegrityError:
        raise _conflict(case_no) from None
    except OperationalError as exc:
        if "locked" in str(exc) or "could not serialize" in str(exc):
            raise _conflict(case_no) from None
        raise


def _conflict(case_no: str) -> ConflictError:
    return ConflictError(
        f"案件 {case_no} 刚被他人修改，本次操作未保存。请刷新后重试。",
        field="version",
        rule="并发修改",
    )


def _act_in(
    session: Session,
    case_no: str,
    action: CaseEventType,
    username: str,
    on: dt.date,
    reason: str,
    expected_version: int | None,
    payload: dict[str, Any],
    today: dt.date | None = None,
) -> CaseRef:
    actor = actor_for(session, username)
    row, case = load_case(session, case_no, lock=True)
    if expected_version is not None and row.version != expected_version:
        raise _conflict(case_no)
    if action is CaseEventType.ASSIGNED:
        assignee = user_by_name(session, str(payload.get("assignee") or ""))
        payload["assignee"] = assignee.username
        row.assignee_id = assignee.id
    if action in _CONCLUDING:
        # The case is open, so it is counted in every year up to today's; concluding it on
        # `on` changes the figures of on's year and of every later one (it is no longer
        # carried into them), so all of them must be unlocked.
        guard_year_change(session, row.agency_id, range(on.year, max(on, today or on).year + 1))
    elif action is CaseEventType.CORRECTED:
        guard_year_change(
            session, row.agency_id, years_counted(case.received_on, case.concluded_on, on)
        )
    calendar = load_calendar(session)
    quote = None
    if action is CaseEventType.FEE_NOTICE_SENT:
        quote = fees_service.quote_for(
            session, row, str(payload.get("method")), payload.get("quantity", -1), on
        )
        payload = fees_service.fee_payload(quote)
    event = case.act(action, actor, on, now_utc(), calendar, reason=reason, **payload)
    if quote is not None:
        fees_service.record_notice(session, row, quote, on)
    elif action is CaseEventType.FEE_PAID:
        fees_service.record_payment(session, row, on)
    seq = row.version + 1
    session.add(to_event_row(row.id, seq, event))
    apply_projection(row, projection(case, calendar))
    row.version = seq
    row.updated_at = event.at
    session.flush()
    return _ref(row)


_CONCLUDING = {CaseEventType.ANSWERED, CaseEventType.DEEMED_ABANDONED, CaseEventType.WITHDRAWN}


# -- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseDetail:
    row: dict[str, Any]
    events: list[dict[str, Any]]
    clock: dict[str, Any] | None
    explanation: list[str]
    provisional_warning: str | None


def case_row_dict(row: CaseRow, agency_code: str, assignee: str | None) -> dict[str, Any]:
    return {
        "case_no": row.case_no,
        "agency": agency_code,
        "applicant_name": row.applicant_name,
        "applicant_type": row.applicant_type,
        "channel": row.channel,
        "received_on": row.received_on.isoformat(),
        "content": row.content,
        "assignee": assignee,
        "state": row.state,
        "outcome": row.outcome,
        "concluded_on": row.concluded_on.isoformat() if row.concluded_on else None,
        "due": row.due.isoformat() if row.due else None,
        "clock": row.clock,
        "waiting_for": row.waiting_for,
        "waiting_due": row.waiting_due.isoformat() if row.waiting_due else None,
        "provisional": row.provisional,
        "on_time": row.on_time,
        "imported": row.imported,
        "version": row.version,
    }


def show_case(engine: Engine, case_no: str) -> CaseDetail:
    from store.db import read_session

    with read_session(engine) as session:
        row, case = load_case(session, case_no)
        agency = session.get(Agency, row.agency_id)
        assignee = session.get(User, row.assignee_id) if row.assignee_id else None
        calendar = load_calendar(session)
        state = clock_of(case, calendar)
        warning = None
        if state is not None and state.provisional:
            warning = (
                f"此期限涉及 {calendar.provisional_from.isoformat()} 以后的日期，"
                "节假日安排尚未正式公布，为暂定期限"
            )
        events = [
            {
                "seq": i + 1,
                "type": e.type.value,
                "on": e.on.isoformat(),
                "at": e.at.isoformat(),
                "actor": e.actor,
                "role": e.role.value,
                "reason": e.reason,
                "payload": dict(e.payload),
            }
            for i, e in enumerate(case.events)
        ]
        return CaseDetail(
            case_row_dict(
                row, agency.code if agency else "", assignee.username if assignee else None
            ),
            events,
            state.to_json() if state else None,
            [s.text for s in state.steps] if state else [],
            warning,
        )


def count_cases(session: Session) -> int:
    return session.execute(select(func.count()).select_from(CaseRow)).scalar_one()
