"""The answer-deadline clock against RULES.md §2.2 and the §5 JSON contract.

Every expected date is counted by hand on the official 2026 calendar (2026.txt). The working
days after D0 = 2026-06-01 (Mon), numbered, are the backbone of most tests:

    June: 2 (1), 3 (2), 4 (3), 5 (4), 8 (5), 9 (6), 10 (7), 11 (8), 12 (9), 15 (10),
          16 (11), 17 (12), 18 (13), [19–21 端午 off], 22 (14), 23 (15), 24 (16), 25 (17),
          26 (18), 29 (19), 30 (20)
    July: 1 (21), 2 (22), 3 (23), 6 (24), 7 (25), 8 (26), 9 (27), 10 (28), 13 (29),
          14 (30), 15 (31), 16 (32), 17 (33), 20 (34), 21 (35), 22 (36), 23 (37), 24 (38),
          27 (39), 28 (40), 29 (41), 30 (42), 31 (43)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import WorkCalendar
from domain.clock import (
    ClockEvent,
    ClockState,
    ClockStatus,
    ConsultationKind,
    EventType,
    Waiting,
    compute,
    explain,
)
from domain.errors import DomainError

D = dt.date
CAL = WorkCalendar.from_package()
D0 = D(2026, 6, 1)
T = EventType


def ev(type_: EventType, on: dt.date, **kw: Any) -> ClockEvent:
    return ClockEvent(type=type_, on=on, **kw)


def run(*events: ClockEvent, d0: dt.date = D0) -> ClockState:
    return compute(d0, list(events), CAL)


# ------------------------------------------------------------ one test per §2.2 row


def test_plain_deadline_is_20_working_days_after_d0() -> None:
    state = run()
    assert state.due == D(2026, 6, 30)  # working day 20
    assert state.clock is ClockStatus.RUNNING
    assert state.waiting_due is None and state.waiting_for is None
    assert state.supplement_window_end == D(2026, 6, 10)  # working day 7
    assert state.provisional is False


def test_supplement_requested_stops_the_clock() -> None:
    # Asked on 06-10, the last day of the 7-day window. Default 15 working days after it:
    # 11, 12, 15, 16, 17, 18, 22, 23, 24, 25, 26, 29, 30, Jul 1, Jul 2 → 07-02.
    state = run(ev(T.SUPPLEMENT_REQUESTED, D(2026, 6, 10)))
    assert state.clock is ClockStatus.STOPPED
    assert state.due is None
    assert state.waiting_for is Waiting.SUPPLEMENT
    assert state.waiting_due == D(2026, 7, 2)
    assert state.supplement_requested is True


def test_supplement_period_is_configurable() -> None:
    # applicant_days = 5 after 06-10: 11, 12, 15, 16, 17 → 06-17.
    state = run(ev(T.SUPPLEMENT_REQUESTED, D(2026, 6, 10), applicant_days=5))
    assert state.waiting_due == D(2026, 6, 17)
    # The agency default (compute's supplement_days) is used when the event names none:
    # 10 after 06-10: 11, 12, 15, 16, 17, 18, 22, 23, 24, 25 → 06-25.
    state = compute(D0, [ev(T.SUPPLEMENT_REQUESTED, D(2026, 6, 10))], CAL, supplement_days=10)
    assert state.waiting_due == D(2026, 6, 25)


def test_supplement_received_restarts_from_zero() -> None:
    # S = 06-17 (Wed); 20 after it: 18 (1), 22–26 (6), 29, 30 (8), Jul 1–3 (11),
    # 6–10 (16), 13, 14, 15, 16 (20) → 07-16.
    state = run(
        ev(T.SUPPLEMENT_REQUESTED, D(2026, 6, 3)),
        ev(T.SUPPLEMENT_RECEIVED, D(2026, 6, 17)),
    )
    assert state.clock is ClockStatus.RUNNING
    assert state.due == D(2026, 7, 16)
    assert state.waiting_due is None and state.waiting_for is None


def test_supplement_period_lapses_clock_stays_stopped() -> None:
    # Asked 06-03 with 5 days: 4, 5, 8, 9, 10 → the period ends 06-10. Nothing is decided
    # automatically: the clock stays stopped until a person closes (or receives late).
    state = run(ev(T.SUPPLEMENT_REQUESTED, D(2026, 6, 3), applicant_days=5))
    assert state.waiting_due == D(2026, 6, 10)
    assert state.clock is ClockStatus.STOPPED and state.due is None
    assert state.is_overdue(D(2026, 9, 1)) is False
    # Closing while stopped (other.no_supplement) has no on-time verdict.
    closed = run(
        ev(T.SUPPLEMENT_REQUESTED, D(2026, 6, 3), applicant_days=5),
        ev(T.ANSWERED, D(2026, 6, 15)),
    )
    assert closed.answered_on == D(2026, 6, 15)
    assert closed.on_time is None
    # A late supplement accepted for good reason restarts the clock: 20 after 06-15 (Mon):
    # 16, 17, 18 (3), 22–26 (8), 29, 30 (10), Jul 1–3 (13), 6–10 (18), 13, 14 (20) → 07-14.
    late = run(
        ev(T.SUPPLEMENT_REQUESTED, D(2026, 6, 3), applicant_days=5),
        ev(T.SUPPLEMENT_RECEIVED, D(2026, 6, 15)),
    )
    assert late.due == D(2026, 7, 14)


def test_consultation_started_pauses_the_clock() -> None:
    # C = 06-10 (working day 7): 13 working days remain. The party's window is 15 working
    # days after C = 07-02. Projected due: 13 after 07-02 = Jul 3, 6–10, 13–17, 20, 21 → 07-21
    # (= working day 20 + 15 paused days = working day 35).
    state = run(ev(T.CONSULTATION_STARTED, D(2026, 6, 10), kind=ConsultationKind.THIRD_PARTY))
    assert state.clock is ClockStatus.PAUSED
    assert state.waiting_for is Waiting.CONSULTATION
    assert state.waiting_due == D(2026, 7, 2)
    assert state.due == D(2026, 7, 21)


def test_consultation_ended_resumes_with_paused_days_added() -> None:
    # Paused working days in (06-10, 06-24]: 11, 12, 15, 16, 17, 18, 22, 23, 24 = 9.
    # Due = working day 20 + 9 = working day 29 = 07-13.
    state = run(
        ev(T.CONSULTATION_STARTED, D(2026, 6, 10)),
        ev(T.CONSULTATION_ENDED, D(2026, 6, 24)),
    )
    assert state.clock is ClockStatus.RUNNING
    assert state.due == D(2026, 7, 13)
    assert state.waiting_due is None and state.waiting_for is None


def test_consultation_ended_on_a_weekend_counts_no_extra_day() -> None:
    # Started 06-10, ended Sat 06-20 (端午): paused working days 11, 12, 15, 16, 17, 18 = 6 →
    # working day 26 = 07-08. Ending on Mon 06-22 adds one more (22) → day 27 = 07-09.
    assert run(
        ev(T.CONSULTATION_STARTED, D(2026, 6, 10)),
        ev(T.CONSULTATION_ENDED, D(2026, 6, 20)),
    ).due == D(2026, 7, 8)
    assert run(
        ev(T.CONSULTATION_STARTED, D(2026, 6, 10)),
        ev(T.CONSULTATION_ENDED, D(2026, 6, 22)),
    ).due == D(2026, 7, 9)


def test_consultation_started_on_due_date_ending_on_weekend() -> None:
    # C = 06-30, the due date itself: 0 days remain. Ended Sat 07-04. RULES §2.2: due moves
    # later by the paused working days, (06-30, 07-04] = Jul 1, 2, 3 = 3 → working day 23 =
    # 07-03 (Fri). The due date must in any case be a working day, not Saturday 07-04.
    state = run(
        ev(T.CONSULTATION_STARTED, D(2026, 6, 30)),
        ev(T.CONSULTATION_ENDED, D(2026, 7, 4)),
    )
    assert state.due == D(2026, 7, 3)


def test_extension_granted_adds_to_current_due() -> None:
    # Granted on the due date 06-30 itself (allowed): 20 after 06-30 = working day 40 = 07-28.
    state = run(ev(T.EXTENSION_GRANTED, D(2026, 6, 30), workdays=20))
    assert state.due == D(2026, 7, 28)
    assert state.extension_used is True
    # 5 days granted early: 5 after 06-30 = Jul 1, 2, 3, 6, 7 → 07-07.
    assert run(ev(T.EXTENSION_GRANTED, D(2026, 6, 5), workdays=5)).due == D(2026, 7, 7)


def test_fee_notice_stops_the_clock() -> None:
    # F = 06-05 (Fri); 20 working days to pay: 8–12 (5), 15–18 (9), 22–26 (14), 29, 30 (16),
    # Jul 1, 2, 3 (19), 6 (20) → 07-06.
    state = run(ev(T.FEE_NOTICE_SENT, D(2026, 6, 5)))
    assert state.clock is ClockStatus.STOPPED
    assert state.due is None
    assert state.waiting_for is Waiting.FEE
    assert state.waiting_due == D(2026, 7, 6)


def test_fee_paid_restarts_from_the_day_after_payment() -> None:
    # P = 06-12 (Fri): 15–18 (4), 22–26 (9), 29, 30 (11), Jul 1–3 (14), 6–10 (19), 13 (20).
    state = run(ev(T.FEE_NOTICE_SENT, D(2026, 6, 5)), ev(T.FEE_PAID, D(2026, 6, 12)))
    assert state.clock is ClockStatus.RUNNING
    assert state.due == D(2026, 7, 13)
    assert state.waiting_due is None


def test_fee_unpaid_window_lapses_clock_stays_stopped() -> None:
    state = run(ev(T.FEE_NOTICE_SENT, D(2026, 6, 5)), ev(T.ANSWERED, D(2026, 7, 7)))
    assert state.on_time is None
    assert state.answered_on == D(2026, 7, 7)


def test_delay_set_replaces_the_due_date() -> None:
    state = run(ev(T.DELAY_SET, D(2026, 6, 15), due=D(2026, 9, 30)))
    assert state.due == D(2026, 9, 30)
    assert state.clock is ClockStatus.RUNNING


def test_answer_on_time_and_late() -> None:
    on_due = run(ev(T.ANSWERED, D(2026, 6, 30)))
    assert on_due.on_time is True
    assert on_due.clock is ClockStatus.STOPPED
    late = run(ev(T.ANSWERED, D(2026, 7, 1)))
    assert late.on_time is False
    # The answered state reports due = None (clock stopped); the due in force is in the step.
    assert late.steps[-1].due == D(2026, 6, 30)
    assert "逾期1个工作日" in late.steps[-1].text
    # After an extension the extended date is the one in force (07-07, see above).
    assert (
        run(
            ev(T.EXTENSION_GRANTED, D(2026, 6, 5), workdays=5),
            ev(T.ANSWERED, D(2026, 7, 7)),
        ).on_time
        is True
    )


def test_answer_during_consultation_ends_it() -> None:
    # Started 06-10 (13 left), answered 06-24 while paused: on time.
    state = run(ev(T.CONSULTATION_STARTED, D(2026, 6, 10)), ev(T.ANSWERED, D(2026, 6, 24)))
    assert state.on_time is True
    assert state.clock is ClockStatus.STOPPED


def test_overdue() -> None:
    state = run()
    assert state.is_overdue(D(2026, 6, 30)) is False
    assert state.is_overdue(D(2026, 7, 1)) is True


# --------------------------------------------------------------------- invalid events


@pytest.mark.parametrize(
    ("events", "index"),
    [
        pytest.param(
            [
                ev(T.SUPPLEMENT_REQUESTED, D(2026, 6, 3)),
                ev(T.SUPPLEMENT_RECEIVED, D(2026, 6, 5)),
                ev(T.SUPPLEMENT_REQUESTED, D(2026, 6, 8)),
            ],
            3,
            id="second-supplement",
        ),
        # The window ends on working day 7 = 06-10; 06-11 is day 8.
        pytest.param([ev(T.SUPPLEMENT_REQUESTED, D(2026, 6, 11))], 1, id="supplement-late"),
        # The due date is 06-30; 07-01 is after it.
        pytest.param(
            [ev(T.EXTENSION_GRANTED, D(2026, 7, 1), workdays=5)], 1, id="extension-after-due"
        ),
        pytest.param(
            [ev(T.EXTENSION_GRANTED, D(2026, 6, 10), workdays=21)], 1, id="extension-21-days"
        ),
        pytest.param(
            [ev(T.EXTENSION_GRANTED, D(2026, 6, 10), workdays=0)], 1, id="extension-0-days"
        ),
        pytest.param(
            [
                ev(T.EXTENSION_GRANTED, D(2026, 6, 10), workdays=5),
                ev(T.EXTENSION_GRANTED, D(2026, 6, 12), workdays=5),
            ],
            2,
            id="second-extension",
        ),
        pytest.param([ev(T.FEE_PAID, D(2026, 6, 10))], 1, id="fee-paid-without-notice"),
        pytest.param(
            [ev(T.SUPPLEMENT_RECEIVED, D(2026, 6, 10))], 1, id="supplement-without-request"
        ),
        pytest.param(
            [ev(T.CONSULTATION_ENDED, D(2026, 6, 10))], 1, id="consultation-ended-none-open"
        ),
        pytest.param(
            [
                ev(T.CONSULTATION_STARTED, D(2026, 6, 10), kind=ConsultationKind.AGENCY),
                ev(T.CONSULTATION_ENDED, D(2026, 6, 12), kind=ConsultationKind.THIRD_PARTY),
            ],
            2,
            id="consultation-ended-wrong-kind",
        ),
        pytest.param([ev(T.ANSWERED, D(2026, 5, 29))], 1, id="before-d0"),
        pytest.param(
            [
                ev(T.CONSULTATION_STARTED, D(2026, 6, 10)),
                ev(T.CONSULTATION_ENDED, D(2026, 6, 8)),
            ],
            2,
            id="out-of-order",
        ),
        pytest.param(
            [
                ev(T.SUPPLEMENT_REQUESTED, D(2026, 6, 3)),
                ev(T.EXTENSION_GRANTED, D(2026, 6, 5), workdays=5),
            ],
            2,
            id="extension-while-stopped",
        ),
        pytest.param([ev(T.CONSULTATION_STARTED, D(2026, 7, 1))], 1, id="consultation-after-due"),
        pytest.param(
            [ev(T.ANSWERED, D(2026, 6, 30)), ev(T.ANSWERED, D(2026, 7, 1))],
            2,
            id="event-after-answer",
        ),
        pytest.param(
            [
                ev(T.FEE_NOTICE_SENT, D(2026, 6, 3)),
                ev(T.FEE_PAID, D(2026, 6, 5)),
                ev(T.FEE_NOTICE_SENT, D(2026, 6, 8)),
            ],
            3,
            id="second-fee-notice",
        ),
        pytest.param(
            [
                ev(T.CONSULTATION_STARTED, D(2026, 6, 3)),
                ev(T.DELAY_SET, D(2026, 6, 5), due=D(2026, 9, 30)),
            ],
            2,
            id="delay-while-paused",
        ),
    ],
)
def test_invalid_sequence_names_the_event(events: list[ClockEvent], index: int) -> None:
    with pytest.raises(DomainError) as info:
        compute(D0, events, CAL)
    assert f"第{index}个事件" in str(info.value)
    assert info.value.field == f"events[{index - 1}]"
    assert info.value.rule


# ------------------------------------------------------------------- consultations


def test_overlapping_consultations_pause_once() -> None:
    # A: 06-10 → 06-22, B: 06-15 → 06-24. The union (06-10, 06-24] pauses 9 working days,
    # exactly like one consultation 06-10 → 06-24: due 07-13 (working day 29).
    one = run(ev(T.CONSULTATION_STARTED, D(2026, 6, 10)), ev(T.CONSULTATION_ENDED, D(2026, 6, 24)))
    a_first = run(
        ev(T.CONSULTATION_STARTED, D(2026, 6, 10), kind=ConsultationKind.THIRD_PARTY),
        ev(T.CONSULTATION_STARTED, D(2026, 6, 15), kind=ConsultationKind.AGENCY),
        ev(T.CONSULTATION_ENDED, D(2026, 6, 22), kind=ConsultationKind.THIRD_PARTY),
        ev(T.CONSULTATION_ENDED, D(2026, 6, 24), kind=ConsultationKind.AGENCY),
    )
    nested = run(
        ev(T.CONSULTATION_STARTED, D(2026, 6, 10), party="甲公司"),
        ev(T.CONSULTATION_STARTED, D(2026, 6, 15), party="乙公司"),
        ev(T.CONSULTATION_ENDED, D(2026, 6, 17), party="乙公司"),
        ev(T.CONSULTATION_ENDED, D(2026, 6, 24), party="甲公司"),
    )
    assert one.due == a_first.due == nested.due == D(2026, 7, 13)
    assert a_first.clock is nested.clock is ClockStatus.RUNNING


def test_one_of_two_consultations_ended_stays_paused() -> None:
    state = run(
        ev(T.CONSULTATION_STARTED, D(2026, 6, 10), party="甲公司"),
        ev(T.CONSULTATION_STARTED, D(2026, 6, 15), party="乙公司"),
        ev(T.CONSULTATION_ENDED, D(2026, 6, 17), party="甲公司"),
    )
    assert state.clock is ClockStatus.PAUSED
    # Only 乙公司 is open: its window is 15 after 06-15 = 16, 17, 18, 22–26, 29, 30, Jul 1–3,
    # 6, 7 → 07-07.
    assert state.waiting_due == D(2026, 7, 7)


def test_paused_projection_and_earliest_window() -> None:
    # A 06-10 (window 07-02) and B 06-15 (window 07-07), both open. Projection: both run
    # their full window, so the pause is (06-10, 07-07] = 15 + Jul 3, 6, 7 = 18 working days
    # → working day 38 = 07-24. waiting_due is the earliest open window, 07-02.
    state = run(
        ev(T.CONSULTATION_STARTED, D(2026, 6, 10), kind=ConsultationKind.THIRD_PARTY),
        ev(T.CONSULTATION_STARTED, D(2026, 6, 15), kind=ConsultationKind.AGENCY),
    )
    assert state.clock is ClockStatus.PAUSED
    assert state.due == D(2026, 7, 24)
    assert state.waiting_due == D(2026, 7, 2)
    assert state.steps[-1].event == "projection"


def test_agency_silence_is_consent_third_party_silence_is_not() -> None:
    # Both windows end 07-02; each ends on its window end by silence. Dates are identical,
    # only the legal reading differs (Art. 32 vs Art. 34).
    agency = run(
        ev(T.CONSULTATION_STARTED, D(2026, 6, 10), kind=ConsultationKind.AGENCY),
        ev(T.CONSULTATION_ENDED, D(2026, 7, 2)),
    )
    third = run(
        ev(T.CONSULTATION_STARTED, D(2026, 6, 10), kind=ConsultationKind.THIRD_PARTY),
        ev(T.CONSULTATION_ENDED, D(2026, 7, 2)),
    )
    # Paused (06-10, 07-02] = 15 working days → working day 35 = 07-21 for both.
    assert agency.due == third.due == D(2026, 7, 21)
    assert "第三十四条" in agency.steps[1].text
    assert "第三十二条" in third.steps[1].text
    assert "视为同意" in agency.steps[-1].text and "不视为同意" not in agency.steps[-1].text
    assert "不视为同意" in third.steps[-1].text


def test_consultation_end_matches_kind() -> None:
    # The agency consultation is closed even though the third-party one started first.
    state = run(
        ev(T.CONSULTATION_STARTED, D(2026, 6, 10), kind=ConsultationKind.THIRD_PARTY),
        ev(T.CONSULTATION_STARTED, D(2026, 6, 15), kind=ConsultationKind.AGENCY),
        ev(T.CONSULTATION_ENDED, D(2026, 6, 17), kind=ConsultationKind.AGENCY),
    )
    assert state.clock is ClockStatus.PAUSED
    assert state.waiting_due == D(2026, 7, 2)  # the third party's window is left


def test_extension_during_consultation() -> None:
    # Paused at 06-10 with 13 left; +5 extension → 18 left; ended 06-24 → 18 after 06-24:
    # 25, 26, 29, 30, Jul 1, 2, 3, 6, 7, 8, 9, 10, 13, 14, 15, 16, 17, 20 → 07-20.
    # (Same as 07-13 + 5: 14, 15, 16, 17, 20.)
    state = run(
        ev(T.CONSULTATION_STARTED, D(2026, 6, 10)),
        ev(T.EXTENSION_GRANTED, D(2026, 6, 12), workdays=5),
        ev(T.CONSULTATION_ENDED, D(2026, 6, 24)),
    )
    assert state.due == D(2026, 7, 20)


# -------------------------------------------------------------------------- provisional


def test_provisional_when_due_lands_past_coverage() -> None:
    # D0 = 2026-12-10 (Thu): Dec 11 (1), 14–18 (6), 21–25 (11), 28–31 (15), Jan 1 2027 元旦
    # (provisional holiday), Jan 4–8 (20) → 2027-01-08.
    state = run(d0=D(2026, 12, 10))
    assert state.due == D(2027, 1, 8)
    assert state.provisional is True
    assert any(step.event == "provisional" for step in state.steps)
    assert state.to_json()["provisional"] is True


def test_not_provisional_inside_coverage() -> None:
    state = run()
    assert state.provisional is False
    assert all(step.event != "provisional" for step in state.steps)


def test_delay_set_past_coverage_is_provisional() -> None:
    state = run(ev(T.DELAY_SET, D(2026, 6, 15), due=D(2027, 3, 1)))
    assert state.due == D(2027, 3, 1)
    assert state.provisional is True


# --------------------------------------------------------------------------- properties


@settings(max_examples=150, deadline=None)
@given(
    st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 10, 31)),
    st.floats(min_value=0, max_value=1),
    st.integers(min_value=0, max_value=60),
    st.sampled_from(list(ConsultationKind)),
)
def test_pause_never_makes_due_earlier(
    d0: dt.date, where: float, length: int, kind: ConsultationKind
) -> None:
    plain = compute(d0, [], CAL)
    assert plain.due is not None
    start = d0 + dt.timedelta(days=round(where * (plain.due - d0).days))
    end = start + dt.timedelta(days=length)
    paused = compute(
        d0,
        [ev(T.CONSULTATION_STARTED, start, kind=kind), ev(T.CONSULTATION_ENDED, end)],
        CAL,
    )
    assert paused.due is not None
    assert paused.due >= plain.due
    # And by exactly the paused working days when some working days were left at C: the
    # pause ends at the reply or when the 15-working-day window lapses, whichever is first.
    remaining = CAL.workdays_between(start, plain.due).count
    if remaining > 0:
        window_end = CAL.add_workdays(start, 15).day
        paused_days = CAL.workdays_between(start, min(end, window_end)).count
        assert paused.due == CAL.add_workdays(plain.due, paused_days).day


# -------------------------------------------------------------------------- JSON contract


def test_explain_json_contract() -> None:
    data = {
        "received_on": "2026-06-01",
        "events": [
            {"type": "consultation_started", "on": "2026-06-10", "kind": "agency", "party": "某局"},
            {"type": "consultation_ended", "on": "2026-06-24", "kind": "agency"},
            {"type": "extension_granted", "on": "2026-07-01", "workdays": 5},
        ],
    }
    out = explain(data, CAL).to_json()
    assert set(out) == {"due", "clock", "waiting_due", "provisional", "steps"}
    # 07-13 (see the consultation test) + 5: 14, 15, 16, 17, 20 → 07-20.
    assert out["due"] == "2026-07-20"
    assert out["clock"] == "running"
    assert out["waiting_due"] is None
    assert out["provisional"] is False
    assert [s["event"] for s in out["steps"]] == [
        "received",
        "consultation_started",
        "consultation_ended",
        "extension_granted",
    ]
    assert all(set(s) == {"on", "event", "due", "text"} for s in out["steps"])


def test_explain_json_while_stopped() -> None:
    data = {
        "received_on": "2026-06-01",
        "events": [{"type": "fee_notice_sent", "on": "2026-06-05"}],
    }
    out = explain(data, CAL).to_json()
    assert out["due"] is None
    assert out["clock"] == "stopped"
    assert out["waiting_due"] == "2026-07-06"


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (
            {
                "received_on": "2026-06-01",
                "events": [
                    {"type": "supplement_requested", "on": "2026-06-03"},
                    {"type": "supplement_received", "on": "2026-06-05"},
                    {"type": "supplement_requested", "on": "2026-06-08"},
                ],
            },
            "第3个事件",
        ),
        (
            {
                "received_on": "2026-06-01",
                "events": [{"type": "extension_granted", "on": "2026-07-01", "workdays": 5}],
            },
            "第1个事件",
        ),
        (
            {"received_on": "2026-06-01", "events": [{"type": "bogus", "on": "2026-06-03"}]},
            "events[0]",
        ),
        ({"received_on": "2026-13-01", "events": []}, "received_on"),
        (
            {"received_on": "2026-06-01", "events": [{"type": "fee_paid", "on": "6/3"}]},
            "events[0].on",
        ),
    ],
)
def test_explain_refuses_invalid_input(data: dict[str, Any], needle: str) -> None:
    with pytest.raises(DomainError) as info:
        explain(data, CAL)
    assert needle in str(info.value)
    assert info.value.rule


def test_fee_notice_after_the_due_date_is_refused() -> None:
    # Due 06-30 (working day 20); a notice on 07-01 would stop a clock that already ran out.
    with pytest.raises(DomainError) as caught:
        run(ev(T.FEE_NOTICE_SENT, D(2026, 7, 1)))
    assert "第1个事件" in caught.value.message and caught.value.rule


def test_delay_that_shortens_the_deadline_is_refused() -> None:
    # Art. 35 sets a *later* date than the 20-working-day limit: 06-08 < due 06-30.
    with pytest.raises(DomainError) as caught:
        run(ev(T.DELAY_SET, D(2026, 6, 5), due=D(2026, 6, 8)))
    assert "第1个事件" in caught.value.message and caught.value.rule
    assert run(ev(T.DELAY_SET, D(2026, 6, 5), due=D(2026, 8, 31))).due == D(2026, 8, 31)


# ------------------------------------------------------- consultations past their window


def test_a_reply_recorded_after_the_window_does_not_lengthen_the_pause() -> None:
    # D0 Mon 2026-11-02: due 11-30 (20: 11-03..06 (4), 9..13 (9), 16..20 (14), 23..27 (19), 30).
    # Consultation Wed 11-04: the window is 15 working days: 11-05, 06 (2), 9..13 (7),
    # 16..20 (12), 23, 24, 25 (15) → Wed 11-25. The reply is recorded on Mon 11-30, late.
    # Paused (11-04, 11-25] = 15 working days, not the 18 up to 11-30; so due = 11-30 + 15:
    # 12-01..04 (4), 7..11 (9), 14..18 (14), 21 (15) → Mon 12-21.
    state = compute(
        D(2026, 11, 2),
        [ev(T.CONSULTATION_STARTED, D(2026, 11, 4)), ev(T.CONSULTATION_ENDED, D(2026, 11, 30))],
        CAL,
    )
    assert (state.due, state.clock) == (D(2026, 12, 21), ClockStatus.RUNNING)
    assert "期满日 2026-11-25" in state.steps[-1].text or "期满日 2026-11-25" in state.steps[-2].text


def test_the_window_runs_from_the_letter_received_on() -> None:
    # Same case, but the party received the letter on Mon 11-09: the window runs 15 working
    # days from 11-09: 10..13 (4), 16..20 (9), 23..27 (14), 30 (15) → Mon 11-30. The reply on
    # 11-30 is then in time: paused (11-04, 11-30] = 18 → 11-30 + 18: 12-01..04 (4), 7..11 (9),
    # 14..18 (14), 21..24 (18) → Thu 12-24 (provisional: after 12-20 of the last covered year).
    state = compute(
        D(2026, 11, 2),
        [
            ClockEvent(
                T.CONSULTATION_STARTED, D(2026, 11, 4), letter_received_on=D(2026, 11, 9)
            ),
            ev(T.CONSULTATION_ENDED, D(2026, 11, 30)),
        ],
        CAL,
    )
    assert state.due == D(2026, 12, 24)
    assert state.provisional is True


def test_provisional_describes_the_date_in_force_not_the_path() -> None:
    # D0 Fri 12-04: 20 working days reach past 12-20 → provisional. A 补正 on 12-07 stops the
    # clock; the answer on 12-08 is judged against no running due date: nothing is provisional.
    started = compute(D(2026, 12, 4), [], CAL)
    assert started.provisional is True
    answered = compute(
        D(2026, 12, 4),
        [ev(T.SUPPLEMENT_REQUESTED, D(2026, 12, 7), applicant_days=3)],
        CAL,
    )
    # the 补正 period ends 12-10 (08, 09, 10): well inside the official schedule
    assert (answered.due, answered.waiting_due, answered.provisional) == (
        None,
        D(2026, 12, 10),
        False,
    )


# ------------------------------------------------------------ deadlines a calendar change moves


def _dates(due: Any, waiting_for: Any = None, waiting_due: Any = None) -> Any:
    from types import SimpleNamespace

    return SimpleNamespace(due=due, waiting_for=waiting_for, waiting_due=waiting_due)


def test_deadline_moves_name_each_deadline_that_moved_answer_first() -> None:
    from domain.clock import Deadline, DeadlineMove, deadline_moves

    # a running clock: only the answer
    assert deadline_moves(_dates(D(2026, 11, 30)), _dates(D(2026, 12, 1))) == (
        DeadlineMove(Deadline.ANSWER, D(2026, 11, 30), D(2026, 12, 1)),
    )
    # a stopped clock (补正): no answer due on either side, so no answer move
    before = _dates(None, "supplement", D(2026, 11, 25))
    after = _dates(None, Waiting.SUPPLEMENT, D(2026, 11, 26))  # enum or stored text alike
    assert deadline_moves(before, after) == (
        DeadlineMove(Deadline.SUPPLEMENT, D(2026, 11, 25), D(2026, 11, 26)),
    )
    # a paused clock (consultation): the projected answer and the window both move
    assert deadline_moves(
        _dates(D(2026, 12, 21), "consultation", D(2026, 11, 25)),
        _dates(D(2026, 12, 22), "consultation", D(2026, 11, 26)),
    ) == (
        DeadlineMove(Deadline.ANSWER, D(2026, 12, 21), D(2026, 12, 22)),
        DeadlineMove(Deadline.CONSULTATION, D(2026, 11, 25), D(2026, 11, 26)),
    )
    # nothing moved; and waiting for something else is another deadline, not a move of one
    assert deadline_moves(_dates(None, "fee", D(2026, 12, 3)), _dates(None, "fee", D(2026, 12, 3))) == ()
    assert deadline_moves(_dates(None, "fee", D(2026, 12, 3)), _dates(None, "supplement", D(2026, 12, 4))) == ()


def test_deadline_labels() -> None:
    from domain.clock import DEADLINE_LABELS, Deadline

    assert {d.value: d.label for d in Deadline} == {
        "answer": "答复期限",
        "supplement": "补正期限",
        "consultation": "征求意见期限",
        "fee": "缴费期限",
    }
    assert set(DEADLINE_LABELS) == set(Deadline)
    assert {d.value for d in Waiting} < {d.value for d in Deadline}  # every waiting deadline
