"""Reminders, alerts and escalation (RULES §6), as pure rules.

The sweep asks three questions of every open case and every agency, and this module answers
each of them once, without I/O and without a clock ("today" is always passed in):

1. *What is watched?* `case_watches` turns a case's facts into `Watch`es (a kind, the date it
   watches, the case or agency it is about); `agency_watches`, `year_closed_watch`,
   `due_moved_watch` and `calendar_missing_watch` do the same for the other rows of §6.
2. *What is sent today?* `decide` picks, for one watch, the one threshold to send, and the
   thresholds to record as skipped: after days without a sweep only the most severe threshold
   reached is sent (no bursts), and a reminder *before* a date is never sent once it passed.
3. *When to look again?* `next_check_on` gives the earliest day a watch's next unrecorded
   threshold falls due; the store keeps it in an indexed column, so the daily sweep reads only
   the cases with something due (its cost grows with the work due, not with the archive).

Thresholds count working days on the engine's calendar: `n > 0` is the n-th working day
before the watched date, `0` the date itself, `-n` the n-th working day after it. The
exactly-once key of a message is (case or agency, kind, threshold, watched date): when the
watched date moves a new series starts, and a re-run sweep finds its keys already taken.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from domain.calendar import WorkCalendar
from domain.case import Case, CaseEventType
from domain.clock import ClockState, ClockStatus, ConsultationKind, Deadline, DeadlineMove, Waiting
from domain.identity import mask_id

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Kind(StrEnum):
    """The twelve kinds of message of RULES §6, named exactly as there."""

    ANSWER = "answer"
    OVERDUE = "overdue"
    SUPPLEMENT_WINDOW = "supplement_window"
    SUPPLEMENT_LAPSED = "supplement_lapsed"
    CONSULTATION = "consultation"
    PAYMENT_LAPSED = "payment_lapsed"
    UNASSIGNED = "unassigned"
    EXTENSION_REQUEST = "extension_request"
    DUE_MOVED = "due_moved"
    CALENDAR_MISSING = "calendar_missing"
    REPORT_DUE = "report_due"
    YEAR_CLOSED = "year_closed"


KIND_LABELS: Mapping[Kind, str] = MappingProxyType(
    {
        Kind.ANSWER: "答复期限提醒",
        Kind.OVERDUE: "逾期未答复",
        Kind.SUPPLEMENT_WINDOW: "告知补正期限提醒",
        Kind.SUPPLEMENT_LAPSED: "补正期限届满",
        Kind.CONSULTATION: "征求意见期限提醒",
        Kind.PAYMENT_LAPSED: "缴费期限届满",
        Kind.UNASSIGNED: "申请尚未分派",
        Kind.EXTENSION_REQUEST: "延期申请待审批",
        Kind.DUE_MOVED: "期限变更",
        Kind.CALENDAR_MISSING: "节假日安排未加载",
        Kind.REPORT_DUE: "年度报告发布期限提醒",
        Kind.YEAR_CLOSED: "年度结转结果",
    }
)

#: Every threshold of every kind (RULES §6), in working days: n before, 0 on, -n after.
#: `extension_request` has two series: 0 on the day the request is made (watching the request
#: date) and 1 working day before the current due date (watching the due date). `unassigned`
#: fires 1 working day after registration. Kinds sent once on an event use 0.
THRESHOLDS: Mapping[Kind, tuple[int, ...]] = MappingProxyType(
    {
        Kind.ANSWER: (5, 3, 1, 0),
        Kind.OVERDUE: (-1, -5, -10),
        Kind.SUPPLEMENT_WINDOW: (2, 0),
        Kind.SUPPLEMENT_LAPSED: (-1,),
        Kind.CONSULTATION: (2, -1),
        Kind.PAYMENT_LAPSED: (-1,),
        Kind.UNASSIGNED: (-1,),
        Kind.EXTENSION_REQUEST: (1, 0),
        Kind.DUE_MOVED: (0,),
        Kind.CALENDAR_MISSING: (0,),
        Kind.REPORT_DUE: (10, 5, 1),
        Kind.YEAR_CLOSED: (0,),
    }
)

#: Kinds whose threshold 0 is an *event* (a request made, a due date moved, a year closed, an
#: alert day) rather than "the watched date is today": sent late rather than never, because
#: they do not go stale the way "due in 3 days" does.
EVENT_KINDS = frozenset(
    {Kind.EXTENSION_REQUEST, Kind.DUE_MOVED, Kind.CALENDAR_MISSING, Kind.YEAR_CLOSED}
)

#: The kinds an agency's group-robot webhook receives (RULES §6 "Channels").
WEBHOOK_KINDS = frozenset({Kind.OVERDUE, Kind.EXTENSION_REQUEST, Kind.CALENDAR_MISSING})

#: Subject of the one system-wide watch: the calendar concerns every agency alike.
CALENDAR_SUBJECT = "calendar"


class Audience(StrEnum):
    """Who is told, as roles relative to the case's (or the agency's) agency."""

    ASSIGNEE = "assignee"
    SUPERVISORS = "supervisors"  # the agency's supervisors
    OFFICE_HEADS = "office_heads"  # the agency's office heads (政府信息公开工作机构负责人)
    PARENT_SUPERVISORS = "parent_supervisors"  # supervisors of the agency above
    ADMINS = "admins"


AUDIENCE_LABELS: Mapping[Audience, str] = MappingProxyType(
    {
        Audience.ASSIGNEE: "经办人",
        Audience.SUPERVISORS: "本机关主管",
        Audience.OFFICE_HEADS: "政府信息公开工作机构负责人",
        Audience.PARENT_SUPERVISORS: "上级机关主管",
        Audience.ADMINS: "系统管理员",
    }
)

_ASSIGNEE_KINDS = frozenset(
    {
        Kind.ANSWER,
        Kind.SUPPLEMENT_WINDOW,
        Kind.SUPPLEMENT_LAPSED,
        Kind.CONSULTATION,
        Kind.PAYMENT_LAPSED,
        Kind.DUE_MOVED,
    }
)
_SUPERVISOR_KINDS = frozenset({Kind.UNASSIGNED, Kind.REPORT_DUE, Kind.YEAR_CLOSED})

#: Overdue escalation, cumulative: 1 working day over the assignee and the agency's
#: supervisors, 5 over also the office heads, 10 over also the parent agency's supervisors.
OVERDUE_AUDIENCES: Mapping[int, frozenset[Audience]] = MappingProxyType(
    {
        -1: frozenset({Audience.ASSIGNEE, Audience.SUPERVISORS}),
        -5: frozenset({Audience.ASSIGNEE, Audience.SUPERVISORS, Audience.OFFICE_HEADS}),
        -10: frozenset(
            {
                Audience.ASSIGNEE,
                Audience.SUPERVISORS,
                Audience.OFFICE_HEADS,
                Audience.PARENT_SUPERVISORS,
            }
        ),
    }
)


def audiences(kind: Kind, threshold: int, *, assigned: bool) -> set[Audience]:
    """Who is told of `kind` at `threshold` (RULES §6 "who is told" and escalation).

    A message meant for the assignee goes to the agency's supervisors while the case has no
    assignee, so that nothing is addressed to nobody. Overdue escalates with the days over:
    -1 the assignee and supervisors, -5 also the office heads, -10 also the parent agency's
    supervisors. A threshold the kind does not have is a caller's error.
    """
    if threshold not in THRESHOLDS[kind]:
        raise ValueError(f"{kind} has no threshold {threshold}")
    worker = Audience.ASSIGNEE if assigned else Audience.SUPERVISORS
    if kind in _ASSIGNEE_KINDS:
        return {worker}
    if kind is Kind.OVERDUE:
        return {worker if a is Audience.ASSIGNEE else a for a in OVERDUE_AUDIENCES[threshold]}
    if kind in _SUPERVISOR_KINDS:
        return {Audience.SUPERVISORS}
    if kind is Kind.EXTENSION_REQUEST:
        return {Audience.OFFICE_HEADS}
    return {Audience.ADMINS}  # calendar_missing


# -- watches ----------------------------------------------------------------------------


def case_subject(case_no: str) -> str:
    """The subject part of a case's keys."""
    return f"case:{case_no}"


