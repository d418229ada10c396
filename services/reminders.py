"""The daily sweep (RULES §6): decide each reminder once, write it to the outbox, hand the
e-mail digests and webhook posts to the dispatcher.

The rules are `domain.reminders`; this module only walks what is due. It reads the cases
whose `next_reminder_on` has come (an indexed column, so the cost follows the work due), and
per chunk of cases, in one transaction: records every threshold decided (insert-or-skip on
the unique key — the row that gets inserted is the one that sends), writes the messages of
the thresholds it sent, auto-closes lapsed 补正/fee cases of agencies that opted in, and moves
`next_reminder_on` past what was recorded. A sweep killed half-way leaves whole chunks done
and nothing half-sent; its re-run finds those keys taken and carries on.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from domain.access import Actor, Role, require_role
from domain.case import CaseEventType
from domain.clock import Deadline, DeadlineMove
from domain.messages import Message
from domain.reminders import (
    CALENDAR_SUBJECT,
    WEBHOOK_KINDS,
    AgencyKind,
    Audience,
    CaseFacts,
    Decision,
    Kind,
    Notice,
    Watch,
    agency_watches,
    audiences,
    calendar_missing_watch,
    case_watches,
    decide,
    due_moved_date,
    due_moved_facts,
    due_moved_watch,
    facts_of,
    moves_of_the_day,
    next_check_on,
)
from notifications.render import inbox_text

CHUNK = 500  # cases per transaction: a killed sweep loses at most one chunk of work, re-done on re-run
DUE_MOVED_LOOKBACK = dt.timedelta(days=14)  # calendar changes still told about, at the latest


@dataclass
class SweepResult:
    """What one sweep did (RULES §5: `ogi flows run sweep --json`)."""

    today: dt.date
    sent: int = 0
    skipped: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    closed: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "sent": self.sent,
            "by_kind": dict(sorted(self.by_kind.items())),
            "skipped": self.skipped,
        }


@dataclass
class _Context:
    uow: Any
    today: dt.date
    batch: str
    result: SweepResult
    agencies: dict[str, Any]
    people: dict[Any, list[Any]] = field(default_factory=dict)  # recipients, per sweep


def sweep(uow: Any, *, actor: Actor, today: dt.date, run_id: int) -> SweepResult:
    """Run the §6 sweep as of `today`. `run_id` names the batch its messages belong to."""
    require_role(actor, {Role.ADMIN}, "运行提醒扫描")
    result = SweepResult(today)
    with uow.read():
        ids = uow.reminders.due_case_ids(today)
        agencies = {a.code: a for a in uow.reminders.agencies()}
    ctx = _Context(uow, today, f"sweep:{run_id}", result, agencies)
    for start in range(0, len(ids), CHUNK):
        with uow.write():
            _sweep_cases(ctx, ids[start : start + CHUNK])
    with uow.write():
        _sweep_due_moved(ctx)
    with uow.write():
        _sweep_agencies(ctx)
    with uow.write():
        hand_over(uow, ctx.batch)
    return result


# -- cases ---------------------------------------------------------------------------------


def _sweep_cases(ctx: _Context, ids: list[int]) -> None:
    """Decide every watch of the chunk first, then record all thresholds in one
    insert-or-skip statement; only the "sent" rows this sweep inserted produce messages."""
    uow = ctx.uow
    calendar = uow.calendar.load()
    stored = uow.cases.get_many(ids)
    recorded = uow.reminders.recorded([f"case:{s.case.case_no}" for s in stored])
    rows: list[tuple[str, str, int, dt.date, str]] = []
    to_send: list[tuple[Any, CaseFacts, Watch, int]] = []
    next_checks: dict[dt.date | None, list[int]] = defaultdict(list)
    for item in stored:
        case = item.case
        state = case.clock_state(calendar)
        if state is None or not case.is_open:
            next_checks[None].append(item.id)
            continue
        facts = facts_of(case, state, registered_on=case.events[0].on)
        watches = case_watches(facts, calendar)
        done = recorded.get(facts.subject, set())
        keys = {_key(facts.subject, k, t, w) for k, t, w in done}
        for watch in watches:
            already = {t for k, t, w in done if k == watch.kind.value and w == watch.watched}
            decision = decide(watch, ctx.today, calendar, already)
            for threshold in decision.skipped:
                rows.append((watch.subject, watch.kind.value, threshold, watch.watched, "skipped"))
                keys.add(watch.key(threshold))
            if decision.send is not None:
                rows.append(
                    (watch.subject, watch.kind.value, decision.send, watch.watched, "sent")
                )
                keys.add(watch.key(decision.send))
                to_send.append((item, facts, watch, decision.send))
        next_checks[next_check_on(watches, calendar, keys)].append(item.id)
    inserted = uow.reminders.record_many(rows, ctx.today, uow.now())
    ctx.result.skipped += sum(1 for row in rows if row[4] == "skipped" and row[:4] in inserted)
    uow.reminders.set_next_checks(next_checks)
    closing: dict[int, Any] = {}
    for item, facts, watch, threshold in to_send:
        if (watch.subject, watch.kind.value, threshold, watch.watched) not in inserted:
            continue  # another sweep recorded it first: it sends, not this one
        ctx.result.sent += 1
        ctx.result.by_kind[watch.kind.value] += 1
        notices = _case_notices(ctx, item, facts, watch, threshold)
        if _auto_close(ctx, item.agency, watch.kind):
            notices = [_with(n, auto_closed=True) for n in notices]
            closing[item.id] = item
        _publish(ctx, notices)
    for item in closing.values():
        _close_lapsed(ctx, item)


def _key(subject: str, kind: str, threshold: int, watched: dt.date) -> str:
    return f"{subject}|{kind}|{threshold}|{watched.isoformat()}"


def _decide_and_record(
    ctx: _Context, watch: Watch, done: set[tuple[str, int, dt.date]], calendar: Any
) -> int | None:
    """Decide one watch and record its thresholds; the threshold this sweep sends, or None
    (nothing due, or another sweep recorded it first)."""
    recorded = {t for k, t, w in done if k == watch.kind.value and w == watch.watched}
    decision: Decision = decide(watch, ctx.today, calendar, recorded)
    now = ctx.uow.now()
    for threshold in decision.skipped:
        if ctx.uow.reminders.record(
            watch.subject, watch.kind.value, threshold, watch.watched, "skipped", ctx.today, now
        ):
            ctx.result.skipped += 1
        done.add((watch.kind.value, threshold, watch.watched))
    if decision.send is None:
        return None
    won = ctx.uow.reminders.record(
        watch.subject, watch.kind.value, decision.send, watch.watched, "sent", ctx.today, now
    )
    done.add((watch.kind.value, decision.send, watch.watched))
    if not won:
        return None
    ctx.result.sent += 1
    ctx.result.by_kind[watch.kind.value] += 1
    return decision.send


def _watched_due(facts: CaseFacts, watch: Watch) -> dt.date | None:
    """The deadline a case notice is about."""
    if watch.kind in (Kind.ANSWER, Kind.OVERDUE, Kind.EXTENSION_REQUEST):
        return facts.due
    if watch.kind is Kind.SUPPLEMENT_WINDOW:
        return facts.supplement_window_end
    if watch.kind in (Kind.SUPPLEMENT_LAPSED, Kind.CONSULTATION, Kind.PAYMENT_LAPSED):
        return facts.waiting_due
    return None


def _case_notices(
    ctx: _Context,
    item: Any,
    facts: CaseFacts,
    watch: Watch,
    threshold: int,
    *,
    about: dt.date | None = None,
    **extra: Any,
) -> list[Notice]:
    """One notice per recipient; `about` is the deadline it is about when the watch does not
    say (due_moved: the moved date)."""
    agency = ctx.agencies[item.agency]
    people = _recipients(
        ctx, agency, audiences(watch.kind, threshold, assigned=facts.assigned), item.assignee
    )
    base_facts: dict[str, Any] = {"applicant_name": item.case.applicant.name, **extra}
    if facts.consultation_kind is not None:
        base_facts["consultation_kind"] = facts.consultation_kind.value
    if watch.kind is Kind.EXTENSION_REQUEST and item.case.pending_extension is not None:
        request = next(
            e for e in reversed(item.case.events) if e.type is CaseEventType.EXTENSION_REQUESTED
        )
        base_facts["workdays"] = item.case.pending_extension
        base_facts["requested_by"] = f"经办人{request.actor}"
    return [
        Notice(
            kind=watch.kind,
            threshold=threshold,
            recipient=person.username,
            recipient_name=person.display_name or person.username,
            agency=agency.code,
            agency_name=agency.name,
            watched=watch.watched,
            case_no=facts.case_no,
            due=about if about is not None else _watched_due(facts, watch),
            facts=base_facts,
        )
        for person in people
    ]


def _recipients(ctx: _Context, agency: Any, who: Iterable[Audience], assignee: str | None) -> list[Any]:
    """The people an audience means for one agency; never nobody while someone could be told
    (an agency without supervisors: its office heads)."""
    cache_key = (agency.code, frozenset(who), assignee)
    if cache_key in ctx.people:
        return ctx.people[cache_key]
    rem = ctx.uow.reminders
    found: dict[str, Any] = {}
    for audience in who:
        if audience is Audience.ASSIGNEE and assignee:
            person = rem.person(assignee)
            people = [person] if person else []
        elif audience in (Audience.SUPERVISORS, Audience.ASSIGNEE):
            people = rem.people(agency.id, [Role.SUPERVISOR]) or rem.people(
                agency.id, [Role.OFFICE_HEAD]
            )
        elif audience is Audience.OFFICE_HEADS:
            people = rem.people(agency.id, [Role.OFFICE_HEAD])
        elif audience is Audience.PARENT_SUPERVISORS:
            people = rem.people(agency.parent_id, [Role.SUPERVISOR]) if agency.parent_id else []
        else:
            people = rem.people(None, [Role.ADMIN])
        for person in people:
            found.setdefault(person.username, person)
    ctx.people[cache_key] = [found[name] for name in sorted(found)]
    return ctx.people[cache_key]


def _auto_close(ctx: _Context, agency_code: str, kind: Kind) -> bool:
    agency = ctx.agencies[agency_code]
    return (kind is Kind.SUPPLEMENT_LAPSED and agency.auto_close_abandoned) or (
        kind is Kind.PAYMENT_LAPSED and agency.auto_close_unpaid
    )


def _close_lapsed(ctx: _Context, item: Any) -> None:
    """Close a lapsed 补正/fee case as the system, citing the rule (agency opted in)."""
    from domain.access import SYSTEM
    from services.cases import _act_in

    reason = "申请人逾期未补正或未缴费，依《条例》第三十条及国办函〔2020〕109号视为放弃（系统按本机关设置自动办结）"
    ref = _act_in(
        ctx.uow, item, CaseEventType.DEEMED_ABANDONED, SYSTEM, ctx.today, reason, {}, ctx.today
    )
    ctx.uow.reminders.set_next_check(item.id, None)
    ctx.result.closed.append(ref.case_no)


def _with(notice: Notice, **facts: Any) -> Notice:
    return Notice(
        notice.kind,
        notice.threshold,
        notice.recipient,
        notice.recipient_name,
        notice.agency,
        notice.agency_name,
        notice.watched,
        notice.case_no,
        notice.due,
        {**notice.facts, **facts},
    )


def _publish(ctx: _Context, notices: list[Notice]) -> None:
    for notice in notices:
        ctx.uow.publish(
            Message(
                kind=notice.kind.value,
                recipient=notice.recipient,
                key=f"{notice.key}|{notice.recipient}",
                payload=notice_payload(notice),
                batch=ctx.batch,
            )
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def notice_payload(notice: Notice) -> dict[str, Any]:
    """What the outbox keeps of a notice: enough to show it and to render it again."""
    return {
        "threshold": notice.threshold,
        "case_no": notice.case_no,
        "due": notice.due.isoformat() if notice.due else None,
        "watched": notice.watched.isoformat(),
        "agency": notice.agency,
        "agency_name": notice.agency_name,
        "recipient_name": notice.recipient_name,
        "facts": _jsonable(dict(notice.facts)),
        "text": inbox_text(notice),
    }


def notice_of(kind: str, recipient: str, payload: dict[str, Any]) -> Notice:
    """The notice an outbox row was written from (for digests and webhooks)."""
    return Notice(
        kind=Kind(kind),
        threshold=payload["threshold"],
        recipient=recipient,
        recipient_name=payload.get("recipient_name") or recipient,
        agency=payload["agency"],
        agency_name=payload.get("agency_name", ""),
        watched=dt.date.fromisoformat(payload["watched"]),
        case_no=payload.get("case_no"),
        due=dt.date.fromisoformat(payload["due"]) if payload.get("due") else None,
        facts=payload.get("facts") or {},
    )


# -- due dates moved by a calendar change --------------------------------------------------


def _sweep_due_moved(ctx: _Context) -> None:
    """`due_moved`: once per change day per case, to the assignee (RULES §6); the message
    names every deadline (answer, 补正, consultation, fee) the day's changes moved."""
    from domain.reminders import SHANGHAI

    uow = ctx.uow
    since = dt.datetime.combine(ctx.today - DUE_MOVED_LOOKBACK, dt.time(), SHANGHAI)
    changes: dict[tuple[int, dt.date], list[DeadlineMove]] = defaultdict(list)
    for case_id, deadline, old, new, at in uow.reminders.due_changes_since(since):
        day = at.astimezone(SHANGHAI).date()
        if day > ctx.today:
            continue
        changes[(case_id, day)].append(DeadlineMove(Deadline(deadline), old, new))
    if not changes:
        return
    calendar = uow.calendar.load()
    stored = {s.id: s for s in uow.cases.get_many(sorted({case_id for case_id, _ in changes}))}
    for (case_id, day), recorded in sorted(changes.items()):
        item = stored[case_id]
        moves = moves_of_the_day(recorded)
        if not item.case.is_open or not moves:
            continue
        state = item.case.clock_state(calendar)
        if state is None:
            continue
        watch = due_moved_watch(item.case.case_no, day)
        sent = _decide_and_record(ctx, watch, set(), calendar)
        if sent is None:
            continue
        facts = facts_of(item.case, state, registered_on=item.case.events[0].on)
        _publish(
            ctx,
            _case_notices(
                ctx, item, facts, watch, sent, about=due_moved_date(moves), **due_moved_facts(moves)
            ),
        )


