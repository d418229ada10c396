"""Reading cases: the queue (sorted by what is due) and exports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import aliased

from domain.case import CLOSED_STATES, CaseState
from domain.errors import DomainError
from services.calendar_service import load_calendar
from services.cases import case_row_dict
from services.clock_time import today_shanghai
from services.directory import agency_by_code, agency_subtree_ids, user_by_name
from store.db import read_session
from store.models import Agency, CaseRow, User


@dataclass(frozen=True)
class CaseFilter:
    agency: str | None = None
    region: bool = False  # include agencies under `agency`
    assignee: str | None = None
    state: str | None = None  # a CaseState value, or "open" / "closed"
    due_within: int | None = None  # working days from today
    overdue: bool = False


def list_cases(
    engine: Engine, flt: CaseFilter, *, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """Cases matching the filter, soonest due first (cases without a due date last)."""
    today = today or today_shanghai()
    closed = [s.value for s in CLOSED_STATES]
    with read_session(engine) as session:
        assignee = aliased(User)
        query = (
            select(CaseRow, Agency.code, assignee.username)
            .join(Agency, Agency.id == CaseRow.agency_id)
            .outerjoin(assignee, assignee.id == CaseRow.assignee_id)
        )
        if flt.agency:
            ids = (
                agency_subtree_ids(session, flt.agency)
                if flt.region
                else [agency_by_code(session, flt.agency).id]
            )
            query = query.where(CaseRow.agency_id.in_(ids))
        if flt.assignee:
            query = query.where(CaseRow.assignee_id == user_by_name(session, flt.assignee).id)
        if flt.state == "open":
            query = query.where(CaseRow.state.not_in(closed))
        elif flt.state == "closed":
            query = query.where(CaseRow.state.in_(closed))
        elif flt.state:
            try:
                query = query.where(CaseRow.state == CaseState(flt.state).value)
            except ValueError:
                allowed = "、".join(["open", "closed", *(s.value for s in CaseState)])
                raise DomainError(
                    f"状态（state）“{flt.state}”无效，应为：{allowed}", field="state", rule="状态"
                ) from None
        if flt.due_within is not None:
            if flt.due_within < 0:
                raise DomainError("--due-within 应为非负整数", field="due_within", rule="范围")
            cutoff = load_calendar(session).add_workdays(today, flt.due_within).day
            query = query.where(CaseRow.state.not_in(closed), CaseRow.due <= cutoff)
        if flt.overdue:
            query = query.where(CaseRow.state.not_in(closed), CaseRow.due < today)
        # open before closed, and NULLs last on both databases (SQLite sorts them first)
        query = query.order_by(
            CaseRow.state.in_(closed),  # the queue first; concluded cases after it
            CaseRow.due.is_(None),
            CaseRow.due,
            CaseRow.waiting_due.is_(None),
            CaseRow.waiting_due,
            CaseRow.id,
        )
        result = []
        for row, agency_code, assignee_name in session.execute(query).all():
            item = case_row_dict(row, agency_code, assignee_name)
            item["overdue"] = row.state not in closed and row.due is not None and row.due < today
            result.append(item)
        return result


def inbox(engine: Engine, username: str) -> list[dict[str, Any]]:
    """Messages for a user (year-end carry-overs now; reminders later), newest first."""
    from store.models import Outbox

    with read_session(engine) as session:
        user = user_by_name(session, username)
        rows = session.execute(
            select(Outbox)
            .where(Outbox.recipient == user.username)
            .order_by(Outbox.created_at.desc(), Outbox.id.desc())
        ).scalars()
        return [
            {"kind": m.kind, "created_at": m.created_at, "sent_at": m.sent_at, "payload": m.payload}
            for m in rows
        ]