def agency_subject(agency: str) -> str:
    """The subject part of an agency's keys."""
    return f"agency:{agency}"


@dataclass(frozen=True)
class Watch:
    """One dated thing the sweep watches: a kind, the date it watches, and whose it is.

    `thresholds` defaults to the kind's (THRESHOLDS); a watch names a subset only where a
    kind has two series on different dates (extension_request) or a kind fires once.
    """

    kind: Kind
    watched: dt.date
    subject: str
    thresholds: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not self.thresholds:
            object.__setattr__(self, "thresholds", THRESHOLDS[self.kind])
        extra = set(self.thresholds) - set(THRESHOLDS[self.kind])
        if extra:
            raise ValueError(f"{self.kind} has no threshold {sorted(extra)}")

    def key(self, threshold: int) -> str:
        """The exactly-once key of this watch's message at `threshold`."""
        return reminder_key(self.subject, self.kind, threshold, self.watched)


def reminder_key(subject: str, kind: Kind, threshold: int, watched: dt.date) -> str:
    """The exactly-once key: (case or agency, kind, threshold, watched date), as one string.

    Unique in the database, so two sweeps at once or a re-run never write a second message;
    the watched date is part of it, so a moved date starts a new series. The subject comes
    first and the fixed-format parts last, so a case number containing `|` stays unambiguous.
    """
    return f"{subject}|{Kind(kind).value}|{threshold}|{watched.isoformat()}"


