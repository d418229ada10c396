"""The read side: the queue and case listings, straight from the projected case rows.

Reads never rebuild aggregates: the case row already holds the projection. Conditions that are
rules (overdue, due within N working days, open) come from `domain` and are compiled here.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    extract,
    func,
    not_,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from domain.case import CLOSED_STATES, due_by, is_open_case, overdue_on
from domain.identity import mask_id
from domain.predicates import Not
from store.db import execute_core
from store.models import Agency, CaseRow, DueChange, User
from store.predicates import compile_predicate


@dataclass(frozen=True)
class CaseQuery:
    """What a listing asks for, already resolved to ids and dates by the service."""

    agency_ids: list[int] | None = None
    assignee_id: int | None = None
    state: str | None = None  # a CaseState value, or "open" / "closed"
    due_by: dt.date | None = None
    overdue_on: dt.date | None = None
    unassigned: bool = False
    search: str | None = None  # in the case number, applicant, ID number or content
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    limit: int | None = None
    offset: int = 0


def case_row_dict(row: CaseRow, agency_code: str, assignee: str | None) -> dict[str, Any]:
    """The listing form of a case (the ID number masked, RULES §7), from its ORM row."""
    return _listed_dict((*(getattr(row, column.key) for column in _LISTED), agency_code, assignee))


class Queries:
    """Read-only listings over one transaction's session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def list_cases(self, query: CaseQuery) -> list[dict[str, Any]]:
        return list_cases(self.session, query)

    def open_counts(
        self, agency_ids: list[int] | None, today: dt.date, at_risk_by: dt.date
    ) -> list[dict[str, Any]]:
        return open_counts(self.session, agency_ids, today, at_risk_by)

    def case_row(self, case_id: int) -> dict[str, Any]:
        return case_row(self.session, case_id)

    def due_changes(self, case_id: int) -> list[dict[str, Any]]:
        return due_changes(self.session, case_id)

    def pending_extensions(self, agency_ids: list[int] | None) -> list[dict[str, Any]]:
        return pending_extensions(self.session, agency_ids)

    def on_time_by_agency(
        self, agency_ids: list[int] | None, year_start: dt.date, year_end: dt.date
    ) -> list[dict[str, Any]]:
        return on_time_by_agency(self.session, agency_ids, year_start, year_end)

    def on_time_by_month(
        self, agency_ids: list[int] | None, year_start: dt.date, year_end: dt.date
    ) -> dict[int, dict[str, int]]:
        return on_time_by_month(self.session, agency_ids, year_start, year_end)


#: The columns a listing shows, in `_listed_dict`'s order: the queue reads no more than it
#: shows (no timestamps to parse, no reminder bookkeeping).
_LISTED = (
    CaseRow.case_no,
    CaseRow.applicant_name,
    CaseRow.applicant_type,
    CaseRow.channel,
    CaseRow.id_kind,
    CaseRow.id_number,
    CaseRow.contact,
    CaseRow.requested_form,
    CaseRow.received_on,
    CaseRow.content,
    CaseRow.state,
    CaseRow.outcome,
    CaseRow.concluded_on,
    CaseRow.due,
    CaseRow.clock,
    CaseRow.waiting_for,
    CaseRow.waiting_due,
    CaseRow.provisional,
    CaseRow.on_time,
    CaseRow.imported,
    CaseRow.version,
)


#: The users table once more, as the assignee; made once (an alias copies every column).
_ASSIGNEE = aliased(User, name="assignee")


