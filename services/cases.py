"""Case use cases: register, act, read. Each is one unit of work.

An action loads the case under a lock, checks the version the caller saw when one is given,
asks the domain to apply the action, appends the event and the new projection, and commits.
Two people acting on the same version at once: exactly one wins, the other gets
`ConflictError` and nothing of theirs is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from domain.access import Actor, authorize_case, authorize_register, check_assignee
from domain.case import (
    CaseEventType,
    Projection,
    Registration,
    overdue_on,
    project,
    register,
)
from domain.directory import check_registering, format_case_no
from domain.errors import ConflictError, DomainError
from domain.predicates import holds
from domain.yearend import years_counted
from services import fees_service
from services.years import guard_year_change
from store.repositories.cases import StoredCase

NewCase = Registration  # the name callers of the services know it by


@dataclass(frozen=True)
class CaseRef:
    """What a caller needs back from an action."""

    case_no: str
    version: int
    state: str
    due: dt.date | None
    waiting_due: dt.date | None
    provisional: bool

    @classmethod
    def of(cls, case_no: str, version: int, projection: Projection) -> CaseRef:
        return cls(
            case_no,
            version,
            projection.state,
            projection.due,
            projection.waiting_due,
            projection.provisional,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "case_no": self.case_no,
            "version": self.version,
            "state": self.state,
            "due": self.due,
            "waiting_due": self.waiting_due,
            "provisional": self.provisional,
        }


# -- registration ---------------------------------------------------------------------------


def register_case(uow: Any, form: NewCase, *, actor: Actor, today: dt.date) -> CaseRef:
    """Register an application; the case number is issued in the same transaction."""
    with uow.write():
        return insert_case(uow, form, actor=actor, today=today)


def insert_case(
    uow: Any,
    form: NewCase,
    *,
    actor: Actor,
    today: dt.date,
    case_no: str | None = None,
    outcome: str | None = None,
    concluded_on: dt.date | None = None,
) -> CaseRef:
    """Validate and insert one case in the caller's transaction (registration and import)."""
    agency_id = uow.directory.agency_id(form.agency)
    # held (shared) before the agency is read: a deactivation (exclusive) then either sees
    # this case among the open ones or has committed before the check below
    uow.years.hold(agency_id, exclusive=False)
    agency = uow.directory.agency(form.agency)
    authorize_register(actor, form.agency, imported=case_no is not None)
    check_registering(agency)
    assignee_id = _assignee_id(uow, form.assignee, form.agency) if form.assignee else None
    imported = case_no is not None
    form = replace(form, case_no=case_no or "", supplement_days=agency.supplement_days)
    now = uow.now()
    case, event = register(
        form, actor, now, today, imported=imported, outcome=outcome, concluded_on=concluded_on
    )
    guard_year_change(uow, agency_id, years_counted(case.received_on, case.concluded_on, today))
    if not imported:
        number = _next_number(uow, agency, agency_id, form.received_on.year)
        event.payload["case_no"] = number  # type: ignore[index]
        case.case_no = number
    projection = project(case, uow.calendar.load())
    uow.cases.add(case, event, projection, agency_id=agency_id, assignee_id=assignee_id, at=now)
    return CaseRef.of(case.case_no, 1, projection)


def _assignee_id(uow: Any, username: str, agency: str) -> int:
    # the user's row is held until commit, so a deactivation cannot pass its "no open cases
    # assigned" check while this assignment is being written
    user = uow.directory.user(username, lock=True)
    check_assignee(user.username, user.role, user.agency, agency)
    return uow.directory.user_id(username)


def _next_number(uow: Any, agency: Any, agency_id: int, year: int) -> str:
    """The next free number of the agency's year; numbers taken by imported cases are skipped."""
    while True:
        seq = uow.cases.next_seq(agency_id, year)
        number = format_case_no(
            agency.case_no_format, prefix=agency.name, code=agency.code, year=year, seq=seq
        )
        if not uow.cases.numbers_taken([number]):
            return number


# -- actions --------------------------------------------------------------------------------

_CONCLUDING = {CaseEventType.ANSWERED, CaseEventType.DEEMED_ABANDONED, CaseEventType.WITHDRAWN}