@dataclass(frozen=True)
class CaseFacts:
    """What the reminder rules need to know about one case (built from its clock state).

    `clock`, `due`, `waiting_for` and `waiting_due` are the clock's projection; while paused,
    `due` is the projected due date. `consultation_kind` is the kind of the consultation whose
    window ends first (the one `waiting_due` watches). `extension_requested_on` is the date of
    a pending, undecided extension request, else None.
    """

    case_no: str
    agency: str
    received_on: dt.date
    registered_on: dt.date
    open: bool
    assigned: bool
    due: dt.date | None
    clock: ClockStatus
    supplement_window_end: dt.date
    supplement_requested: bool = False
    waiting_for: Waiting | None = None
    waiting_due: dt.date | None = None
    consultation_kind: ConsultationKind | None = None
    extension_requested_on: dt.date | None = None

    @property
    def subject(self) -> str:
        return case_subject(self.case_no)


_WAITING_KINDS = {
    Waiting.SUPPLEMENT: Kind.SUPPLEMENT_LAPSED,
    Waiting.CONSULTATION: Kind.CONSULTATION,
    Waiting.FEE: Kind.PAYMENT_LAPSED,
}


def case_watches(facts: CaseFacts, calendar: WorkCalendar) -> list[Watch]:
    """The watches that apply to a case now (RULES §6 rows about cases).

    A closed case watches nothing. The answer and overdue series run only while there is a
    due date and the clock is not stopped (a stopped clock has no due date to keep). The 补正
    window is watched only while no 补正 was asked. The waiting date is watched by the kind of
    wait: the applicant's 补正 period, the consulted party's window, the payment window.
    """
    if not facts.open:
        return []
    subject = facts.subject
    watches: list[Watch] = []
    running = facts.due is not None and facts.clock is not ClockStatus.STOPPED
    if running:
        assert facts.due is not None
        watches.append(Watch(Kind.ANSWER, facts.due, subject))
        watches.append(Watch(Kind.OVERDUE, facts.due, subject))
    if not facts.supplement_requested:
        watches.append(Watch(Kind.SUPPLEMENT_WINDOW, facts.supplement_window_end, subject))
    if facts.waiting_due is not None and facts.waiting_for is not None:
        watches.append(Watch(_WAITING_KINDS[facts.waiting_for], facts.waiting_due, subject))
    if not facts.assigned:
        watches.append(Watch(Kind.UNASSIGNED, facts.registered_on, subject))
    if facts.extension_requested_on is not None:
        made = facts.extension_requested_on
        watches.append(Watch(Kind.EXTENSION_REQUEST, made, subject, (0,)))
        # The second reminder only when it falls after the request day: a request made the
        # day before the due date is already the reminder (no two messages on one day).
        if running:
            assert facts.due is not None
            if calendar.add_workdays(facts.due, -1).day > made:
                watches.append(Watch(Kind.EXTENSION_REQUEST, facts.due, subject, (1,)))
    return watches


def due_moved_watch(case_no: str, changed_on: dt.date) -> Watch:
    """`due_moved`, once per change per case: it watches the day of the change.

    Two changes of one case on the same day give one message; it names every deadline they
    moved (`moves_of_the_day`), which is what the caseworker needs.
    """
    return Watch(Kind.DUE_MOVED, changed_on, case_subject(case_no))