def _listed_dict(row: Any) -> dict[str, Any]:
    """The listing form of a case (the ID number masked, RULES §7) from a row of `_LISTED`
    + agency code + assignee name, by position: the queue reads plain rows, not entities."""
    (
        case_no, applicant_name, applicant_type, channel, id_kind, id_number, contact,
        requested_form, received_on, content, state, outcome, concluded_on, due, clock,
        waiting_for, waiting_due, provisional, on_time, imported, version, agency_code, assignee,
    ) = row
    return {
        "case_no": case_no,
        "agency": agency_code,
        "applicant_name": applicant_name,
        "applicant_type": applicant_type,
        "channel": channel,
        "id_kind": id_kind,
        "id_number": mask_id(id_number) if id_number else "",
        "contact": contact,
        "requested_form": requested_form,
        "received_on": received_on.isoformat(),
        "content": content,
        "assignee": assignee,
        "state": state,
        "outcome": outcome,
        "concluded_on": concluded_on.isoformat() if concluded_on else None,
        "due": due.isoformat() if due else None,
        "clock": clock,
        "waiting_for": waiting_for,
        "waiting_due": waiting_due.isoformat() if waiting_due else None,
        "provisional": provisional,
        "on_time": on_time,
        "imported": imported,
        "version": version,
    }


def list_cases(session: Session, query: CaseQuery) -> list[dict[str, Any]]:
    """Matching cases, open before closed, soonest due first (no due date last).

    One statement, LIMIT in SQL. For one agency's open cases (the caseworker queue) the
    order below is the order of the partial index `ix_cases_open_queue` (migration 0011), so
    the database reads the first `limit` rows of it and sorts nothing.
    """
    shape = _Shape(
        agencies=query.agency_ids is not None,
        assignee=query.assignee_id is not None,
        unassigned=query.unassigned,
        state=query.state if query.state in (None, "open", "closed") else "exact",
        due_by=query.due_by is not None,
        overdue=query.overdue_on is not None,
        search=bool(query.search),
        received_from=query.received_from is not None,
        received_to=query.received_to is not None,
        limit=query.limit is not None,
        offset=bool(query.offset),
    )
    values: dict[str, Any] = {
        "agency_ids": query.agency_ids,
        "assignee_id": query.assignee_id,
        "state": query.state,
        "due_by": query.due_by,
        "overdue_on": query.overdue_on,
        "received_from": query.received_from,
        "received_to": query.received_to,
        "limit": query.limit,
        "offset": query.offset,
    }
    if query.search:
        escaped = query.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        values["pattern"] = "%" + escaped + "%"
    # Core execution: the rows are plain tuples, the ORM has nothing to add to them
    rows = execute_core(session, _listing(shape), values)
    return [_listed_dict(row) for row in rows]


@dataclass(frozen=True)
class _Shape:
    """Which filters a listing uses: the statement depends on these, not on their values."""

    agencies: bool
    assignee: bool
    unassigned: bool
    state: str | None  # None, "open", "closed" or "exact" (one state, a parameter)
    due_by: bool
    overdue: bool
    search: bool
    received_from: bool
    received_to: bool
    limit: bool
    offset: bool


