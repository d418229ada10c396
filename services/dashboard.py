"""What supervisors and office heads look at: the queue with its colours, the dashboard's
counts by caseworker and agency, the extension requests waiting, the on-time rate.

All of it is read from the projected case rows; the colours come from `domain.queue`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from domain.access import SUPERVISING_ROLES, Actor, require_role
from domain.queue import AT_RISK_WORKDAYS, on_time_rate, urgency
from services.cases import CaseFilter, list_cases_in, visible_agency_ids


def queue(uow: Any, flt: CaseFilter, *, actor: Actor, today: dt.date) -> list[dict[str, Any]]:
    """The listing with each open case's colour: overdue (red) or due within 3 working days."""
    return queue_page(uow, flt, actor=actor, today=today).rows


@dataclass(frozen=True)
class QueuePage:
    """What the queue page shows: the coloured rows and the count beside 消息."""

    rows: list[dict[str, Any]]
    unread: int


def queue_page(uow: Any, flt: CaseFilter, *, actor: Actor, today: dt.date) -> QueuePage:
    """`queue` and the actor's unread messages, read in one transaction: the caseworkers'
    first page is the most requested one, and each transaction is a connection checkout."""
    with uow.read():
        rows = list_cases_in(uow, flt, actor=actor, today=today)
        boundary = _at_risk_by(uow, today)
        unread = uow.reminders.unread_count(actor.name)
    return QueuePage(_coloured(rows, boundary), unread)


def _at_risk_by(uow: Any, today: dt.date) -> dt.date:
    """The last day that is still amber: `AT_RISK_WORKDAYS` working days after today."""
    return uow.calendar.load().add_workdays(today, AT_RISK_WORKDAYS).day


def _coloured(rows: list[dict[str, Any]], boundary: dt.date) -> list[dict[str, Any]]:
    """Each open row's colour (`domain.queue.urgency`); closed rows have none."""
    for row in rows:
        due = dt.date.fromisoformat(row["due"]) if row["due"] else None
        open_case = row["concluded_on"] is None
        row["urgency"] = urgency(due, row["overdue"], boundary) if open_case else None
    return rows


#: How many overdue and unassigned cases the dashboard lists, most urgent first; its counts
#: and bars cover every open case (they are counted by the database, not from these lists).
BOARD_LIST = 100


@dataclass
class Dashboard:
    by_assignee: list[dict[str, Any]] = field(default_factory=list)
    by_agency: list[dict[str, Any]] = field(default_factory=list)
    unassigned: list[dict[str, Any]] = field(default_factory=list)  # the most urgent BOARD_LIST
    overdue: list[dict[str, Any]] = field(default_factory=list)  # the most urgent BOARD_LIST
    extension_requests: list[dict[str, Any]] = field(default_factory=list)
    on_time: list[dict[str, Any]] = field(default_factory=list)
    on_time_by_month: list[dict[str, Any]] = field(default_factory=list)  # January to today's month
    unassigned_total: int = 0
    overdue_total: int = 0


def dashboard(uow: Any, *, actor: Actor, today: dt.date, listed: int = BOARD_LIST) -> Dashboard:
    """Supervisors' and office heads' overview of the agencies they see, in one transaction:
    the counts from one grouped query, the lists (`listed` cases each) from the queue's own
    listing."""
    require_role(actor, SUPERVISING_ROLES, "查看督办看板")
    board = Dashboard()
    with uow.read():
        ids = visible_agency_ids(uow, actor)
        boundary = _at_risk_by(uow, today)
        counts = uow.queries.open_counts(ids, today, boundary)
        board.overdue, board.unassigned = (
            _coloured(list_cases_in(uow, flt, actor=actor, today=today), boundary)
            for flt in (CaseFilter(state="open", overdue=True, limit=listed),
                        CaseFilter(state="open", unassigned=True, limit=listed))
        )
        board.extension_requests = uow.queries.pending_extensions(ids)
        year = (dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))
        rates = uow.queries.on_time_by_agency(ids, *year)
        months = uow.queries.on_time_by_month(ids, *year)
    per_person: dict[str, Counter[str]] = {}
    per_agency: dict[str, Counter[str]] = {}
    for group in counts:
        person = group["assignee"] or "（未分派）"
        figures = {k: group[k] for k in ("open", "overdue", "at_risk")}
        for bucket, key in ((per_person, person), (per_agency, group["agency"])):
            bucket.setdefault(key, Counter()).update(figures)
        board.overdue_total += group["overdue"]
        if group["assignee"] is None:
            board.unassigned_total += group["open"]
    board.by_assignee = [
        {"name": k, "open": c["open"], "overdue": c["overdue"], "at_risk": c["at_risk"]}
        for k, c in sorted(per_person.items(), key=lambda kv: (-kv[1]["overdue"], kv[0]))
    ]
    board.by_agency = [
        {"name": k, "open": c["open"], "overdue": c["overdue"], "at_risk": c["at_risk"]}
        for k, c in sorted(per_agency.items())
    ]
    board.on_time = [dict(r, rate=on_time_rate(r["on_time"], r["late"])) for r in rates]
    none = {"concluded": 0, "on_time": 0, "late": 0}
    board.on_time_by_month = [
        dict(figures, month=m, rate=on_time_rate(figures["on_time"], figures["late"]))
        for m in range(1, today.month + 1)
        for figures in [months.get(m, none)]
    ]
    return board


def extension_requests(uow: Any, *, actor: Actor) -> list[dict[str, Any]]:
    """Extension requests waiting for a decision in the agencies the actor sees."""
    require_role(actor, SUPERVISING_ROLES, "查看延期申请")
    with uow.read():
        return uow.queries.pending_extensions(visible_agency_ids(uow, actor))