# -- agencies and the calendar ---------------------------------------------------------------


def _sweep_agencies(ctx: _Context) -> None:
    """`report_due` per agency, and `calendar_missing` for the administrators."""
    uow = ctx.uow
    calendar = uow.calendar.load()
    for agency in ctx.agencies.values():
        kind = AgencyKind(agency.report_kind or "department")
        for watch in agency_watches(agency.code, kind, ctx.today, calendar):
            sent = _decide_and_record(ctx, watch, _recorded(uow, watch), calendar)
            if sent is None:
                continue
            people = _recipients(ctx, agency, audiences(watch.kind, sent, assigned=True), None)
            year = watch.watched.year - 1
            _publish(
                ctx,
                [
                    Notice(watch.kind, sent, p.username, p.display_name or p.username, agency.code,
                           agency.name, watch.watched, None, watch.watched, {"year": year})
                    for p in people
                ],
            )
    coverage = calendar.coverage
    watch = calendar_missing_watch(ctx.today, coverage)
    if watch is None or not ctx.agencies:
        return
    sent = _decide_and_record(ctx, watch, _recorded(uow, watch), calendar)
    if sent is None:
        return
    home = next(iter(ctx.agencies.values()))
    people = _recipients(ctx, home, [Audience.ADMINS], None)
    _publish(
        ctx,
        [
            Notice(watch.kind, sent, p.username, p.display_name or p.username, home.code,
                   home.name, watch.watched, None, None,
                   {"coverage": coverage.isoformat(), "year": ctx.today.year + 1})
            for p in people
        ],
    )