@functools.cache
def _listing(shape: _Shape) -> Select[Any]:
    """The listing statement of one shape, built once with named parameters.

    Building a statement of this size and its cache key costs about 1 ms of Python on every
    request; a statement object that is reused keeps its key, so the queue only binds values
    (a few hundred shapes at most).
    """
    closed = [s.value for s in CLOSED_STATES]
    assignee = _ASSIGNEE
    # plain rows, not ORM entities: a listing never changes them, and the queue is hot
    stmt = (
        select(*_LISTED, Agency.code, assignee.username)
        .join(Agency, Agency.id == CaseRow.agency_id)
        .outerjoin(assignee, assignee.id == CaseRow.assignee_id)
    )
    if shape.agencies:
        stmt = stmt.where(CaseRow.agency_id.in_(bindparam("agency_ids", expanding=True)))
    if shape.assignee:
        stmt = stmt.where(CaseRow.assignee_id == bindparam("assignee_id"))
    if shape.unassigned:
        stmt = stmt.where(CaseRow.assignee_id.is_(None))
    # whether the state filter leaves only open or only closed cases: then "open before
    # closed" orders nothing, and is left out so the sort matches the index
    one_side = shape.state is not None or shape.due_by or shape.overdue
    if shape.state == "open":
        stmt = stmt.where(compile_predicate(is_open_case()))
    elif shape.state == "closed":
        stmt = stmt.where(compile_predicate(Not(is_open_case())))
    elif shape.state == "exact":
        stmt = stmt.where(CaseRow.state == bindparam("state"))
    if shape.due_by:
        stmt = stmt.where(compile_predicate(due_by(bindparam("due_by", type_=Date))))
    if shape.overdue:
        stmt = stmt.where(compile_predicate(overdue_on(bindparam("overdue_on", type_=Date))))
    if shape.search:
        pattern = bindparam("pattern")
        stmt = stmt.where(
            or_(
                CaseRow.case_no.like(pattern, escape="\\"),
                CaseRow.applicant_name.like(pattern, escape="\\"),
                CaseRow.id_number.like(pattern, escape="\\"),
                CaseRow.content.like(pattern, escape="\\"),
            )
        )
    if shape.received_from:
        stmt = stmt.where(CaseRow.received_on >= bindparam("received_from", type_=Date))
    if shape.received_to:
        stmt = stmt.where(CaseRow.received_on <= bindparam("received_to", type_=Date))
    order = [] if one_side else [CaseRow.state.in_(closed)]  # the queue first; concluded after
    stmt = stmt.order_by(
        *order,
        CaseRow.due.is_(None),  # NULLs last on both databases (SQLite sorts them first)
        CaseRow.due,
        CaseRow.waiting_due.is_(None),
        CaseRow.waiting_due,
        CaseRow.id,
    )
    if shape.limit:
        stmt = stmt.limit(bindparam("limit", type_=Integer))
    if shape.offset:
        stmt = stmt.offset(bindparam("offset", type_=Integer))
    return stmt


def open_counts(
    session: Session, agency_ids: list[int] | None, today: dt.date, at_risk_by: dt.date
) -> list[dict[str, Any]]:
    """Open cases per (agency, assignee): how many, how many overdue on `today`, and how many
    not overdue but due by `at_risk_by` — the dashboard's bars, counted by the database
    instead of read row by row (a region holds hundreds of thousands of open cases). Overdue
    is `domain.case.overdue_on`, compiled; the amber rule is `domain.queue.urgency`'s."""
    overdue = compile_predicate(overdue_on(today))
    at_risk = and_(not_(overdue), CaseRow.due <= at_risk_by)
    assignee = _ASSIGNEE
    stmt = (
        select(
            Agency.code,
            assignee.username,
            func.count(),
            func.sum(case((overdue, 1), else_=0)),
            func.sum(case((at_risk, 1), else_=0)),
        )
        .join(Agency, Agency.id == CaseRow.agency_id)
        .outerjoin(assignee, assignee.id == CaseRow.assignee_id)
        .where(compile_predicate(is_open_case()))
        .group_by(Agency.code, assignee.username)
    )
    if agency_ids is not None:
        stmt = stmt.where(CaseRow.agency_id.in_(agency_ids))
    return [
        {"agency": code, "assignee": name, "open": n, "overdue": int(late or 0), "at_risk": int(soon or 0)}
        for code, name, n, late, soon in execute_core(session, stmt)
    ]


def case_row(session: Session, case_id: int) -> dict[str, Any]:
    """One case's listing form by id (the case page's facts)."""
    assignee = aliased(User)
    row, code, name = session.execute(
        select(CaseRow, Agency.code, assignee.username)
        .join(Agency, Agency.id == CaseRow.agency_id)
        .outerjoin(assignee, assignee.id == CaseRow.assignee_id)
        .where(CaseRow.id == case_id)
    ).one()
    return case_row_dict(row, code, name)


def due_changes(session: Session, case_id: int) -> list[dict[str, Any]]:
    """The deadlines of a case that calendar changes moved, oldest first."""
    return [
        {
            "deadline": d.deadline,
            "old_due": d.old_due,
            "new_due": d.new_due,
            "shift_days": d.shift_days,
            "cause": d.cause,
            "at": d.at,
        }
        for d in session.execute(
            select(DueChange).where(DueChange.case_id == case_id).order_by(DueChange.id)
        ).scalars()
    ]