def act(
    uow: Any,
    case_no: str,
    action: CaseEventType | str,
    *,
    actor: Actor,
    today: dt.date,
    on: dt.date | None = None,
    reason: str = "",
    expected_version: int | None = None,
    **payload: Any,
) -> CaseRef:
    """Apply one state-machine action to a case, in one transaction."""
    on = on or today
    action = CaseEventType(action)
    if on > today:
        raise DomainError(
            f"日期（on）{on.isoformat()} 晚于今天 {today.isoformat()}，不能预先登记",
            field="on",
            rule="日期不能在未来",
        )
    with uow.write():
        # locks in one order everywhere: the agency (shared; a year lock takes it exclusively),
        # then the case
        agency_id = uow.cases.agency_id_of(case_no)
        if agency_id is not None:
            uow.years.hold(agency_id, exclusive=False)
        stored = uow.cases.get(case_no, lock=True)
        authorize_case(actor, action, agency=stored.agency, assignee=stored.assignee, case_no=stored.case.case_no)
        if expected_version is not None and stored.version != expected_version:
            raise _conflict(case_no)
        return _act_in(uow, stored, action, actor, on, reason, payload, today)


def _conflict(case_no: str) -> ConflictError:
    return ConflictError(
        f"案件 {case_no} 刚被他人修改，本次操作未保存。请刷新后重试。",
        field="version",
        rule="并发修改",
    )


def _act_in(
    uow: Any,
    stored: StoredCase,
    action: CaseEventType,
    actor: Actor,
    on: dt.date,
    reason: str,
    payload: dict[str, Any],
    today: dt.date,
) -> CaseRef:
    case = stored.case
    assignee_id = None
    if action is CaseEventType.ASSIGNED:
        username = str(payload.get("assignee") or "").strip()
        if username:
            assignee_id = _assignee_id(uow, username, stored.agency)
        payload["assignee"] = username
    if action in _CONCLUDING:
        # The case is open, so it is counted in every year up to today's; concluding it on
        # `on` changes the figures of on's year and of every later one (it is no longer
        # carried into them), so all of them must be unlocked.
        guard_year_change(uow, stored.agency_id, range(on.year, max(on, today).year + 1))
    elif action is CaseEventType.VOIDED or (
        action is CaseEventType.CORRECTED and _FIGURE_FACTS & {k for k, v in payload.items() if v}
    ):
        guard_year_change(uow, stored.agency_id, _years_touched(case, payload, today))
    calendar = uow.calendar.load()
    quote = None
    if action is CaseEventType.FEE_NOTICE_SENT:
        quote = fees_service.quote_for(
            uow, case.applicant.id_number, str(payload.get("method")), payload.get("quantity", -1), on
        )
        payload = fees_service.fee_payload(quote)
    event = case.act(action, actor, on, uow.now(), calendar, reason=reason, **payload)
    if quote is not None:
        fees_service.record_notice(uow, stored.id, case.applicant.id_number, quote, on)
    elif action is CaseEventType.FEE_PAID:
        uow.fees.record_payment(stored.id, on)
    projection = project(case, calendar)
    version = uow.cases.append(stored, event, projection, assignee_id=assignee_id)
    if action is CaseEventType.CORRECTED:
        uow.cases.set_facts(stored.id, case.facts())
    return CaseRef.of(case.case_no, version, projection)


#: Corrections of these facts change the annual report's figures (RULES §3: refused in a
#: locked year); a corrected name, contact, channel, ID or content changes no figure.
_FIGURE_FACTS = {"received_on", "applicant_type", "outcome"}


def _years_touched(case: Any, payload: dict[str, Any], today: dt.date) -> list[int]:
    """Every year whose figures count the case now and, after a corrected D0, would."""
    years = set(years_counted(case.received_on, case.concluded_on, today))
    corrected = payload.get("received_on")
    if corrected:
        try:
            new_d0 = dt.date.fromisoformat(str(corrected).strip()[:10])
        except ValueError:  # refused with its field named by the case's own guard
            new_d0 = None
        if new_d0 is not None:
            years |= set(years_counted(new_d0, case.concluded_on, today))
    return sorted(years)


# -- reading --------------------------------------------------------------------------------


MAX_PAGE = 1000


@dataclass(frozen=True)
class CaseFilter:
    agency: str | None = None
    region: bool = False  # include agencies under `agency`
    assignee: str | None = None
    state: str | None = None  # a CaseState value, or "open" / "closed"
    due_within: int | None = None  # working days from today
    overdue: bool = False
    unassigned: bool = False
    search: str | None = None  # case number, applicant, ID number or content contains this
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    limit: int | None = None
    offset: int = 0


@dataclass(frozen=True)
class CaseDetail:
    row: dict[str, Any]
    events: list[dict[str, Any]]
    clock: dict[str, Any] | None
    explanation: list[str]
    provisional_warning: str | None


