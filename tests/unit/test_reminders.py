"""The reminder rules against RULES §6, row by row, on the official 2026 calendar.

Every expected date is counted by hand; the counts are in the comments. The 2026 autumn
around the 国庆 block is the backbone (W = working day, - = day off):

    Sep 21 Mon W, 22 W, 23 W, 24 Thu W, 25 Fri - (中秋), 26 Sat -, 27 Sun -,
    Sep 28 Mon W, 29 W, 30 Wed W, Oct 1–7 - (国庆), Oct 8 Thu W, 9 Fri W,
    Oct 10 Sat W (调休上班), 11 Sun -, Oct 12–16 Mon–Fri W, 17–18 -, Oct 19–23 W, 24–25 -,
    Oct 26–30 W, 31 -, Nov 1 -, Nov 2–6 W, 7–8 -, Nov 9–13 W.

The answer due date 2026-10-09 (Fri) is watched in most tests. Working days before it:
10-08 (1), 09-30 (2), 09-29 (3), 09-28 (4), 09-24 (5). After it: 10-10 Sat (1), 10-12 (2),
10-13 (3), 10-14 (4), 10-15 (5), 10-16 (6), 10-19 (7), 10-20 (8), 10-21 (9), 10-22 (10).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import WorkCalendar
from domain.case import Actor, CaseEventType, Registration, Role, register
from domain.clock import ClockEvent, ClockStatus, ConsultationKind, EventType, Waiting, compute
from domain.identity import mask_id
from domain.reminders import (
    KIND_LABELS,
    THRESHOLDS,
    AgencyKind,
    Audience,
    CaseFacts,
    Decision,
    Kind,
    Notice,
    Watch,
    agency_watches,
    audiences,
    calendar_missing_due,
    calendar_missing_watch,
    case_watches,
    decide,
    due_moved_date,
    due_moved_facts,
    due_moved_watch,
    facts_of,
    fires_on,
    most_urgent_first,
    moves_of_the_day,
    next_check_on,
    reminder_key,
    report_due_date,
    report_due_dates,
    year_closed_watch,
)

D = dt.date
CAL = WorkCalendar.from_package()
DUE = D(2026, 10, 9)
CASE = "case:历下政公开〔2026〕12号"


def days(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def simulate(watch: Watch, start: dt.date, end: dt.date, down: Iterable[dt.date] = ()):
    """Run the daily sweep on every day of [start, end] except the `down` days, keeping what
    was recorded as the store would; returns [(day, sent threshold)] and the skipped ones."""
    recorded: set[int] = set()
    sent: list[tuple[dt.date, int]] = []
    skipped: list[tuple[dt.date, int]] = []
    off = set(down)
    for day in days(start, end):
        if day in off:
            continue
        decision = decide(watch, day, CAL, recorded)
        if decision.send is not None:
            sent.append((day, decision.send))
            recorded.add(decision.send)
        skipped += [(day, t) for t in decision.skipped]
        recorded.update(decision.skipped)
    return sent, skipped


def facts(**changes) -> CaseFacts:
    base = dict(
        case_no="历下政公开〔2026〕12号",
        agency="lixia",
        received_on=D(2026, 9, 10),
        registered_on=D(2026, 9, 10),
        open=True,
        assigned=True,
        due=DUE,
        clock=ClockStatus.RUNNING,
        supplement_window_end=D(2026, 9, 21),
        supplement_requested=True,
    )
    base.update(changes)
    return CaseFacts(**base)


# ------------------------------------------------------------------ the kinds as data


def test_the_twelve_kinds_are_named_as_in_rules() -> None:
    assert [k.value for k in Kind] == [
        "answer",
        "overdue",
        "supplement_window",
        "supplement_lapsed",
        "consultation",
        "payment_lapsed",
        "unassigned",
        "extension_request",
        "due_moved",
        "calendar_missing",
        "report_due",
        "year_closed",
    ]
    for kind in Kind:
        label = KIND_LABELS[kind]
        assert label and all("\u4e00" <= ch <= "\u9fff" for ch in label), label


def test_thresholds_are_the_table_of_rules() -> None:
    assert dict(THRESHOLDS) == {
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


# ------------------------------------------------------------------ who is told


A = Audience


@pytest.mark.parametrize(
    ("kind", "threshold", "assigned", "expected"),
    [
        (Kind.ANSWER, 3, True, {A.ASSIGNEE}),
        (Kind.ANSWER, 0, False, {A.SUPERVISORS}),  # unassigned: the agency's supervisors
        (Kind.OVERDUE, -1, True, {A.ASSIGNEE, A.SUPERVISORS}),
        (Kind.OVERDUE, -5, True, {A.ASSIGNEE, A.SUPERVISORS, A.OFFICE_HEADS}),
        (
            Kind.OVERDUE,
            -10,
            True,
            {A.ASSIGNEE, A.SUPERVISORS, A.OFFICE_HEADS, A.PARENT_SUPERVISORS},
        ),
        (Kind.OVERDUE, -1, False, {A.SUPERVISORS}),
        (Kind.OVERDUE, -10, False, {A.SUPERVISORS, A.OFFICE_HEADS, A.PARENT_SUPERVISORS}),
        (Kind.SUPPLEMENT_WINDOW, 2, True, {A.ASSIGNEE}),
        (Kind.SUPPLEMENT_WINDOW, 0, False, {A.SUPERVISORS}),
        (Kind.SUPPLEMENT_LAPSED, -1, True, {A.ASSIGNEE}),
        (Kind.CONSULTATION, 2, True, {A.ASSIGNEE}),
        (Kind.CONSULTATION, -1, True, {A.ASSIGNEE}),
        (Kind.PAYMENT_LAPSED, -1, True, {A.ASSIGNEE}),
        (Kind.UNASSIGNED, -1, False, {A.SUPERVISORS}),
        (Kind.EXTENSION_REQUEST, 0, True, {A.OFFICE_HEADS}),
        (Kind.EXTENSION_REQUEST, 1, True, {A.OFFICE_HEADS}),
        (Kind.DUE_MOVED, 0, True, {A.ASSIGNEE}),
        (Kind.CALENDAR_MISSING, 0, True, {A.ADMINS}),
        (Kind.REPORT_DUE, 10, True, {A.SUPERVISORS}),
        (Kind.REPORT_DUE, 1, True, {A.SUPERVISORS}),
        (Kind.YEAR_CLOSED, 0, True, {A.SUPERVISORS}),
    ],
)
def test_audiences(kind: Kind, threshold: int, assigned: bool, expected: set[Audience]) -> None:
    assert audiences(kind, threshold, assigned=assigned) == expected


def test_a_threshold_the_kind_does_not_have_is_refused() -> None:
    with pytest.raises(ValueError):
        audiences(Kind.OVERDUE, -4, assigned=True)
    with pytest.raises(ValueError):
        Watch(Kind.ANSWER, DUE, CASE, (2,))


# ------------------------------------------------------------------ answer and overdue


def test_answer_series_day_by_day() -> None:
    sent, skipped = simulate(Watch(Kind.ANSWER, DUE, CASE), D(2026, 9, 14), D(2026, 10, 31))
    # 5 before = 09-24, 3 before = 09-29, 1 before = 10-08 (after the 国庆 block), 0 = 10-09.
    assert sent == [(D(2026, 9, 24), 5), (D(2026, 9, 29), 3), (D(2026, 10, 8), 1), (DUE, 0)]
    assert skipped == []


def test_overdue_series_day_by_day() -> None:
    sent, skipped = simulate(Watch(Kind.OVERDUE, DUE, CASE), D(2026, 9, 14), D(2026, 11, 30))
    # 1 over = 10-10 (the 调休 Saturday is a working day), 5 over = 10-15, 10 over = 10-22.
    assert sent == [(D(2026, 10, 10), -1), (D(2026, 10, 15), -5), (D(2026, 10, 22), -10)]
    assert skipped == []


def test_nothing_is_due_the_day_before_a_threshold() -> None:
    assert decide(Watch(Kind.ANSWER, DUE, CASE), D(2026, 9, 23), CAL) == Decision(None, ())
    assert decide(Watch(Kind.OVERDUE, DUE, CASE), DUE, CAL) == Decision(None, ())
    # 10-14 is 4 working days over: -1 was sent, -5 not yet.
    assert decide(Watch(Kind.OVERDUE, DUE, CASE), D(2026, 10, 14), CAL, {-1}) == Decision(None, ())


def test_catch_up_after_seven_days_down_sends_only_the_most_severe() -> None:
    # The sweep last ran 10-09 (sent 0), was down 10-10 … 10-16 (7 days), runs 10-17.
    # Reached by then: -1 (10-10) and -5 (10-15): -5 is sent, -1 skipped.
    down = list(days(D(2026, 10, 10), D(2026, 10, 16)))
    sent, skipped = simulate(Watch(Kind.OVERDUE, DUE, CASE), D(2026, 10, 1), D(2026, 10, 31), down)
    assert sent == [(D(2026, 10, 17), -5), (D(2026, 10, 22), -10)]
    assert skipped == [(D(2026, 10, 17), -1)]


def test_catch_up_before_the_date_sends_the_nearest_reminder_only() -> None:
    # Down 09-24 … 09-30 (7 days); on 10-01 both 5 (09-24) and 3 (09-29) are reached.
    down = list(days(D(2026, 9, 24), D(2026, 9, 30)))
    sent, skipped = simulate(Watch(Kind.ANSWER, DUE, CASE), D(2026, 9, 14), D(2026, 10, 31), down)
    assert sent == [(D(2026, 10, 1), 3), (D(2026, 10, 8), 1), (DUE, 0)]
    assert skipped == [(D(2026, 10, 1), 5)]


def test_before_reminders_are_never_sent_once_the_date_passed() -> None:
    # Last run 10-07 (5 and 3 recorded), down 10-08 … 10-14, runs 10-15: 1 and 0 are reached
    # but the due date passed, so both are skipped; overdue sends -5 (10-15), skips -1.
    answer = decide(Watch(Kind.ANSWER, DUE, CASE), D(2026, 10, 15), CAL, {5, 3})
    assert answer == Decision(None, (1, 0))
    overdue = decide(Watch(Kind.OVERDUE, DUE, CASE), D(2026, 10, 15), CAL)
    assert overdue == Decision(-5, (-1,))
    # On the due date itself "due today" is still sent.
    assert decide(Watch(Kind.ANSWER, DUE, CASE), DUE, CAL, {5, 3}) == Decision(0, (1,))


def test_a_rerun_the_same_day_sends_nothing() -> None:
    watch = Watch(Kind.OVERDUE, DUE, CASE)
    first = decide(watch, D(2026, 10, 17), CAL)
    assert first == Decision(-5, (-1,))
    assert decide(watch, D(2026, 10, 17), CAL, {-5, -1}) == Decision(None, ())


def test_a_moved_date_starts_a_new_series_with_new_keys() -> None:
    old = Watch(Kind.ANSWER, DUE, CASE)
    new = Watch(Kind.ANSWER, D(2026, 10, 22), CASE)  # e.g. after a 10-day extension
    assert old.key(3) == f"{CASE}|answer|3|2026-10-09"
    assert new.key(3) == f"{CASE}|answer|3|2026-10-22"
    recorded_old = {old.key(5), old.key(3)}
    # 3 before 10-22: 10-21 (1), 10-20 (2), 10-19 (3); 5 before: 10-16 (4), 10-15 (5).
    assert next_check_on([new], CAL, recorded_old) == D(2026, 10, 15)
    assert decide(new, D(2026, 10, 19), CAL) == Decision(3, (5,))


def test_reminder_key_is_subject_kind_threshold_date() -> None:
    assert reminder_key("agency:lixia", Kind.REPORT_DUE, 10, D(2027, 2, 1)) == (
        "agency:lixia|report_due|10|2027-02-01"
    )
    assert reminder_key("case:A|B", Kind.OVERDUE, -1, DUE) == "case:A|B|overdue|-1|2026-10-09"


# ------------------------------------------------------------------ the waiting windows


def test_supplement_window_two_before_and_on_the_last_day() -> None:
    d0 = D(2026, 9, 21)
    state = compute(d0, [], CAL)
    # 7th working day after 09-21: 22 (1), 23 (2), 24 (3), 28 (4), 29 (5), 30 (6), 10-08 (7).
    assert state.supplement_window_end == D(2026, 10, 8)
    f = facts(
        received_on=d0,
        supplement_window_end=state.supplement_window_end,
        supplement_requested=False,
        due=state.due,
    )
    [watch] = [w for w in case_watches(f, CAL) if w.kind is Kind.SUPPLEMENT_WINDOW]
    sent, _ = simulate(watch, d0, D(2026, 10, 31))
    # 2 before 10-08: 09-30 (1), 09-29 (2).
    assert sent == [(D(2026, 9, 29), 2), (D(2026, 10, 8), 0)]


def test_supplement_window_only_while_no_supplement_asked_and_open() -> None:
    asked = facts(supplement_requested=True)
    assert Kind.SUPPLEMENT_WINDOW not in {w.kind for w in case_watches(asked, CAL)}
    not_asked = facts(supplement_requested=False)
    assert Kind.SUPPLEMENT_WINDOW in {w.kind for w in case_watches(not_asked, CAL)}
    assert case_watches(facts(supplement_requested=False, open=False), CAL) == []


def test_supplement_lapsed_one_day_after_the_applicants_period() -> None:
    events = [ClockEvent(EventType.SUPPLEMENT_REQUESTED, D(2026, 9, 29), applicant_days=5)]
    state = compute(D(2026, 9, 21), events, CAL)
    # 5 working days after 09-29: 09-30 (1), 10-08 (2), 10-09 (3), 10-10 Sat (4), 10-12 (5).
    assert state.waiting_due == D(2026, 10, 12)
    f = facts(
        clock=state.clock,
        due=state.due,
        waiting_for=state.waiting_for,
        waiting_due=state.waiting_due,
    )
    watches = case_watches(f, CAL)
    kinds = {w.kind for w in watches}
    assert Kind.ANSWER not in kinds and Kind.OVERDUE not in kinds  # the clock is stopped
    [watch] = [w for w in watches if w.kind is Kind.SUPPLEMENT_LAPSED]
    sent, _ = simulate(watch, D(2026, 9, 29), D(2026, 11, 30))
    assert sent == [(D(2026, 10, 13), -1)]  # 1 after 10-12


@pytest.mark.parametrize("kind", [ConsultationKind.THIRD_PARTY, ConsultationKind.AGENCY])
def test_consultation_two_before_and_one_after_the_window(kind: ConsultationKind) -> None:
    events = [ClockEvent(EventType.CONSULTATION_STARTED, D(2026, 10, 12), kind=kind)]
    state = compute(D(2026, 9, 21), events, CAL)
    # 15 working days after 10-12: 13 (1), 14, 15, 16 (4), 19, 20, 21, 22, 23 (9),
    # 26, 27, 28, 29, 30 (14), 11-02 (15).
    assert state.waiting_due == D(2026, 11, 2)
    f = facts(
        clock=state.clock,
        due=state.due,
        waiting_for=state.waiting_for,
        waiting_due=state.waiting_due,
        consultation_kind=kind,
    )
    watches = case_watches(f, CAL)
    # Paused, not stopped: the projected due date keeps its answer and overdue series.
    assert {Kind.ANSWER, Kind.OVERDUE} <= {w.kind for w in watches}
    [watch] = [w for w in watches if w.kind is Kind.CONSULTATION]
    sent, _ = simulate(watch, D(2026, 10, 12), D(2026, 11, 30))
    # 2 before 11-02: 10-30 (1), 10-29 (2); 1 after: 11-03.
    assert sent == [(D(2026, 10, 29), 2), (D(2026, 11, 3), -1)]


def test_payment_lapsed_one_day_after_the_payment_window() -> None:
    events = [ClockEvent(EventType.FEE_NOTICE_SENT, D(2026, 10, 12))]
    state = compute(D(2026, 9, 21), events, CAL)
    # 20 after 10-12: 11-02 is the 15th (above), 11-03 (16), 04, 05, 06 (19), 11-09 (20).
    assert state.waiting_due == D(2026, 11, 9)
    f = facts(
        clock=state.clock, due=state.due, waiting_for=Waiting.FEE, waiting_due=state.waiting_due
    )
    [watch] = [w for w in case_watches(f, CAL) if w.kind is Kind.PAYMENT_LAPSED]
    sent, _ = simulate(watch, D(2026, 10, 12), D(2026, 11, 30))
    assert sent == [(D(2026, 11, 10), -1)]


# ------------------------------------------------------------------ one-off kinds


def test_unassigned_once_one_working_day_after_registration() -> None:
    f = facts(assigned=False, registered_on=D(2026, 9, 30))
    [watch] = [w for w in case_watches(f, CAL) if w.kind is Kind.UNASSIGNED]
    sent, _ = simulate(watch, D(2026, 9, 30), D(2026, 11, 30))
    assert sent == [(D(2026, 10, 8), -1)]  # 10-01 … 10-07 are off: 10-08 is the 1st
    assert Kind.UNASSIGNED not in {w.kind for w in case_watches(facts(assigned=True), CAL)}


def test_extension_request_when_made_and_again_one_before_due() -> None:
    due = D(2026, 10, 22)
    f = facts(due=due, extension_requested_on=D(2026, 10, 9))
    watches = [w for w in case_watches(f, CAL) if w.kind is Kind.EXTENSION_REQUEST]
    made, again = watches
    assert (made.watched, made.thresholds) == (D(2026, 10, 9), (0,))
    assert (again.watched, again.thresholds) == (due, (1,))
    sent_made, _ = simulate(made, D(2026, 10, 9), D(2026, 11, 30))
    assert sent_made == [(D(2026, 10, 9), 0)]
    sent_again, _ = simulate(again, D(2026, 10, 9), D(2026, 11, 30))
    assert sent_again == [(D(2026, 10, 21), 1)]  # 1 before 10-22
    # The request itself is not stale when the sweep runs late (down 10-09 … 10-11).
    assert decide(made, D(2026, 10, 12), CAL) == Decision(0, ())
    # Decided: no pending request, no watch.
    assert not [w for w in case_watches(facts(due=due), CAL) if w.kind is Kind.EXTENSION_REQUEST]


def test_extension_request_made_the_day_before_due_is_told_once() -> None:
    f = facts(due=D(2026, 10, 22), extension_requested_on=D(2026, 10, 21))
    watches = [w for w in case_watches(f, CAL) if w.kind is Kind.EXTENSION_REQUEST]
    assert [(w.watched, w.thresholds) for w in watches] == [(D(2026, 10, 21), (0,))]


def test_due_moved_once_per_change() -> None:
    watch = due_moved_watch("历下政公开〔2026〕12号", D(2026, 11, 20))
    assert watch.key(0) == f"{CASE}|due_moved|0|2026-11-20"
    assert decide(watch, D(2026, 11, 20), CAL) == Decision(0, ())
    assert decide(watch, D(2026, 11, 20), CAL, {0}) == Decision(None, ())
    assert decide(watch, D(2026, 11, 19), CAL) == Decision(None, ())
    # A later change is a new key, so it is told again.
    assert due_moved_watch("历下政公开〔2026〕12号", D(2026, 11, 23)).key(0) != watch.key(0)


def test_due_moved_names_every_deadline_the_day_moved() -> None:
    from domain.clock import Deadline, DeadlineMove

    answer, supplement = Deadline.ANSWER, Deadline.SUPPLEMENT
    recorded = [  # two changes on one day, in the order recorded
        DeadlineMove(answer, D(2026, 12, 21), D(2026, 12, 22)),
        DeadlineMove(supplement, D(2026, 11, 25), D(2026, 11, 26)),
        DeadlineMove(supplement, D(2026, 11, 26), D(2026, 11, 27)),
        DeadlineMove(answer, D(2026, 12, 22), D(2026, 12, 21)),  # came back: not named
    ]
    assert moves_of_the_day(recorded) == (DeadlineMove(supplement, D(2026, 11, 25), D(2026, 11, 27)),)
    moves = moves_of_the_day(recorded[:3])
    # the waiting deadline first, then the answer it holds up
    assert [m.deadline for m in moves] == [supplement, answer]
    facts = due_moved_facts(moves)
    assert facts["moves"] == [
        {"deadline": "supplement", "label": "补正期限", "old_due": D(2026, 11, 25), "new_due": D(2026, 11, 27)},
        {"deadline": "answer", "label": "答复期限", "old_due": D(2026, 12, 21), "new_due": D(2026, 12, 22)},
    ]  # fmt: skip
    assert (facts["old_due"], facts["new_due"]) == (D(2026, 12, 21), D(2026, 12, 22))
    assert due_moved_date(moves) == D(2026, 12, 22)  # the answer's new date
    only_fee = (DeadlineMove(Deadline.FEE, D(2026, 12, 3), D(2026, 12, 4)),)
    assert "old_due" not in due_moved_facts(only_fee)
    assert due_moved_date(only_fee) == D(2026, 12, 4)
    assert moves_of_the_day([]) == () and due_moved_date(()) is None


def test_year_closed_once_per_agency_and_year() -> None:
    watch = year_closed_watch("lixia", 2026)
    assert watch.key(0) == "agency:lixia|year_closed|0|2026-12-31"
    assert decide(watch, D(2027, 1, 1), CAL) == Decision(0, ())
    assert decide(watch, D(2027, 1, 1), CAL, {0}) == Decision(None, ())
    keys = {year_closed_watch(a, y).key(0) for a in ("lixia", "shizhong") for y in (2025, 2026)}
    assert len(keys) == 4


# ------------------------------------------------------------------ agency-level


def test_report_due_dates_departments_31_january_next_working_day() -> None:
    # The 2025 report: 2026-01-31 is a Saturday, 02-01 a Sunday → Monday 02-02.
    assert report_due_date(2025, AgencyKind.DEPARTMENT, CAL) == D(2026, 2, 2)
    # Before 02-02: 01-30 (1), 29 (2), 28 (3), 27 (4), 26 (5), 23 (6), 22, 21, 20, 01-19 (10).
    assert report_due_dates(2025, AgencyKind.DEPARTMENT, CAL) == {
        10: D(2026, 1, 19),
        5: D(2026, 1, 26),
        1: D(2026, 1, 30),
    }
    # The 2024 report: 2025-01-31 falls in the 春节 block (01-28 … 02-04) → 02-05.
    assert report_due_date(2024, AgencyKind.DEPARTMENT, CAL) == D(2025, 2, 5)


def test_report_due_dates_governments_31_march() -> None:
    # 2026-03-31 is a Tuesday and a working day.
    assert report_due_date(2025, AgencyKind.GOVERNMENT, CAL) == D(2026, 3, 31)
    # Before it: 03-30 (1), 27 (2), 26 (3), 25 (4), 24 (5), 23 (6), 20, 19, 18, 03-17 (10).
    assert report_due_dates(2025, AgencyKind.GOVERNMENT, CAL) == {
        10: D(2026, 3, 17),
        5: D(2026, 3, 24),
        1: D(2026, 3, 30),
    }


def test_agency_watches_the_next_report_not_yet_past() -> None:
    [w] = agency_watches("lixia", AgencyKind.DEPARTMENT, D(2026, 2, 2), CAL)
    assert (w.kind, w.watched, w.subject) == (Kind.REPORT_DUE, D(2026, 2, 2), "agency:lixia")
    # The day after, the 2026 report: 2027-01-31 is a Sunday → Monday 2027-02-01 (provisional
    # calendar; 春节 2027 starts 02-05).
    [w] = agency_watches("lixia", AgencyKind.DEPARTMENT, D(2026, 2, 3), CAL)
    assert w.watched == D(2027, 2, 1)
    sent, _ = simulate(
        agency_watches("lixia", AgencyKind.GOVERNMENT, D(2026, 3, 1), CAL)[0],
        D(2026, 3, 1),
        D(2026, 4, 30),
    )
    assert sent == [(D(2026, 3, 17), 10), (D(2026, 3, 24), 5), (D(2026, 3, 30), 1)]


@pytest.mark.parametrize(
    ("today", "coverage", "due"),
    [
        (D(2026, 10, 26), D(2026, 12, 31), False),  # a Monday before 1 November
        (D(2026, 11, 1), D(2026, 12, 31), False),  # 1 November is a Sunday
        (D(2026, 11, 2), D(2026, 12, 31), True),  # the first Monday
        (D(2026, 11, 3), D(2026, 12, 31), False),  # Tuesday
        (D(2026, 12, 14), D(2026, 12, 31), True),  # Monday
        (D(2026, 12, 19), D(2026, 12, 31), False),  # Saturday before 20 December
        (D(2026, 12, 20), D(2026, 12, 31), True),  # daily from 20 December (a Sunday)
        (D(2026, 12, 23), D(2026, 12, 31), True),
        (D(2026, 11, 2), D(2027, 12, 31), False),  # next year loaded: silence
        (D(2026, 12, 23), D(2027, 12, 31), False),
        (D(2027, 1, 5), D(2026, 12, 31), True),  # past coverage: every day
        (D(2027, 6, 15), D(2026, 12, 31), True),
    ],
)
def test_calendar_missing_days(today: dt.date, coverage: dt.date, due: bool) -> None:
    assert calendar_missing_due(today, coverage) is due


def test_calendar_missing_missed_monday_is_sent_later_that_week_once() -> None:
    coverage = D(2026, 12, 31)
    watch = calendar_missing_watch(D(2026, 11, 4), coverage)  # Wednesday
    assert watch is not None and watch.watched == D(2026, 11, 2)
    assert decide(watch, D(2026, 11, 4), CAL) == Decision(0, ())
    assert calendar_missing_watch(D(2026, 10, 28), coverage) is None
    assert calendar_missing_watch(D(2026, 11, 4), D(2027, 12, 31)) is None
    assert calendar_missing_watch(D(2026, 12, 22), coverage).watched == D(2026, 12, 22)


# ------------------------------------------------------------------ watches and next check


def test_case_watches_of_a_running_assigned_case() -> None:
    f = facts()
    assert [(w.kind, w.watched) for w in case_watches(f, CAL)] == [
        (Kind.ANSWER, DUE),
        (Kind.OVERDUE, DUE),
    ]
    assert case_watches(facts(open=False), CAL) == []
    assert case_watches(facts(clock=ClockStatus.STOPPED, due=None), CAL) == []


def test_next_check_on_walks_the_series() -> None:
    watches = case_watches(facts(), CAL)
    subject = watches[0].subject
    sent: set[str] = set()
    assert next_check_on(watches, CAL, sent) == D(2026, 9, 24)  # answer 5
    sent.add(reminder_key(subject, Kind.ANSWER, 5, DUE))
    assert next_check_on(watches, CAL, sent) == D(2026, 9, 29)  # answer 3
    sent |= {reminder_key(subject, Kind.ANSWER, t, DUE) for t in (3, 1, 0)}
    assert next_check_on(watches, CAL, sent) == D(2026, 10, 10)  # overdue -1
    sent |= {reminder_key(subject, Kind.OVERDUE, t, DUE) for t in (-1, -5)}
    assert next_check_on(watches, CAL, sent) == D(2026, 10, 22)  # overdue -10
    sent.add(reminder_key(subject, Kind.OVERDUE, -10, DUE))
    assert next_check_on(watches, CAL, sent) is None
    assert next_check_on([], CAL, set()) is None


def test_facts_of_a_real_case() -> None:
    actor = Actor("wang", Role.CASEWORKER)
    at = dt.datetime(2026, 9, 21, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
    form = Registration(
        agency="lixia",
        applicant_name="张三",
        applicant_type="natural_person",
        channel="in_person",
        received_on=D(2026, 9, 21),
        content="某路段改造工程的环评报告",
        id_kind="resident_id",
        id_number="11010519491231002X",
    )
    case, _ = register(form, actor, at, D(2026, 9, 21))
    case.act(CaseEventType.CONSULTATION_STARTED, actor, D(2026, 10, 12), at, CAL, kind="agency")
    case.act(
        CaseEventType.EXTENSION_REQUESTED,
        actor,
        D(2026, 10, 13),
        at,
        CAL,
        reason="需协调",
        workdays=5,
    )
    f = facts_of(case, case.clock(CAL))
    assert f.registered_on == D(2026, 9, 21)
    assert f.assigned is False and f.open is True
    assert f.clock is ClockStatus.PAUSED and f.waiting_for is Waiting.CONSULTATION
    assert f.waiting_due == D(2026, 11, 2)
    assert f.consultation_kind is ConsultationKind.AGENCY
    assert f.extension_requested_on == D(2026, 10, 13)
    kinds = [w.kind for w in case_watches(f, CAL)]
    assert kinds.count(Kind.EXTENSION_REQUEST) == 2
    assert Kind.UNASSIGNED in kinds and Kind.SUPPLEMENT_WINDOW in kinds


# ------------------------------------------------------------------ notices


def test_mask_id_keeps_first_six_and_last_four() -> None:
    assert mask_id("370102199001011234") == "370102********1234"
    assert mask_id("91370102MA3C12345X") == "913701********345X"
    assert mask_id("G1234567") == "******67"  # short numbers keep only a quarter
    assert mask_id("") == ""


def test_notice_masks_id_numbers_in_its_facts() -> None:
    notice = Notice(
        Kind.YEAR_CLOSED,
        0,
        "liu",
        "刘主管",
        "lixia",
        "历下区人民政府",
        D(2026, 12, 31),
        facts={
            "id_number": "370102199001011234",
            "cases": [{"case_no": "X", "applicant_id_number": "370102199001011234"}],
        },
    )
    assert notice.facts["id_number"] == "370102********1234"
    assert notice.facts["cases"][0]["applicant_id_number"] == "370102********1234"
    assert "199001011" not in repr(notice)
    with pytest.raises(ValueError):
        Notice(Kind.OVERDUE, -2, "a", "A", "lixia", "历下", DUE)


def test_most_urgent_first_overdue_longest_then_due_soonest() -> None:
    def n(kind: Kind, threshold: int, due: dt.date | None, case_no: str | None) -> Notice:
        return Notice(kind, threshold, "wang", "王芳", "lixia", "历下", due or DUE, case_no, due)

    over_5 = n(Kind.OVERDUE, -5, D(2026, 10, 1), "A")
    over_10 = n(Kind.OVERDUE, -10, D(2026, 9, 20), "B")
    due_soon = n(Kind.ANSWER, 1, D(2026, 10, 12), "C")
    due_later = n(Kind.ANSWER, 5, D(2026, 10, 20), "D")
    no_date = n(Kind.YEAR_CLOSED, 0, None, None)
    ordered = most_urgent_first([due_later, no_date, due_soon, over_5, over_10])
    assert ordered == [over_10, over_5, due_soon, due_later, no_date]


# ------------------------------------------------------------------ properties over 2026


WATCHED_KINDS = [Kind.ANSWER, Kind.OVERDUE, Kind.CONSULTATION, Kind.REPORT_DUE, Kind.UNASSIGNED]


@settings(max_examples=150, deadline=None)
@given(
    kind=st.sampled_from(WATCHED_KINDS),
    watched=st.dates(D(2026, 2, 1), D(2026, 11, 30)),
    down=st.sets(st.integers(0, 60), max_size=40),
)
def test_every_threshold_is_recorded_once_and_sent_at_most_once(kind, watched, down) -> None:
    watch = Watch(kind, watched, CASE)
    start = watched - dt.timedelta(days=40)
    end = watched + dt.timedelta(days=40)
    off = {start + dt.timedelta(days=n) for n in down}
    sent, skipped = simulate(watch, start, end, off)
    # Each threshold is decided exactly once, sent or skipped (nothing lost, nothing twice).
    assert sorted([t for _, t in sent] + [t for _, t in skipped]) == sorted(watch.thresholds)
    # At most one message a day, and each more severe than the last (no bursts, no going back).
    sent_days = [day for day, _ in sent]
    assert len(sent_days) == len(set(sent_days))
    assert [t for _, t in sent] == sorted((t for _, t in sent), reverse=True)
    # Nothing "before" is sent after the watched date; nothing is sent before it fires.
    for day, t in sent:
        assert not (t >= 0 and day > watched)
        assert fires_on(watch, t, CAL) <= day


@settings(max_examples=150, deadline=None)
@given(
    kind=st.sampled_from(WATCHED_KINDS),
    watched=st.dates(D(2026, 2, 1), D(2026, 11, 30)),
    down=st.sets(st.integers(0, 60), max_size=40),
)
def test_a_sweep_reading_only_cases_due_by_next_check_on_sends_the_same(
    kind, watched, down
) -> None:
    """The indexed next-check column must never hide a case that has something to send."""
    watch = Watch(kind, watched, CASE)
    start = watched - dt.timedelta(days=40)
    end = watched + dt.timedelta(days=40)
    off = {start + dt.timedelta(days=n) for n in down}
    expected, _ = simulate(watch, start, end, off)
    recorded: set[int] = set()
    sent: list[tuple[dt.date, int]] = []
    for day in days(start, end):
        if day in off:
            continue
        check = next_check_on([watch], CAL, {watch.key(t) for t in recorded})
        if check is None or check > day:
            assert decide(watch, day, CAL, recorded) == Decision(None, ())
            continue
        decision = decide(watch, day, CAL, recorded)
        assert decision != Decision(None, ())  # a case read is a case with work
        if decision.send is not None:
            sent.append((day, decision.send))
            recorded.add(decision.send)
        recorded.update(decision.skipped)
    assert sent == expected