def moves_of_the_day(changes: Iterable[DeadlineMove]) -> tuple[DeadlineMove, ...]:
    """What one `due_moved` message says, from one case's recorded moves of one day (in the
    order recorded): each deadline from its first old date to its last new date, leaving out
    a deadline that came back where it was; the deadline the office waits on first, then the
    answer it holds up. Empty: nothing to tell."""
    first: dict[Deadline, dt.date | None] = {}
    last: dict[Deadline, dt.date | None] = {}
    for move in changes:
        first.setdefault(move.deadline, move.old)
        last[move.deadline] = move.new
    order = sorted(first, key=lambda deadline: deadline is Deadline.ANSWER)
    return tuple(
        DeadlineMove(deadline, first[deadline], last[deadline])
        for deadline in order
        if first[deadline] != last[deadline]
    )


def due_moved_facts(moves: Sequence[DeadlineMove]) -> dict[str, Any]:
    """The facts of a `due_moved` notice: `moves`, each deadline's code, label and old and
    new dates; and, when the answer due date moved, its `old_due`/`new_due` as before."""
    facts: dict[str, Any] = {
        "moves": [
            {
                "deadline": move.deadline.value,
                "label": move.deadline.label,
                "old_due": move.old,
                "new_due": move.new,
            }
            for move in moves
        ]
    }
    for move in moves:
        if move.deadline is Deadline.ANSWER:
            facts["old_due"], facts["new_due"] = move.old, move.new
    return facts


def due_moved_date(moves: Sequence[DeadlineMove]) -> dt.date | None:
    """The date a `due_moved` notice is about: the new answer due date when it moved, else
    the new date of the deadline the office waits on."""
    answer = [m.new for m in moves if m.deadline is Deadline.ANSWER]
    return answer[0] if answer else (moves[0].new if moves else None)


def year_closed_watch(agency: str, year: int) -> Watch:
    """`year_closed`, once per agency and year: it watches 31 December of the closed year."""
    return Watch(Kind.YEAR_CLOSED, dt.date(year, 12, 31), agency_subject(agency))


