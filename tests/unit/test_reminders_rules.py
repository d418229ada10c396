"""More of RULES §6, where a mutation run of `domain/reminders.py` showed a rule no test
pinned (bench/MUTATION.md). Dates are counted by hand on the official 2026 calendar:

    Sep 21 Mon W, 22 W, 23 W, 24 Thu W, 25 Fri - (中秋), 26 Sat -, 27 Sun -,
    Sep 28 Mon W, 29 W, 30 Wed W, Oct 1–7 - (国庆), Oct 8 Thu W, 9 Fri W,
    Oct 10 Sat W (调休上班), 11 Sun -, Oct 12–16 W, 17–18 -, Oct 19–23 W.
"""

from __future__ import annotations

import datetime as dt

import pytest

from domain.calendar import WorkCalendar
from domain.case import Actor, Case, CaseEventType, Registration, Role, register
from domain.clock import ClockStatus, ConsultationKind, Waiting
from domain.reminders import (
    CaseFacts,
    Kind,
    Notice,
    calendar_missing_due,
    calendar_missing_watch,
    case_watch_keys,
    case_watches,
    facts_of,
    most_urgent_first,
)

D = dt.date
CAL = WorkCalendar.from_package()
CASE_NO = "历下政公开〔2026〕12号"
WORKER = Actor("wang", Role.CASEWORKER)
HEAD = Actor("liu", Role.SUPERVISOR)


def facts(**changes) -> CaseFacts:
    base = dict(
        case_no=CASE_NO,
        agency="lixia",
        received_on=D(2026, 9, 10),
        registered_on=D(2026, 9, 10),
        open=True,
        assigned=True,
        due=D(2026, 10, 22),
        clock=ClockStatus.RUNNING,
        supplement_window_end=D(2026, 9, 21),
        supplement_requested=False,
    )
    base.update(changes)
    return CaseFacts(**base)


# ------------------------------------------------------------------ watches and their keys


def test_every_watch_of_a_case_is_keyed_by_the_case() -> None:
    # Paused (projected due 10-22) with a consultation window 10-15, unassigned, 补正 window
    # still open, and an extension request made on 10-12: every kind of case watch at once.
    f = facts(
        clock=ClockStatus.PAUSED,
        assigned=False,
        waiting_for=Waiting.CONSULTATION,
        waiting_due=D(2026, 10, 15),
        consultation_kind=ConsultationKind.AGENCY,
        extension_requested_on=D(2026, 10, 12),
    )
    watches = case_watches(f, CAL)
    assert sorted(w.kind.value for w in watches) == sorted(
        [
            "answer",
            "overdue",
            "supplement_window",
            "consultation",
            "unassigned",
            "extension_request",
            "extension_request",
        ]
    )
    assert {w.subject for w in watches} == {f"case:{CASE_NO}"}
    assert all(key.startswith(f"case:{CASE_NO}|") for key in case_watch_keys(watches))


def test_case_watch_keys_are_every_threshold_of_every_watch() -> None:
    due = D(2026, 10, 22)
    keys = case_watch_keys(case_watches(facts(supplement_requested=True), CAL))
    subject = f"case:{CASE_NO}"
    assert keys == [f"{subject}|answer|{t}|2026-10-22" for t in (5, 3, 1, 0)] + [
        f"{subject}|overdue|{t}|{due.isoformat()}" for t in (-1, -5, -10)
    ]


def test_an_extension_request_two_days_before_due_is_reminded_again_the_day_before() -> None:
    # Due Thu 10-22: 1 working day before is 10-21, 2 before is 10-20. A request made on 10-20
    # is told when made and again on 10-21, a later day.
    f = facts(extension_requested_on=D(2026, 10, 20))
    watches = [w for w in case_watches(f, CAL) if w.kind is Kind.EXTENSION_REQUEST]
    assert [(w.watched, w.thresholds) for w in watches] == [
        (D(2026, 10, 20), (0,)),
        (D(2026, 10, 22), (1,)),
    ]


def test_calendar_missing_on_a_monday_that_is_1_november() -> None:
    # 2027-11-01 is a Monday: the first alert day when 2028 is not loaded.
    coverage = D(2027, 12, 31)
    assert calendar_missing_due(D(2027, 11, 1), coverage) is True
    assert calendar_missing_due(D(2027, 10, 25), coverage) is False  # the Monday before
    watch = calendar_missing_watch(D(2027, 11, 3), coverage)  # Wednesday of that week
    assert watch is not None and watch.key(0) == "calendar|calendar_missing|0|2027-11-01"
    today = calendar_missing_watch(D(2026, 12, 22), D(2026, 12, 31))
    assert today is not None and today.key(0) == "calendar|calendar_missing|0|2026-12-22"


# ------------------------------------------------------------------ notices


def _notice(kind, threshold, due, watched, case_no=None, **facts_) -> Notice:
    return Notice(kind, threshold, "wang", "王芳", "lixia", "历下", watched, case_no, due, facts_)


def test_a_notice_takes_its_kind_as_text_and_keys_the_calendar_alert_system_wide() -> None:
    notice = _notice("calendar_missing", 0, None, D(2026, 11, 2))
    assert notice.kind is Kind.CALENDAR_MISSING
    assert notice.key == "calendar|calendar_missing|0|2026-11-02"