def show_case(uow: Any, case_no: str, *, actor: Actor, today: dt.date) -> CaseDetail:
    """A case's facts, events, deadline and its explanation."""
    del today  # the projection is kept current; the explanation does not depend on today
    with uow.read():
        stored = uow.cases.get(case_no)
        authorize_case(actor, None, agency=stored.agency, assignee=stored.assignee, case_no=stored.case.case_no)
        calendar = uow.calendar.load()
        state = stored.case.clock_state(calendar)
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
            for i, e in enumerate(stored.case.events)
        ]
        return CaseDetail(
            uow.queries.case_row(stored.id),
            events,
            state.to_json() if state else None,
            [s.text for s in state.steps] if state else [],
            warning,
        )


def list_cases(uow: Any, flt: CaseFilter, *, actor: Actor, today: dt.date) -> list[dict[str, Any]]:
    """Cases matching the filter that the actor may see, soonest due first."""
    with uow.read():
        return list_cases_in(uow, flt, actor=actor, today=today)


def visible_agency_ids(uow: Any, actor: Actor) -> list[int] | None:
    """The ids of the agencies whose cases the actor sees (RULES §7); None: all of them."""
    if actor.agencies is None:
        return None
    return uow.directory.ids_of(sorted(actor.agencies))


def list_cases_in(
    uow: Any, flt: CaseFilter, *, actor: Actor, today: dt.date
) -> list[dict[str, Any]]:
    """`list_cases` inside the caller's open transaction (the queue reads its colours' working-day
    boundary in the same one)."""
    from store.queries import CaseQuery

    agency_ids = None
    if flt.agency:
        agency_ids = (
            uow.directory.subtree_ids(flt.agency)
            if flt.region
            else [uow.directory.agency_id(flt.agency)]
        )
    visible = visible_agency_ids(uow, actor)
    if visible is not None:
        allowed = set(visible)
        agency_ids = [i for i in (agency_ids or visible) if i in allowed]
    due_by = None
    if flt.due_within is not None:
        if flt.due_within < 0:
            raise DomainError("--due-within 应为非负整数", field="due_within", rule="范围")
        due_by = uow.calendar.load().add_workdays(today, flt.due_within).day
    if flt.limit is not None and not 1 <= flt.limit <= MAX_PAGE:
        raise DomainError(f"每页件数（limit）应为1至{MAX_PAGE}", field="limit", rule="范围")
    if flt.offset < 0:
        raise DomainError("起始位置（offset）不能为负数", field="offset", rule="范围")
    query = CaseQuery(
        agency_ids=agency_ids,
        assignee_id=uow.directory.user_id(flt.assignee, inactive=True) if flt.assignee else None,
        state=_state_code(flt.state),
        due_by=due_by,
        overdue_on=today if flt.overdue else None,
        unassigned=flt.unassigned,
        search=(flt.search or "").strip() or None,
        received_from=flt.received_from,
        received_to=flt.received_to,
        limit=flt.limit,
        offset=flt.offset,
    )
    rows = uow.queries.list_cases(query)
    overdue = overdue_on(today)
    verdicts: dict[tuple[str, str | None], bool] = {}  # a page has few (state, due) pairs
    for row in rows:
        key = (row["state"], row["due"])
        verdict = verdicts.get(key)
        if verdict is None:
            due = dt.date.fromisoformat(key[1]) if key[1] else None
            verdict = verdicts[key] = holds(overdue, {"state": key[0], "due": due})
        row["overdue"] = verdict
    return rows


def _state_code(state: str | None) -> str | None:
    """A state filter from its code or Chinese label; open / closed (在办 / 已结) too."""
    from domain.case import STATE_LABELS, CaseState

    if not state:
        return None
    aliases = {"open": "open", "在办": "open", "closed": "closed", "已结": "closed"}
    aliases |= {s.value: s.value for s in CaseState}
    aliases |= {label: s.value for s, label in STATE_LABELS.items()}
    code = aliases.get(state.strip())
    if code is None:
        allowed = "、".join(
            ["open（在办）", "closed（已结）", *(f"{s.value}（{STATE_LABELS[s]}）" for s in CaseState)]
        )
        raise DomainError(f"状态（state）“{state}”无效，应为：{allowed}", field="state", rule="状态")
    return code


def inbox(uow: Any, *, actor: Actor) -> list[dict[str, Any]]:
    """The actor's messages, newest first."""
    with uow.read():
        return uow.outbox.for_recipient(actor.name)