# -- deciding ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """What one watch does today: the threshold to send (or None) and those to skip.

    The caller records the skipped thresholds under their keys too, so they are never sent
    later and never looked at again.
    """

    send: int | None
    skipped: tuple[int, ...] = ()


def fires_on(watch: Watch, threshold: int, calendar: WorkCalendar) -> dt.date:
    """The day `threshold` of `watch` falls due: n working days before (n > 0) or after (n < 0)
    the watched date, or the watched date itself (0)."""
    if threshold == 0:
        return watch.watched
    return calendar.add_workdays(watch.watched, -threshold).day


def _goes_stale(kind: Kind, threshold: int) -> bool:
    """A reminder *before* a date: never sent once that date has passed (RULES §6)."""
    return threshold > 0 or (threshold == 0 and kind not in EVENT_KINDS)


def decide(
    watch: Watch,
    today: dt.date,
    calendar: WorkCalendar,
    recorded: Collection[int] = frozenset(),
) -> Decision:
    """Which threshold of `watch` to send today, given the thresholds already `recorded`
    (sent or skipped) for this watch and date.

    Of the thresholds reached by today only the most severe is sent (the smallest number:
    0 beats 3, -10 beats -1); the lesser ones reached are skipped, so a sweep after days of
    downtime sends one message, not a burst. A "before" threshold whose watched date has
    passed is skipped, never sent. A threshold already recorded is neither sent nor skipped.
    """
    reached = [t for t in watch.thresholds if fires_on(watch, t, calendar) <= today]
    live = [t for t in reached if not (_goes_stale(watch.kind, t) and today > watch.watched)]
    most_severe = min(live) if live else None
    send = most_severe if most_severe is not None and most_severe not in recorded else None
    skipped = tuple(
        sorted((t for t in reached if t not in recorded and t != most_severe), reverse=True)
    )
    return Decision(send, skipped)


def next_check_on(
    watches: Iterable[Watch], calendar: WorkCalendar, already_sent: Collection[str]
) -> dt.date | None:
    """The earliest day on which any watch has a threshold not yet recorded under its key.

    `already_sent` holds the keys (`reminder_key`) recorded for these watches, sent or
    skipped. A date in the past means the sweep still owes a decision (it records the stale
    thresholds as skipped, and the date moves on). None: nothing left to watch.
    """
    days = []
    for watch in watches:
        pending = [t for t in watch.thresholds if not already_sent or watch.key(t) not in already_sent]
        if pending:
            # the more working days before the date, the earlier it fires (after: the later),
            # so of a watch's pending thresholds the largest fires first; one count per watch
            days.append(fires_on(watch, max(pending), calendar))
    return min(days) if days else None


# -- agency-level rules -----------------------------------------------------------------


class AgencyKind(StrEnum):
    """Which annual-report date applies to an agency (RULES §4.4, per agency setting)."""

    DEPARTMENT = "department"  # county-level and above government departments: 31 January
    GOVERNMENT = "government"  # the local government's own report: 31 March


_REPORT_MONTH = {AgencyKind.DEPARTMENT: 1, AgencyKind.GOVERNMENT: 3}


def report_due_date(year: int, agency_kind: AgencyKind, calendar: WorkCalendar) -> dt.date:
    """When the annual report *for* `year` must be published (in year + 1, Art. 49).

    31 January or 31 March are calendar dates: on a holiday the due date is the next
    working day (RULES §4.4).
    """
    month = _REPORT_MONTH[AgencyKind(agency_kind)]
    return calendar.next_workday_on_or_after(dt.date(year + 1, month, 31)).day


def report_due_dates(
    year: int, agency_kind: AgencyKind, calendar: WorkCalendar
) -> dict[int, dt.date]:
    """The days the report_due reminders for `year`'s report fall due, by threshold
    (10, 5, 1 working days before the due date)."""
    watch = Watch(Kind.REPORT_DUE, report_due_date(year, agency_kind, calendar), "")
    return {t: fires_on(watch, t, calendar) for t in watch.thresholds}


def agency_watches(
    agency: str, agency_kind: AgencyKind, today: dt.date, calendar: WorkCalendar
) -> list[Watch]:
    """The report_due watch of an agency: the next report not yet past its due date."""
    year = today.year - 1
    if today > report_due_date(year, agency_kind, calendar):
        year = today.year
    due = report_due_date(year, agency_kind, calendar)
    return [Watch(Kind.REPORT_DUE, due, agency_subject(agency))]


def _alert_daily(today: dt.date, coverage: dt.date) -> bool:
    """This year itself is not loaded, or it is 20 December or later and next year is not."""
    if coverage < dt.date(today.year, 12, 31):
        return True
    return coverage < dt.date(today.year + 1, 12, 31) and today >= dt.date(today.year, 12, 20)


def calendar_missing_due(today: dt.date, coverage: dt.date) -> bool:
    """Whether today is a `calendar_missing` alert day (RULES §1 and §6).

    From 1 November while next year's schedule is not loaded: every Monday, and every day
    from 20 December. A deployment already past its coverage (this year not loaded) is
    alerted every day: every date it computes is provisional.
    """
    if _alert_daily(today, coverage):
        return True
    missing = coverage < dt.date(today.year + 1, 12, 31)
    return missing and today >= dt.date(today.year, 11, 1) and today.weekday() == 0


def calendar_missing_watch(today: dt.date, coverage: dt.date) -> Watch | None:
    """The latest alert day on or before today, as a watch (None when nothing is missing).

    Watching the latest alert day rather than only today means a sweep that missed a Monday
    still sends that week's alert once, on the next day it runs.
    """
    if calendar_missing_due(today, coverage):
        return Watch(Kind.CALENDAR_MISSING, today, CALENDAR_SUBJECT)
    monday = today - dt.timedelta(days=today.weekday())
    if coverage < dt.date(today.year + 1, 12, 31) and monday >= dt.date(today.year, 11, 1):
        return Watch(Kind.CALENDAR_MISSING, monday, CALENDAR_SUBJECT)
    return None


# -- what is sent ---------------------------------------------------------------------


def _mask_facts(value: Any, key: str = "") -> Any:
    """ID numbers anywhere in the facts are masked (RULES §7: notifications never show them)."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: _mask_facts(v, str(k)) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_mask_facts(v, key) for v in value)
    if isinstance(value, str) and key.endswith("id_number"):
        return mask_id(value)
    return value


