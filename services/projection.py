"""The case row's projection: state and deadline fields derived from the case's events."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.calendar import WorkCalendar
from domain.case import Case, CaseEvent, CaseEventType, Role
from domain.clock import ClockState, ClockStatus
from store.models import CaseEventRow, CaseRow

REMIND_WORKDAYS_BEFORE_DUE = 3


def to_domain_event(row: CaseEventRow) -> CaseEvent:
    return CaseEvent(
        CaseEventType(row.type), row.on, row.at, row.actor, Role(row.role), row.reason, row.payload
    )


def to_event_row(case_id: int, seq: int, event: CaseEvent) -> CaseEventRow:
    return CaseEventRow(
        case_id=case_id,
        seq=seq,
        type=event.type.value,
        on=event.on,
        at=event.at,
        actor=event.actor,
        role=event.role.value,
        reason=event.reason,
        payload=dict(event.payload),
    )


def clock_of(case: Case, calendar: WorkCalendar) -> ClockState | None:
    """The clock, except for a case imported already concluded: its history is not known."""
    if case.imported and case.outcome is not None:
        return None
    return case.clock(calendar)


def projection(case: Case, calendar: WorkCalendar) -> dict[str, Any]:
    """Column values of the case row derived from the case and the calendar."""
    state = clock_of(case, calendar)
    fields: dict[str, Any] = {
        "state": case.state.value,
        "outcome": case.outcome.value if case.outcome else None,
        "concluded_on": case.concluded_on,
        "applicant_type": case.applicant.type.value,
        "due": None,
        "clock": ClockStatus.STOPPED.value,
        "waiting_for": None,
        "waiting_due": None,
        "provisional": False,
        "on_time": None,
        "next_reminder_on": None,
    }
    if state is None:
        return fields
    fields.update(
        due=state.due,
        clock=state.clock.value,
        waiting_for=state.waiting_for.value if state.waiting_for else None,
        waiting_due=state.waiting_due,
        provisional=state.provisional,
        on_time=state.on_time,
        next_reminder_on=_next_reminder(case, state, calendar),
    )
    return fields


def _next_reminder(case: Case, state: ClockState, calendar: WorkCalendar) -> dt.date | None:
    """The next date a reminder is due: the waiting deadline, or a few working days before due."""
    if not case.is_open:
        return None
    points = []
    if state.waiting_due is not None:
        points.append(state.waiting_due)
    if state.due is not None and state.clock is ClockStatus.RUNNING:
        points.append(
            max(case.received_on, calendar.add_workdays(state.due, -REMIND_WORKDAYS_BEFORE_DUE).day)
        )
    if not state.supplement_requested and state.clock is ClockStatus.RUNNING:
        points.append(state.supplement_window_end)
    return min(points) if points else None


def apply_projection(row: CaseRow, fields: dict[str, Any]) -> list[str]:
    """Write the fields onto the row; returns the names that changed."""
    changed = [name for name, value in fields.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, fields[name])
    return changed


def load_cases(session: Session, ids: Sequence[int]) -> list[tuple[CaseRow, Case]]:
    """Rows and rebuilt aggregates of many cases with two queries (batch work: recompute)."""
    rows = {r.id: r for r in session.execute(select(CaseRow).where(CaseRow.id.in_(ids))).scalars()}
    events: dict[int, list[CaseEvent]] = defaultdict(list)
    for event in session.execute(
        select(CaseEventRow)
        .where(CaseEventRow.case_id.in_(ids))
        .order_by(CaseEventRow.case_id, CaseEventRow.seq)
    ).scalars():
        events[event.case_id].append(to_domain_event(event))
    return [(rows[i], Case.from_events(events[i])) for i in ids]