def test_a_list_of_id_numbers_is_masked_too() -> None:
    notice = _notice(
        Kind.YEAR_CLOSED,
        0,
        None,
        D(2026, 12, 31),
        co_applicant_id_number=["370102199001011234", "11010519491231002X"],
    )
    assert notice.facts["co_applicant_id_number"] == ("370102********1234", "110105********002X")


def test_urgency_is_by_the_deadline_not_by_the_watched_day() -> None:
    # An extension request made 10-01 about a case due 10-20 is less urgent than an answer
    # reminder for a case due 10-10, although it watches an earlier day.
    request = _notice(Kind.EXTENSION_REQUEST, 0, D(2026, 10, 20), D(2026, 10, 1), "A")
    answer = _notice(Kind.ANSWER, 1, D(2026, 10, 10), D(2026, 10, 10), "B")
    assert most_urgent_first([request, answer]) == [answer, request]


def test_equally_urgent_notices_are_listed_by_case_number() -> None:
    b = _notice(Kind.ANSWER, 1, D(2026, 10, 10), D(2026, 10, 10), "B")
    a = _notice(Kind.ANSWER, 1, D(2026, 10, 10), D(2026, 10, 10), "A")
    assert most_urgent_first([b, a]) == [a, b]


# ------------------------------------------------------------------ facts of a real case


def _case(at: dt.datetime = dt.datetime(2026, 9, 20, 17, 0, tzinfo=dt.UTC)) -> Case:
    """Received 09-21; registered at 01:00 on 09-21 in Shanghai (17:00 the day before in UTC)."""
    form = Registration(
        agency="lixia",
        applicant_name="张三",
        applicant_type="natural_person",
        channel="in_person",
        received_on=D(2026, 9, 21),
        content="某路段改造工程的环评报告",
        case_no=CASE_NO,
    )
    case, _ = register(form, WORKER, at, D(2026, 9, 21))
    return case


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 2, 0, tzinfo=dt.UTC)


def test_facts_of_an_assigned_case_awaiting_its_supplement() -> None:
    case = _case()
    case.act(
        CaseEventType.ASSIGNED, HEAD, D(2026, 9, 23), _at(D(2026, 9, 23)), CAL, assignee="wang"
    )
    case.act(
        CaseEventType.SUPPLEMENT_REQUESTED,
        WORKER,
        D(2026, 9, 24),
        _at(D(2026, 9, 24)),
        CAL,
        applicant_days=5,
    )
    # The 补正 window: 7 working days after 09-21: 22, 23, 24, 28, 29, 30, Oct 8 → 10-08.
    # The applicant's period: 5 after 09-24: 28, 29, 30, Oct 8, Oct 9 → 10-09.
    assert facts_of(case, case.clock(CAL)) == CaseFacts(
        case_no=CASE_NO,
        agency="lixia",
        received_on=D(2026, 9, 21),
        registered_on=D(2026, 9, 21),  # the first event's day in Shanghai, not in UTC
        open=True,
        assigned=True,
        due=None,
        clock=ClockStatus.STOPPED,
        supplement_window_end=D(2026, 10, 8),
        supplement_requested=True,
        waiting_for=Waiting.SUPPLEMENT,
        waiting_due=D(2026, 10, 9),
        consultation_kind=None,
        extension_requested_on=None,
    )


@pytest.mark.parametrize(
    ("ended", "left"),
    [
        ({"party": "甲"}, ConsultationKind.AGENCY),
        ({"party": "乙"}, ConsultationKind.THIRD_PARTY),
        ({"kind": "agency"}, ConsultationKind.THIRD_PARTY),
        ({"kind": "third_party"}, ConsultationKind.AGENCY),
    ],
)
def test_the_consultation_watched_is_the_one_still_open(
    ended: dict, left: ConsultationKind
) -> None:
    # 甲 (no kind given: a third party) is consulted on 09-22, the agency 乙 on 09-23; one of
    # them ends on 09-24, named by party or by kind. The other one is what the case waits for.
    case = _case()
    case.act(
        CaseEventType.CONSULTATION_STARTED,
        WORKER,
        D(2026, 9, 22),
        _at(D(2026, 9, 22)),
        CAL,
        party="甲",
    )
    case.act(
        CaseEventType.CONSULTATION_STARTED,
        WORKER,
        D(2026, 9, 23),
        _at(D(2026, 9, 23)),
        CAL,
        kind="agency",
        party="乙",
    )
    case.act(
        CaseEventType.CONSULTATION_ENDED, WORKER, D(2026, 9, 24), _at(D(2026, 9, 24)), CAL, **ended
    )
    f = facts_of(case, case.clock(CAL))
    assert (f.clock, f.waiting_for) == (ClockStatus.PAUSED, Waiting.CONSULTATION)
    assert f.consultation_kind is left


def test_an_answered_case_waits_for_no_consultation() -> None:
    case = _case()
    case.act(
        CaseEventType.CONSULTATION_STARTED,
        WORKER,
        D(2026, 9, 22),
        _at(D(2026, 9, 22)),
        CAL,
        kind="agency",
    )
    case.act(
        CaseEventType.ANSWERED,
        WORKER,
        D(2026, 9, 24),
        _at(D(2026, 9, 24)),
        CAL,
        outcome="disclosed",
    )
    f = facts_of(case, case.clock(CAL))
    assert f.open is False and f.waiting_for is None and f.consultation_kind is None
    assert case_watches(f, CAL) == []
