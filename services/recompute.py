"""Recompute every open case's projection after a calendar change, recording moved due dates."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.case import CLOSED_STATES
from services.calendar_service import load_calendar
from services.clock_time import now_utc
from services.projection import apply_projection, load_cases, projection
from store.models import CaseRow, DueChange

BATCH = 2000


def recompute_open_cases(session: Session, cause: str) -> list[tuple[str, object, object, int]]:
    """Replay every open case against the current calendar, in batches, inside the caller's
    transaction; returns (case_no, old due, new due, shift in working days) for each move."""
    calendar = load_calendar(session)
    closed = [s.value for s in CLOSED_STATES]
    ids = (
        session.execute(select(CaseRow.id).where(CaseRow.state.not_in(closed)).order_by(CaseRow.id))
        .scalars()
        .all()
    )
    moved: list[tuple[str, object, object, int]] = []
    now = now_utc()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        for row, case in load_cases(session, chunk):
            case_id = row.id
            old_due = row.due
            apply_projection(row, projection(case, calendar))
            if row.due != old_due:
                shift = 0
                if old_due is not None and row.due is not None:
                    shift = calendar.workdays_between(old_due, row.due).count
                moved.append((row.case_no, old_due, row.due, shift))
                session.add(
                    DueChange(
                        case_id=case_id,
                        old_due=old_due,
                        new_due=row.due,
                        shift_days=shift,
                        cause=cause,
                        at=now,
                    )
                )
        session.flush()
    return moved