def _recorded(uow: Any, watch: Watch) -> set[tuple[str, int, dt.date]]:
    return uow.reminders.recorded([watch.subject]).get(watch.subject, set())


# -- handing over to the channels ------------------------------------------------------------


def hand_over(uow: Any, batch: str) -> int:
    """Group the sweeps' outbox rows not yet handed over into deliveries: one e-mail digest
    per person with an address, one webhook post per agency with a webhook (for the kinds it
    receives). Rows left by a sweep killed before this step are picked up by the next one."""
    rows = uow.reminders.unhanded()
    if not rows:
        return 0
    now = uow.now()
    by_person: dict[str, list[int]] = defaultdict(list)
    by_agency: dict[str, list[int]] = defaultdict(list)
    agencies = {a.code: a for a in uow.reminders.agencies()}
    for row in rows:
        by_person[row.recipient].append(row.id)
        agency = agencies.get(row.payload.get("agency", ""))
        if row.kind in {k.value for k in WEBHOOK_KINDS} and agency and agency.webhook_url:
            by_agency[agency.code].append(row.id)
    made = 0
    for username, ids in sorted(by_person.items()):
        person = uow.reminders.person(username)
        if person and person.email:
            made += uow.reminders.add_delivery("email", username, batch, ids, now)
    for code, ids in sorted(by_agency.items()):
        made += uow.reminders.add_delivery("webhook", code, batch, ids, now)
    uow.reminders.hand_over([r.id for r in rows], now)
    return made


__all__ = ["CALENDAR_SUBJECT", "SweepResult", "hand_over", "notice_of", "sweep"]
