"""More of RULES §2.2 and the §5 JSON contract, written where a mutation run of
`domain/clock.py` showed a rule that no test pinned (bench/MUTATION.md).

Every date is counted by hand on the official 2026 calendar. The working days after
D0 = 2026-06-01 (Mon), numbered as in test_clock.py:

    June: 2 (1), 3 (2), 4 (3), 5 (4), 8 (5), 9 (6), 10 (7), 11 (8), 12 (9), 15 (10),
          16 (11), 17 (12), 18 (13), [19–21 端午 off], 22 (14), 23 (15), 24 (16), 25 (17),
          26 (18), 29 (19), 30 (20)
    July: 1 (21), 2 (22), 3 (23), 6 (24), 7 (25), 8 (26), 9 (27), 10 (28), 13 (29),
          14 (30), 15 (31), 16 (32), 17 (33), 20 (34), 21 (35), 22 (36), 23 (37), 24 (38),
          27 (39), 28 (40)
    September 30 (Wed) is a working day, 10-01 … 10-07 are 国庆, 10-08 and 10-09 work.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from domain.calendar import WorkCalendar
from domain.clock import (
    EVENT_LABELS,
    ClockEvent,
    ClockStatus,
    ConsultationKind,
    EventType,
    Waiting,
    check_extension_days,
    check_supplement_days,
    compute,
    consultation_window_end,
    explain,
    replay,
)
from domain.errors import DomainError

D = dt.date
CAL = WorkCalendar.from_package()
D0 = D(2026, 6, 1)
T = EventType


def ev(type_: EventType, on: dt.date, **kw: Any) -> ClockEvent:
    return ClockEvent(type=type_, on=on, **kw)


def run(*events: ClockEvent, d0: dt.date = D0):
    return compute(d0, list(events), CAL)


# ------------------------------------------------------------------ the ranges of §2.2


@pytest.mark.parametrize("days", [1, 15, 60])
def test_a_supplement_period_of_1_to_60_working_days_is_accepted(days: int) -> None:
    assert check_supplement_days(days) == days


@pytest.mark.parametrize("days", [0, 61, -5, True, 1.5, "5", None])
def test_any_other_supplement_period_is_refused_naming_the_field(days: object) -> None:
    with pytest.raises(DomainError) as caught:
        check_supplement_days(days)
    assert caught.value.field == "applicant_days"
    assert "applicant_days" in caught.value.message
    assert caught.value.rule
    with pytest.raises(DomainError) as caught:
        check_supplement_days(days, "supplement_days")
    assert caught.value.field == "supplement_days"


@pytest.mark.parametrize("days", [1, 20])
def test_an_extension_of_1_to_20_working_days_is_accepted(days: int) -> None:
    assert check_extension_days(days) == days


@pytest.mark.parametrize("days", [0, 21, True, 2.5, "5", None])
def test_any_other_extension_is_refused_naming_the_field(days: object) -> None:
    with pytest.raises(DomainError) as caught:
        check_extension_days(days)
    assert caught.value.field == "workdays"
    assert "workdays" in caught.value.message
    assert caught.value.rule


def test_the_consulted_partys_window_is_15_working_days() -> None:
    # After 06-10: 11, 12, 15, 16, 17, 18, 22, 23, 24, 25, 26, 29, 30, Jul 1, Jul 2 → 07-02.
    assert consultation_window_end(CAL, D(2026, 6, 10)) == D(2026, 7, 2)
    assert run(ev(T.CONSULTATION_STARTED, D(2026, 6, 10))).waiting_due == D(2026, 7, 2)


# ------------------------------------------------------------------ boundaries of the rules


def test_a_fee_notice_on_the_due_date_itself_is_allowed() -> None:
    # Due 06-30 (working day 20); 20 working days to pay after it = working day 40 = 07-28.
    state = run(ev(T.FEE_NOTICE_SENT, D(2026, 6, 30)))
    assert (state.clock, state.waiting_due) == (ClockStatus.STOPPED, D(2026, 7, 28))


def test_a_delay_set_on_the_due_date_itself_is_allowed() -> None:
    assert run(ev(T.DELAY_SET, D(2026, 6, 30), due=D(2026, 9, 30))).due == D(2026, 9, 30)


def test_a_late_supplement_is_marked_late_in_the_explanation() -> None:
    # 5 working days after 06-03: 4, 5, 8, 9, 10 → the period ends 06-10. Received on 06-10
    # is in time; on 06-11 it is late (the caseworker accepted a good reason).
    asked = ev(T.SUPPLEMENT_REQUESTED, D(2026, 6, 3), applicant_days=5)
    in_time = run(asked, ev(T.SUPPLEMENT_RECEIVED, D(2026, 6, 10)))
    late = run(asked, ev(T.SUPPLEMENT_RECEIVED, D(2026, 6, 11)))
    assert "已超过补正期限" not in in_time.steps[-1].text
    assert "已超过补正期限" in late.steps[-1].text


def test_a_late_payment_is_marked_late_in_the_explanation() -> None:
    # Notice 06-05: the payment window ends 07-06 (see test_clock). Paid 07-06: in time.
    notice = ev(T.FEE_NOTICE_SENT, D(2026, 6, 5))
    in_time = run(notice, ev(T.FEE_PAID, D(2026, 7, 6)))
    late = run(notice, ev(T.FEE_PAID, D(2026, 7, 7)))
    assert "已超过缴费期限" not in in_time.steps[-1].text
    assert "已超过缴费期限" in late.steps[-1].text


def test_a_reply_on_the_windows_last_day_is_not_late() -> None:
    # Started 06-10, window ends 07-02. A reply that day is in time; paused (06-10, 07-02]
    # = 15 working days → working day 35 = 07-21. A reply on 07-03 is late and pauses no longer.
    started = ev(T.CONSULTATION_STARTED, D(2026, 6, 10))
    on_last_day = run(started, ev(T.CONSULTATION_ENDED, D(2026, 7, 2)))
    after = run(started, ev(T.CONSULTATION_ENDED, D(2026, 7, 3)))
    assert on_last_day.due == after.due == D(2026, 7, 21)
    assert "晚于征求意见期限" not in on_last_day.steps[-1].text
    assert "晚于征求意见期限" in after.steps[-1].text


def test_an_answer_while_paused_ends_the_pause_at_the_latest_consultation_end() -> None:
    # 甲 is consulted on 06-10 but receives the letter on 06-15: its window is 15 after 06-15:
    # 16, 17, 18, 22–26 (8), 29, 30 (10), Jul 1–3 (13), 6, 7 (15) → 07-07. 乙 is consulted on
    # 06-11: 12, 15–18 (5), 22–26 (10), 29, 30 (12), Jul 1–3 (15) → 07-03. 甲 replies on 07-06;
    # 乙 never replies and the case is answered on 07-08 while 乙 is still open. The pause is
    # the union (06-10, 07-06] (乙's own end is its window, 07-03, earlier): 11, 12, 15–18,
    # 22–26, 29, 30, Jul 1–3, 6 = 17 working days → 06-30 + 17: Jul 1–3 (3), 6–10 (8),
    # 13–17 (13), 20–23 (17) → 07-23.
    state = run(
        ev(T.CONSULTATION_STARTED, D(2026, 6, 10), party="甲", letter_received_on=D(2026, 6, 15)),
        ev(T.CONSULTATION_STARTED, D(2026, 6, 11), party="乙"),
        ev(T.CONSULTATION_ENDED, D(2026, 7, 6), party="甲"),
        ev(T.ANSWERED, D(2026, 7, 8)),
    )
    assert state.due == D(2026, 7, 23)
    assert state.on_time is True


def test_an_on_time_answer_is_called_on_time() -> None:
    state = run(ev(T.ANSWERED, D(2026, 6, 30)))
    assert "按期" in state.steps[-1].text and "逾期" not in state.steps[-1].text


# ------------------------------------------------------------------ the explanation


def _steps(state) -> list[tuple[str, dt.date, dt.date | None]]:
    return [(s.event, s.on, s.due) for s in state.steps]


def _every_step_says_its_date(state) -> None:
    """Each step is a Chinese sentence that says its own date (and never prints "None")."""
    for step in state.steps:
        assert isinstance(step.text, str) and step.on.isoformat() in step.text, step
        assert "None" not in step.text, step


def test_every_event_leaves_a_dated_step_with_the_due_date_in_force() -> None:
    # 补正 asked 06-03 (5 days) and received 06-05: due = 20 after 06-05: 8–12 (5),
    # 15–18 (9), 22–26 (14), 29, 30 (16), Jul 1–3 (19), 6 (20) → 07-06.
    # Consultation 06-10: 17 working days left (11, 12, 15–18, 22–26, 29, 30, Jul 1–3, 6);
    # +5 extension granted while paused = 22 left. Ended 06-24: paused 11, 12, 15–18, 22–24
    # = 9, so due = 07-06 + 9 + 5 = 14 working days: Jul 7–10 (4), 13–17 (9), 20–24 (14)
    # → 07-24. Answered 07-20: on time.
    state = run(
        ev(T.SUPPLEMENT_REQUESTED, D(2026, 6, 3), applicant_days=5),
        ev(T.SUPPLEMENT_RECEIVED, D(2026, 6, 5)),
        ev(T.CONSULTATION_STARTED, D(2026, 6, 10), party="甲公司"),
        ev(T.EXTENSION_GRANTED, D(2026, 6, 12), workdays=5),
        ev(T.CONSULTATION_ENDED, D(2026, 6, 24)),
        ev(T.ANSWERED, D(2026, 7, 20)),
    )
    assert state.received_on == D0
    assert _steps(state) == [
        ("received", D0, D(2026, 6, 30)),
        ("supplement_requested", D(2026, 6, 3), None),
        ("supplement_received", D(2026, 6, 5), D(2026, 7, 6)),
        ("consultation_started", D(2026, 6, 10), D(2026, 7, 6)),
        ("extension_granted", D(2026, 6, 12), D(2026, 7, 6)),
        ("consultation_ended", D(2026, 6, 24), D(2026, 7, 24)),
        ("answered", D(2026, 7, 20), D(2026, 7, 24)),
    ]
    _every_step_says_its_date(state)
    assert "尚余22个工作日" in state.steps[5].text  # the extension counts in the remainder
    assert (state.due, state.on_time, state.answered_on) == (D(2026, 7, 24), True, D(2026, 7, 20))
    assert state.waiting_for is None and state.waiting_due is None


def test_fee_and_delay_steps() -> None:
    # Fee notice 06-05, paid 06-12: due 07-13 (see test_clock). Delay set 06-15 to 09-30.
    # Answered 10-09: after 09-30 come 10-08 (1) and 10-09 (2): two working days late.
    state = run(
        ev(T.FEE_NOTICE_SENT, D(2026, 6, 5)),
        ev(T.FEE_PAID, D(2026, 6, 12)),
        ev(T.DELAY_SET, D(2026, 6, 15), due=D(2026, 9, 30)),
        ev(T.ANSWERED, D(2026, 10, 9)),
    )
    assert _steps(state) == [
        ("received", D0, D(2026, 6, 30)),
        ("fee_notice_sent", D(2026, 6, 5), None),
        ("fee_paid", D(2026, 6, 12), D(2026, 7, 13)),
        ("delay_set", D(2026, 6, 15), D(2026, 9, 30)),
        ("answered", D(2026, 10, 9), D(2026, 9, 30)),
    ]
    _every_step_says_its_date(state)
    assert state.on_time is False and "逾期2个工作日" in state.steps[-1].text


def test_an_extension_step_names_the_old_and_new_due_dates() -> None:
    # Granted 06-05 for 5 days: 5 after 06-30 = Jul 1, 2, 3, 6, 7 → 07-07.
    state = run(ev(T.EXTENSION_GRANTED, D(2026, 6, 5), workdays=5))
    assert _steps(state)[-1] == ("extension_granted", D(2026, 6, 5), D(2026, 7, 7))
    _every_step_says_its_date(state)
    assert "2026-06-30" in state.steps[-1].text and "2026-07-07" in state.steps[-1].text


def test_a_consultation_step_names_who_is_consulted() -> None:
    named = run(ev(T.CONSULTATION_STARTED, D(2026, 6, 10), party="甲公司"))
    assert "第三方（甲公司）" in named.steps[1].text
    unnamed = run(ev(T.CONSULTATION_STARTED, D(2026, 6, 10), kind=ConsultationKind.AGENCY))
    assert "相关机关" in unnamed.steps[1].text
    _every_step_says_its_date(named)
    _every_step_says_its_date(unnamed)


def test_closing_while_stopped_leaves_a_step_and_nothing_waiting() -> None:
    state = run(
        ev(T.SUPPLEMENT_REQUESTED, D(2026, 6, 3), applicant_days=5),
        ev(T.ANSWERED, D(2026, 6, 15)),
    )
    assert _steps(state)[-1] == ("answered", D(2026, 6, 15), None)
    _every_step_says_its_date(state)
    assert (state.clock, state.waiting_for, state.waiting_due) == (ClockStatus.STOPPED, None, None)


def test_overlapping_consultations_are_explained_step_by_step() -> None:
    # A 06-10 (window 07-02), B 06-15 (window 07-07). Both open: projected due 07-24 (see
    # test_clock), shown as a step on the last window's day. When A ends on 06-17 the clock
    # stays paused and the step says so.
    both = run(
        ev(T.CONSULTATION_STARTED, D(2026, 6, 10), party="A"),
        ev(T.CONSULTATION_STARTED, D(2026, 6, 15), party="B"),
    )
    assert _steps(both)[-1] == ("projection", D(2026, 7, 7), D(2026, 7, 24))
    assert "2026-07-07" in both.steps[-1].text and "2026-07-24" in both.steps[-1].text
    _every_step_says_its_date(both)
    one_ended = run(
        ev(T.CONSULTATION_STARTED, D(2026, 6, 10), party="A"),
        ev(T.CONSULTATION_STARTED, D(2026, 6, 15), party="B"),
        ev(T.CONSULTATION_ENDED, D(2026, 6, 17), party="A"),
    )
    assert [e for e, _, _ in _steps(one_ended)][3] == "consultation_ended"
    assert one_ended.steps[3].on == D(2026, 6, 17)
    _every_step_says_its_date(one_ended)


def test_the_provisional_note_carries_the_due_date_in_force() -> None:
    # D0 2026-12-10: due 2027-01-08 on the provisional calendar (see test_clock).
    state = run(d0=D(2026, 12, 10))
    [note] = [s for s in state.steps if s.event == "provisional"]
    assert note.due == state.due == D(2027, 1, 8)


def test_a_steps_json_carries_its_due_date() -> None:
    out = explain({"received_on": "2026-06-01", "events": []}, CAL).to_json()
    assert out["steps"][0]["due"] == "2026-06-30"


def test_replay_is_compute_over_any_iterable() -> None:
    events = [ev(T.CONSULTATION_STARTED, D(2026, 6, 10)), ev(T.CONSULTATION_ENDED, D(2026, 6, 24))]
    assert replay(D0, iter(events), CAL) == compute(D0, events, CAL)
    assert replay(D0, iter(events), CAL).due == D(2026, 7, 13)


# ------------------------------------------------------------------ refusals say why


REFUSALS = [
    pytest.param(
        [
            ev(T.SUPPLEMENT_REQUESTED, D(2026, 6, 3)),
            ev(T.SUPPLEMENT_RECEIVED, D(2026, 6, 5)),
            ev(T.SUPPLEMENT_REQUESTED, D(2026, 6, 8)),
        ],
        3,
        "一次",
        id="second-supplement",
    ),
    # the 7-working-day window ends 06-10
    pytest.param(
        [ev(T.SUPPLEMENT_REQUESTED, D(2026, 6, 11))], 1, "2026-06-10", id="supplement-late"
    ),
    pytest.param(
        [ev(T.CONSULTATION_STARTED, D(2026, 6, 3)), ev(T.SUPPLEMENT_REQUESTED, D(2026, 6, 5))],
        2,
        "征求意见",
        id="supplement-while-paused",
    ),
    pytest.param(
        [ev(T.SUPPLEMENT_REQUESTED, D(2026, 6, 3), applicant_days=0)],
        1,
        "applicant_days",
        id="supplement-period-0",
    ),
    pytest.param([ev(T.SUPPLEMENT_RECEIVED, D(2026, 6, 10))], 1, "补正", id="received-unasked"),
    pytest.param(
        [ev(T.SUPPLEMENT_REQUESTED, D(2026, 6, 3)), ev(T.CONSULTATION_STARTED, D(2026, 6, 5))],
        2,
        "补正",
        id="consultation-while-awaiting-supplement",
    ),
    pytest.param(
        [ev(T.FEE_NOTICE_SENT, D(2026, 6, 3)), ev(T.CONSULTATION_STARTED, D(2026, 6, 5))],
        2,
        "缴费",
        id="consultation-while-awaiting-payment",
    ),
    pytest.param([ev(T.CONSULTATION_STARTED, D(2026, 7, 1))], 1, "2026-06-30", id="consult-late"),
    pytest.param(
        [ev(T.CONSULTATION_STARTED, D(2026, 6, 10), letter_received_on=D(2026, 6, 9))],
        1,
        "收到征求意见函",
        id="letter-before-it-was-sent",
    ),
    pytest.param([ev(T.CONSULTATION_ENDED, D(2026, 6, 10))], 1, "征求意见", id="end-none-open"),
    pytest.param(
        [
            ev(T.EXTENSION_GRANTED, D(2026, 6, 10), workdays=5),
            ev(T.EXTENSION_GRANTED, D(2026, 6, 12), workdays=5),
        ],
        2,
        "一次",
        id="second-extension",
    ),
    pytest.param(
        [ev(T.EXTENSION_GRANTED, D(2026, 6, 10), workdays=21)], 1, "workdays", id="extension-21"
    ),
    pytest.param(
        [ev(T.EXTENSION_GRANTED, D(2026, 7, 1), workdays=5)], 1, "2026-06-30", id="extension-late"
    ),
    pytest.param(
        [ev(T.FEE_NOTICE_SENT, D(2026, 6, 3)), ev(T.EXTENSION_GRANTED, D(2026, 6, 5), workdays=5)],
        2,
        "缴费",
        id="extension-while-awaiting-payment",
    ),
    pytest.param(
        [ev(T.CONSULTATION_STARTED, D(2026, 6, 3)), ev(T.FEE_NOTICE_SENT, D(2026, 6, 5))],
        2,
        "征求意见",
        id="fee-notice-while-paused",
    ),
    pytest.param(
        [ev(T.SUPPLEMENT_REQUESTED, D(2026, 6, 3)), ev(T.FEE_NOTICE_SENT, D(2026, 6, 5))],
        2,
        "补正",
        id="fee-notice-while-awaiting-supplement",
    ),
    pytest.param(
        [
            ev(T.FEE_NOTICE_SENT, D(2026, 6, 3)),
            ev(T.FEE_PAID, D(2026, 6, 5)),
            ev(T.FEE_NOTICE_SENT, D(2026, 6, 8)),
        ],
        3,
        "收费通知",
        id="second-fee-notice",
    ),
    pytest.param([ev(T.FEE_NOTICE_SENT, D(2026, 7, 1))], 1, "2026-06-30", id="fee-notice-late"),
    pytest.param([ev(T.FEE_PAID, D(2026, 6, 10))], 1, "收费通知", id="paid-unasked"),
    pytest.param([ev(T.DELAY_SET, D(2026, 6, 5))], 1, "due", id="delay-without-date"),
    pytest.param(
        [ev(T.DELAY_SET, D(2026, 7, 1), due=D(2026, 9, 30))], 1, "2026-06-30", id="delay-late"
    ),
    # Art. 35 sets a date *later* than the one in force: the same date is refused too.
    pytest.param(
        [ev(T.DELAY_SET, D(2026, 6, 5), due=D(2026, 6, 30))], 1, "2026-06-30", id="delay-same-day"
    ),
    pytest.param(
        [ev(T.CONSULTATION_STARTED, D(2026, 6, 3)), ev(T.DELAY_SET, D(2026, 6, 5), due=D0)],
        2,
        "征求意见",
        id="delay-while-paused",
    ),
    pytest.param([ev(T.ANSWERED, D(2026, 5, 29))], 1, "收到申请之日", id="before-d0"),
    pytest.param(
        [ev(T.CONSULTATION_STARTED, D(2026, 6, 10)), ev(T.CONSULTATION_ENDED, D(2026, 6, 8))],
        2,
        "上一事件",
        id="before-the-previous-event",
    ),
    pytest.param(
        [ev(T.ANSWERED, D(2026, 6, 30)), ev(T.ANSWERED, D(2026, 7, 1))],
        2,
        "答复",
        id="after-the-answer",
    ),
]


@pytest.mark.parametrize(("events", "index", "why"), REFUSALS)
def test_a_refused_event_is_named_and_the_reason_given(
    events: list[ClockEvent], index: int, why: str
) -> None:
    """RULES §5: the message names the offending event (its place and its kind) and says why."""
    with pytest.raises(DomainError) as caught:
        compute(D0, events, CAL)
    error = caught.value
    event = events[index - 1]
    assert error.field == f"events[{index - 1}]"
    assert error.rule
    named, _, reason = error.message.partition("不被允许：")
    assert f"第{index}个事件" in named and EVENT_LABELS[event.type] in named
    assert event.on.isoformat() in named
    assert why in reason


# ------------------------------------------------------------------ the §5 JSON form


def _request(*events: dict[str, Any], received_on: str = "2026-06-01") -> dict[str, Any]:
    return {"received_on": received_on, "events": list(events)}


def test_json_events_keep_every_field_the_contract_names() -> None:
    # applicant_days: 5 after 06-10 → 06-17 (test_clock).
    state = explain(
        _request({"type": "supplement_requested", "on": "2026-06-10", "applicant_days": 5}), CAL
    )
    assert state.waiting_due == D(2026, 6, 17)
    # kind: the agency's consultation is the one that ends; the third party's window (07-02)
    # is left.
    started = [
        {"type": "consultation_started", "on": "2026-06-10", "kind": "third_party", "party": "甲"},
        {"type": "consultation_started", "on": "2026-06-15", "kind": "agency", "party": "乙"},
    ]
    by_kind = explain(
        _request(*started, {"type": "consultation_ended", "on": "2026-06-17", "kind": "agency"}),
        CAL,
    )
    assert (by_kind.clock, by_kind.waiting_due) == (ClockStatus.PAUSED, D(2026, 7, 2))
    # party: two third parties; 乙 (consulted second) ends, so 甲's window 07-02 is left.
    # Without the party the end would close the earliest one, 甲, and leave 乙's 07-07.
    two_parties = [
        {"type": "consultation_started", "on": "2026-06-10", "party": "甲"},
        {"type": "consultation_started", "on": "2026-06-15", "party": "乙"},
    ]
    by_party = explain(
        _request(*two_parties, {"type": "consultation_ended", "on": "2026-06-17", "party": "乙"}),
        CAL,
    )
    assert (by_party.clock, by_party.waiting_due) == (ClockStatus.PAUSED, D(2026, 7, 2))
    assert "甲" in by_party.steps[1].text and "乙" in by_party.steps[2].text
    # due of a delayed answer.
    delayed = explain(_request({"type": "delay_set", "on": "2026-06-15", "due": "2026-09-30"}), CAL)
    assert delayed.due == D(2026, 9, 30)
    # letter_received_on: the window runs from it (due 12-24, see test_clock).
    letter = explain(
        _request(
            {
                "type": "consultation_started",
                "on": "2026-11-04",
                "letter_received_on": "2026-11-09",
            },
            {"type": "consultation_ended", "on": "2026-11-30"},
            received_on="2026-11-02",
        ),
        CAL,
    )
    assert letter.due == D(2026, 12, 24)


def test_json_without_events_is_a_plain_deadline() -> None:
    state = explain({"received_on": "2026-06-01"}, CAL)
    assert (state.due, state.clock, state.waiting_for) == (
        D(2026, 6, 30),
        ClockStatus.RUNNING,
        None,
    )


def test_explain_passes_the_agencys_supplement_period_on() -> None:
    # 10 working days after 06-10: 11, 12, 15, 16, 17, 18, 22, 23, 24, 25 → 06-25.
    data = _request({"type": "supplement_requested", "on": "2026-06-10"})
    state = explain(data, CAL, supplement_days=10)
    assert (state.waiting_for, state.waiting_due) == (Waiting.SUPPLEMENT, D(2026, 6, 25))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ([], "(root)"),
        ({"received_on": 20260601}, "received_on"),
        ({"received_on": "2026-13-01"}, "received_on"),
        ({"received_on": "2026-06-01", "events": {}}, "events"),
        (_request(5), "events[0]"),
        (_request({"type": "fee_paid", "on": 20260603}), "events[0].on"),
        (
            _request({"type": "consultation_started", "on": "2026-06-10", "kind": "x"}),
            "events[0].kind",
        ),
        (
            _request({"type": "extension_granted", "on": "2026-06-10", "workdays": "5"}),
            "events[0].workdays",
        ),
        (
            _request({"type": "extension_granted", "on": "2026-06-10", "workdays": True}),
            "events[0].workdays",
        ),
        (
            _request({"type": "supplement_requested", "on": "2026-06-10", "applicant_days": "5"}),
            "events[0].applicant_days",
        ),
        (_request({"type": "delay_set", "on": "2026-06-15", "due": "2026-02-30"}), "events[0].due"),
        (
            _request(
                {"type": "consultation_started", "on": "2026-06-10", "letter_received_on": "x"}
            ),
            "events[0].letter_received_on",
        ),
    ],
)
def test_json_input_errors_name_the_field(data: Any, field: str) -> None:
    with pytest.raises(DomainError) as caught:
        explain(data, CAL)
    error = caught.value
    assert error.field == field
    assert error.rule and error.message
    if field != "(root)":
        assert field in error.message


def test_an_unknown_event_type_is_quoted_with_the_allowed_ones() -> None:
    with pytest.raises(DomainError) as caught:
        explain(_request({"type": "bogus", "on": "2026-06-03"}), CAL)
    assert caught.value.field == "events[0].type"
    assert "bogus" in caught.value.message
    assert all(t.value in caught.value.message for t in EventType)


def test_consultation_kind_defaults_to_third_party() -> None:
    # RULES §5: `kind` is optional; without it the consultation is a third party's (Art. 32).
    state = run(ev(T.CONSULTATION_STARTED, D(2026, 6, 10)), ev(T.CONSULTATION_ENDED, D(2026, 7, 2)))
    assert "第三十二条" in state.steps[1].text
    assert "不视为同意" in state.steps[-1].text