def pending_extensions(session: Session, agency_ids: list[int] | None) -> list[dict[str, Any]]:
    """Open cases whose latest extension event is a request not yet decided."""
    from sqlalchemy import func

    from store.models import CaseEventRow

    requested = (
        select(CaseEventRow.case_id, func.max(CaseEventRow.seq).label("seq"))
        .where(CaseEventRow.type == "extension_requested")
        .group_by(CaseEventRow.case_id)
        .subquery()
    )
    decided = (
        select(CaseEventRow.case_id, func.max(CaseEventRow.seq).label("seq"))
        .where(CaseEventRow.type.in_(["extension_granted", "extension_refused"]))
        .group_by(CaseEventRow.case_id)
        .subquery()
    )
    assignee = aliased(User)
    stmt = (
        select(CaseRow, Agency.code, assignee.username, CaseEventRow)
        .join(requested, requested.c.case_id == CaseRow.id)
        .outerjoin(decided, decided.c.case_id == CaseRow.id)
        .join(
            CaseEventRow,
            (CaseEventRow.case_id == CaseRow.id) & (CaseEventRow.seq == requested.c.seq),
        )
        .join(Agency, Agency.id == CaseRow.agency_id)
        .outerjoin(assignee, assignee.id == CaseRow.assignee_id)
        .where((decided.c.seq.is_(None)) | (decided.c.seq < requested.c.seq))
        .where(compile_predicate(is_open_case()))
        .order_by(CaseRow.due, CaseRow.id)
    )
    if agency_ids is not None:
        stmt = stmt.where(CaseRow.agency_id.in_(agency_ids))
    out = []
    for row, code, name, event in session.execute(stmt).all():
        item = case_row_dict(row, code, name)
        item["request"] = {
            "workdays": (event.payload or {}).get("workdays"),
            "reason": event.reason,
            "by": event.actor,
            "on": event.on.isoformat(),
        }
        out.append(item)
    return out


def on_time_by_agency(
    session: Session, agency_ids: list[int] | None, year_start: dt.date, year_end: dt.date
) -> list[dict[str, Any]]:
    """Per agency: cases concluded in the year, and how many of them on time."""
    stmt = (
        _concluded_counts(agency_ids, year_start, year_end)
        .add_columns(Agency.code, Agency.name)
        .join(Agency, Agency.id == CaseRow.agency_id)
        .group_by(Agency.code, Agency.name)
        .order_by(Agency.code)
    )
    return [
        {"agency": code, "name": name, **_figures(n, ok, late)}
        for n, ok, late, code, name in session.execute(stmt).all()
    ]


def on_time_by_month(
    session: Session, agency_ids: list[int] | None, year_start: dt.date, year_end: dt.date
) -> dict[int, dict[str, int]]:
    """Per month of the year (1–12, months without any left out): cases concluded in it, and
    how many of them on time and late."""
    month = extract("month", CaseRow.concluded_on)
    stmt = _concluded_counts(agency_ids, year_start, year_end).add_columns(month).group_by(month)
    return {int(m): _figures(n, ok, late) for n, ok, late, m in session.execute(stmt).all()}


def _concluded_counts(agency_ids: list[int] | None, start: dt.date, end: dt.date) -> Select[Any]:
    """Cases concluded from `start` to `end` in the agencies: how many, how many answered on
    time and how many late (the rest had no due date in force: no verdict)."""
    stmt = select(
        func.count(CaseRow.id),
        func.sum(case((CaseRow.on_time.is_(True), 1), else_=0).cast(Integer)),
        func.sum(case((CaseRow.on_time.is_(False), 1), else_=0).cast(Integer)),
    ).where(CaseRow.concluded_on >= start, CaseRow.concluded_on <= end)
    if agency_ids is not None:
        stmt = stmt.where(CaseRow.agency_id.in_(agency_ids))
    return stmt


def _figures(concluded: int, on_time: int | None, late: int | None) -> dict[str, int]:
    return {"concluded": int(concluded), "on_time": int(on_time or 0), "late": int(late or 0)}