@dataclass(frozen=True)
class Notice:
    """One message to one recipient, as the templates render it.

    `watched` is the date the reminder watches (its key's date); `due` is the deadline the
    item is about (the answer due date, the window end, the new due date, the report date),
    or None when there is none (year_closed, calendar_missing). `facts` holds what only some
    kinds say: `applicant_name`, `old_due`/`new_due` and `moves` (due_moved: see
    `due_moved_facts`), `year`, `cases` (a list of mappings),
    `workdays` (extension days), `consultation_kind`, `coverage`, `auto_closed` … Any entry
    named `*id_number`, at any depth, is masked on construction.
    """

    kind: Kind
    threshold: int
    recipient: str
    recipient_name: str
    agency: str
    agency_name: str
    watched: dt.date
    case_no: str | None = None
    due: dt.date | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", Kind(self.kind))
        if self.threshold not in THRESHOLDS[self.kind]:
            raise ValueError(f"{self.kind} has no threshold {self.threshold}")
        object.__setattr__(self, "facts", _mask_facts(dict(self.facts)))

    @property
    def subject(self) -> str:
        return case_subject(self.case_no) if self.case_no else agency_subject(self.agency)

    @property
    def key(self) -> str:
        """The exactly-once key of the message this notice belongs to (same for every
        recipient of it)."""
        subject = CALENDAR_SUBJECT if self.kind is Kind.CALENDAR_MISSING else self.subject
        return reminder_key(subject, self.kind, self.threshold, self.watched)


#: Among notices with the same deadline: overdue first, then by how near the step is.
_KIND_ORDER = {kind: index for index, kind in enumerate(Kind)}


def urgency(notice: Notice) -> tuple[int, dt.date, int, int, str]:
    """Sort key, most urgent first: the earliest deadline first.

    That is "overdue by most days first, then due soonest": on any calendar, a case overdue
    by more days has an earlier due date, and an item not yet due is more urgent the sooner
    it is due. Items with no deadline (year_closed, calendar_missing) come last.
    """
    has_no_due = notice.due is None
    return (
        int(has_no_due),
        notice.due or notice.watched,
        _KIND_ORDER[notice.kind],
        notice.threshold,
        notice.case_no or "",
    )


def most_urgent_first(notices: Iterable[Notice]) -> list[Notice]:
    """The notices in the order a digest lists them."""
    return sorted(notices, key=urgency)


# -- building facts from a case -------------------------------------------------------


def _first_open_consultation(case: Case) -> ConsultationKind | None:
    """The kind of the earliest-started consultation still open (its window ends first; an
    end closes the earliest open consultation matching its kind and party, as the clock does)."""
    open_: list[tuple[ConsultationKind, str | None]] = []
    for event in case.events:
        p = event.payload
        if event.type is CaseEventType.CONSULTATION_STARTED:
            open_.append((ConsultationKind(p.get("kind") or "third_party"), p.get("party")))
        elif event.type is CaseEventType.CONSULTATION_ENDED:
            for index, (kind, party) in enumerate(open_):
                if (not p.get("kind") or kind == p["kind"]) and (
                    p.get("party") is None or party == p.get("party")
                ):
                    del open_[index]
                    break
    return open_[0][0] if open_ else None


def facts_of(case: Case, state: ClockState, *, registered_on: dt.date | None = None) -> CaseFacts:
    """The reminder facts of a case and its clock. The registration day defaults to the day
    (Asia/Shanghai) its first event was recorded."""
    if registered_on is None:
        registered_on = case.events[0].at.astimezone(SHANGHAI).date()
    requested: dt.date | None = None
    if case.pending_extension is not None:
        requested = next(
            e.on for e in reversed(case.events) if e.type is CaseEventType.EXTENSION_REQUESTED
        )
    return CaseFacts(
        case_no=case.case_no,
        agency=case.agency,
        received_on=case.received_on,
        registered_on=registered_on,
        open=case.is_open,
        assigned=bool(case.assignee),
        due=state.due,
        clock=state.clock,
        supplement_window_end=state.supplement_window_end,
        supplement_requested=state.supplement_requested,
        waiting_for=state.waiting_for,
        waiting_due=state.waiting_due,
        consultation_kind=(
            _first_open_consultation(case) if state.waiting_for is Waiting.CONSULTATION else None
        ),
        extension_requested_on=requested,
    )


def case_watch_keys(watches: Sequence[Watch]) -> list[str]:
    """Every key the watches can produce (for loading what is recorded in one query)."""
    return [watch.key(t) for watch in watches for t in watch.thresholds]
