"""The Case aggregate: guards, walks through a case's life, and rebuilding from events.

Due dates are counted by hand on the official 2026 calendar (2026.txt); see the list of
working days after 2026-06-01 at the top of test_clock.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from domain.calendar import WorkCalendar
from domain.case import (
    Actor,
    Case,
    CaseEventType,
    CaseState,
    Registration,
    Role,
    register,
)
from domain.clock import ClockStatus
from domain.errors import DomainError
from domain.outcomes import ApplicantType, Channel, Outcome

D = dt.date
CAL = WorkCalendar.from_package()
D0 = D(2026, 6, 1)
TODAY = D(2026, 9, 1)
AT = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)
T = CaseEventType

CLERK = Actor("李经办", Role.CASEWORKER)
HEAD = Actor("王主任", Role.OFFICE_HEAD)
SUPERVISOR = Actor("赵主管", Role.SUPERVISOR)

# 11010519491231002X: check digit X worked by hand in test_identity.py (GB 11643 example).
GOOD_ID = "11010519491231002X"


def form(**overrides: object) -> Registration:
    fields: dict[str, object] = {
        "case_no": "2026-0001",
        "agency": "test-agency",
        "applicant_name": "张三",
        "applicant_type": "natural_person",
        "channel": "online",
        "received_on": D0,
        "content": "2025年本区道路维修合同",
        "id_kind": "resident_id",
        "id_number": GOOD_ID,
        "assignee": CLERK.name,
    }
    fields.update(overrides)
    return Registration(**fields)  # type: ignore[arg-type]


def new_case(**overrides: object) -> Case:
    case, event = register(form(**overrides), CLERK, AT, TODAY)
    assert event.type is T.REGISTERED
    return case


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(3, 0), tzinfo=dt.UTC)


def act(case: Case, type_: CaseEventType, actor: Actor, on: dt.date, **kw: object):
    return case.act(type_, actor, on, at(on), CAL, **kw)  # type: ignore[arg-type]


def snapshot(case: Case) -> tuple[object, ...]:
    clock = case.clock(CAL)
    return (
        case.state,
        case.outcome,
        case.concluded_on,
        case.assignee,
        case.applicant,
        case.pending_extension,
        clock.due,
        clock.clock,
        clock.waiting_due,
        len(case.events),
    )


# ------------------------------------------------------------------------ registration


def test_register() -> None:
    case = new_case()
    assert case.state is CaseState.IN_PROGRESS
    assert case.applicant.type is ApplicantType.NATURAL_PERSON
    assert case.channel is Channel.ONLINE
    assert case.assignee == CLERK.name
    assert case.is_open
    assert case.clock(CAL).due == D(2026, 6, 30)  # working day 20 after 06-01


def test_register_accepts_chinese_labels() -> None:
    case = new_case(applicant_type="法人或其他组织 · 商业企业", channel="邮寄", id_kind="other")
    assert case.applicant.type is ApplicantType.BUSINESS
    assert case.channel is Channel.MAIL


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        # Same first 17 digits as GOOD_ID, wrong check character (X expected).
        ({"id_number": "110105194912310021"}, "id_number"),
        ({"id_number": "11010519491231002"}, "id_number"),  # 17 characters
        ({"id_number": "110105194902301234"}, "id_number"),  # 1949-02-30 does not exist
        # A 统一社会信用代码 with its check character changed.
        ({"id_kind": "credit_code", "id_number": "91350100M000100Y44"}, "id_number"),
        ({"id_kind": "passport_x", "id_number": "E1234567"}, "id_kind"),
        ({"applicant_type": "个人"}, "applicant_type"),
        ({"channel": "pigeon"}, "channel"),
        ({"applicant_name": "  "}, "applicant_name"),
        ({"received_on": D(2026, 9, 2)}, "received_on"),  # after TODAY
        ({"supplement_days": 0}, "supplement_days"),
    ],
)
def test_register_refuses_bad_fields(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(DomainError) as info:
        register(form(**overrides), CLERK, AT, TODAY)
    assert info.value.field == field
    assert field in str(info.value)


def test_credit_code_check_character() -> None:
    # 91350100M000100Y4 → check 3 (worked by hand in test_identity.py).
    case = new_case(
        applicant_type="business", id_kind="credit_code", id_number="91350100M000100Y43"
    )
    assert case.applicant.id_number == "91350100M000100Y43"


# ------------------------------------------------------------------------------- walks


def walk_supplement_abandoned() -> Case:
    case = new_case()
    # 补正 asked 06-03 with 10 days: 4, 5, 8, 9, 10, 11, 12, 15, 16, 17 → period ends 06-17.
    act(case, T.SUPPLEMENT_REQUESTED, CLERK, D(2026, 6, 3), applicant_days=10)
    assert case.state is CaseState.AWAITING_SUPPLEMENT
    assert case.clock(CAL).waiting_due == D(2026, 6, 17)
    with pytest.raises(DomainError) as info:
        act(case, T.DEEMED_ABANDONED, CLERK, D(2026, 6, 17))  # the last day of the period
    assert info.value.field == "on"
    assert case.state is CaseState.AWAITING_SUPPLEMENT  # nothing changed
    act(case, T.DEEMED_ABANDONED, CLERK, D(2026, 6, 18))
    return case


def walk_full() -> Case:
    case = new_case(assignee=None)
    act(case, T.ASSIGNED, SUPERVISOR, D(2026, 6, 1), assignee=CLERK.name)
    # 补正 asked 06-03, received 06-08: due = 20 after 06-08: 9–12 (4), 15–18 (8),
    # 22–26 (13), 29, 30 (15), Jul 1–3 (18), 6, 7 (20) → 07-07.
    act(case, T.SUPPLEMENT_REQUESTED, CLERK, D(2026, 6, 3))
    act(case, T.SUPPLEMENT_RECEIVED, CLERK, D(2026, 6, 8))
    assert case.state is CaseState.IN_PROGRESS
    assert case.clock(CAL).due == D(2026, 7, 7)
    # Consultation 06-10 → 06-24 pauses (06-10, 06-24] = 11, 12, 15–18, 22–24 = 9 days:
    # 07-07 + 9 = 8, 9, 10, 13, 14, 15, 16, 17, 20 → 07-20.
    act(case, T.CONSULTATION_STARTED, CLERK, D(2026, 6, 10), kind="third_party", party="某公司")
    assert case.state is CaseState.IN_CONSULTATION
    assert case.clock(CAL).clock is ClockStatus.PAUSED
    act(case, T.CONSULTATION_ENDED, CLERK, D(2026, 6, 24), kind="third_party")
    assert case.state is CaseState.IN_PROGRESS
    assert case.clock(CAL).due == D(2026, 7, 20)
    # Extension of 15: 07-20 + 15 = 21–24 (4), 27–31 (9), Aug 3–7 (14), Aug 10 (15).
    act(case, T.EXTENSION_REQUESTED, CLERK, D(2026, 7, 15), reason="需调取多年档案", workdays=15)
    assert case.pending_extension == 15
    with pytest.raises(DomainError) as info:
        act(case, T.EXTENSION_GRANTED, CLERK, D(2026, 7, 16))
    assert info.value.field == "approver"
    with pytest.raises(DomainError) as info:
        act(case, T.EXTENSION_GRANTED, SUPERVISOR, D(2026, 7, 16))
    assert info.value.field == "approver"
    assert case.pending_extension == 15  # the refusals stored nothing
    granted = act(case, T.EXTENSION_GRANTED, HEAD, D(2026, 7, 16))
    assert granted.payload["approver"] == HEAD.name
    assert granted.payload["workdays"] == 15
    assert granted.actor == HEAD.name and granted.role is Role.OFFICE_HEAD
    assert case.pending_extension is None
    assert case.clock(CAL).due == D(2026, 8, 10)
    act(case, T.ANSWERED, CLERK, D(2026, 8, 10), outcome="partial")
    return case


def walk_withdrawn() -> Case:
    case = new_case()
    act(case, T.CONSULTATION_STARTED, CLERK, D(2026, 6, 5), kind="agency", party="区住建局")
    act(case, T.WITHDRAWN, CLERK, D(2026, 6, 9), reason="申请人来电撤回")
    return case


def walk_fee_unpaid() -> Case:
    case = new_case()
    # Fee notice 06-05: 20 working days to pay → 07-06 (counted in test_clock.py).
    act(case, T.FEE_NOTICE_SENT, CLERK, D(2026, 6, 5))
    assert case.state is CaseState.AWAITING_FEE
    with pytest.raises(DomainError):
        act(case, T.DEEMED_ABANDONED, CLERK, D(2026, 7, 6))
    act(case, T.DEEMED_ABANDONED, CLERK, D(2026, 7, 7))
    return case


def walk_open_paused() -> Case:
    case = new_case()
    act(case, T.CONSULTATION_STARTED, CLERK, D(2026, 6, 10), kind="agency")
    act(case, T.EXTENSION_REQUESTED, CLERK, D(2026, 6, 11), reason="征求意见耗时", workdays=5)
    return case


def test_supplement_then_abandoned() -> None:
    case = walk_supplement_abandoned()
    assert case.state is CaseState.DEEMED_ABANDONED
    assert case.outcome is Outcome.OTHER_NO_SUPPLEMENT
    assert case.concluded_on == D(2026, 6, 18)
    assert not case.is_open


def test_full_walk() -> None:
    case = walk_full()
    assert case.state is CaseState.CONCLUDED
    assert case.outcome is Outcome.PARTIAL
    assert case.concluded_on == D(2026, 8, 10)
    assert case.clock(CAL).on_time is True


def test_withdrawn_is_other_other() -> None:
    case = walk_withdrawn()
    assert case.state is CaseState.WITHDRAWN
    assert case.outcome is Outcome.OTHER_OTHER
    assert case.concluded_on == D(2026, 6, 9)


def test_withdrawn_cannot_take_another_outcome() -> None:
    case = new_case()
    with pytest.raises(DomainError) as info:
        act(case, T.WITHDRAWN, CLERK, D(2026, 6, 9), outcome="disclosed")
    assert info.value.field == "outcome"


def test_fee_unpaid() -> None:
    case = walk_fee_unpaid()
    assert case.state is CaseState.DEEMED_ABANDONED
    assert case.outcome is Outcome.OTHER_FEE_UNPAID


def test_abandoned_needs_a_waiting_case() -> None:
    case = new_case()
    with pytest.raises(DomainError) as info:
        act(case, T.DEEMED_ABANDONED, CLERK, D(2026, 8, 1))
    assert info.value.field == "state"


@pytest.mark.parametrize(
    "walk", [walk_supplement_abandoned, walk_full, walk_withdrawn, walk_fee_unpaid]
)
def test_concluded_case_refuses_actions(walk: Callable[[], Case]) -> None:
    case = walk()
    before = len(case.events)
    for type_, kw in [
        (T.ANSWERED, {"outcome": "disclosed"}),
        (T.SUPPLEMENT_REQUESTED, {}),
        (T.ASSIGNED, {"assignee": "别人"}),
    ]:
        with pytest.raises(DomainError) as info:
            act(case, type_, CLERK, D(2026, 8, 20), **kw)
        assert info.value.field == "state"
    assert len(case.events) == before


@pytest.mark.parametrize(
    "walk",
    [walk_supplement_abandoned, walk_full, walk_withdrawn, walk_fee_unpaid, walk_open_paused],
)
def test_rebuild_from_events(walk: Callable[[], Case]) -> None:
    case = walk()
    rebuilt = Case.from_events(case.events)
    assert snapshot(rebuilt) == snapshot(case)
    assert rebuilt.events == case.events


def test_open_paused_walk_state() -> None:
    case = walk_open_paused()
    assert case.state is CaseState.IN_CONSULTATION
    assert case.pending_extension == 5
    # Agency consultation 06-10: window 07-02, projection 07-21 (see test_clock.py).
    clock = case.clock(CAL)
    assert (clock.clock, clock.waiting_due, clock.due) == (
        ClockStatus.PAUSED,
        D(2026, 7, 2),
        D(2026, 7, 21),
    )


# ------------------------------------------------------------------------------ guards


def test_extension_request_needs_a_reason_and_a_valid_count() -> None:
    case = new_case()
    with pytest.raises(DomainError) as info:
        act(case, T.EXTENSION_REQUESTED, CLERK, D(2026, 6, 20), workdays=10)
    assert info.value.field == "reason"
    with pytest.raises(DomainError) as info:
        act(case, T.EXTENSION_REQUESTED, CLERK, D(2026, 6, 20), reason="多", workdays=21)
    assert info.value.field == "workdays"
    assert case.events[-1].type is T.REGISTERED


def test_extension_granted_after_due_is_refused_by_the_clock() -> None:
    case = new_case()
    act(case, T.EXTENSION_REQUESTED, CLERK, D(2026, 6, 29), reason="档案多", workdays=10)
    with pytest.raises(DomainError) as info:
        act(case, T.EXTENSION_GRANTED, HEAD, D(2026, 7, 1))  # due was 06-30
    assert "第1个事件" in str(info.value)
    assert case.pending_extension == 10


def test_second_extension_request_is_refused() -> None:
    case = new_case()
    act(case, T.EXTENSION_REQUESTED, CLERK, D(2026, 6, 10), reason="档案多", workdays=5)
    act(case, T.EXTENSION_GRANTED, HEAD, D(2026, 6, 11))
    with pytest.raises(DomainError):
        act(case, T.EXTENSION_REQUESTED, CLERK, D(2026, 6, 12), reason="还要", workdays=5)


def test_second_supplement_is_refused_and_not_stored() -> None:
    case = new_case()
    act(case, T.SUPPLEMENT_REQUESTED, CLERK, D(2026, 6, 3))
    act(case, T.SUPPLEMENT_RECEIVED, CLERK, D(2026, 6, 5))
    with pytest.raises(DomainError) as info:
        act(case, T.SUPPLEMENT_REQUESTED, CLERK, D(2026, 6, 8))
    assert info.value.rule
    assert case.events[-1].type is T.SUPPLEMENT_RECEIVED
    assert case.state is CaseState.IN_PROGRESS


def test_action_before_d0_is_refused() -> None:
    case = new_case()
    with pytest.raises(DomainError) as info:
        act(case, T.SUPPLEMENT_REQUESTED, CLERK, D(2026, 5, 29))
    assert info.value.field == "on"


def test_admin_does_not_handle_cases() -> None:
    case = new_case()
    with pytest.raises(DomainError) as info:
        act(case, T.ANSWERED, Actor("root", Role.ADMIN), D(2026, 6, 10), outcome="disclosed")
    assert info.value.field == "user"


def test_answer_needs_an_outcome() -> None:
    case = new_case()
    with pytest.raises(DomainError) as info:
        act(case, T.ANSWERED, CLERK, D(2026, 6, 10))
    assert info.value.field == "outcome"


def test_late_answer_is_not_on_time() -> None:
    case = new_case()
    act(case, T.ANSWERED, CLERK, D(2026, 7, 1), outcome="disclosed")  # due 06-30
    assert case.clock(CAL).on_time is False
    assert case.concluded_on == D(2026, 7, 1)


def test_correction_after_conclusion_rebuilds() -> None:
    case = walk_withdrawn()
    with pytest.raises(DomainError) as info:
        act(case, T.CORRECTED, SUPERVISOR, D(2026, 6, 20), applicant_type="business")
    assert info.value.field == "reason"
    act(case, T.CORRECTED, SUPERVISOR, D(2026, 6, 20), reason="录错", applicant_type="business")
    assert case.applicant.type is ApplicantType.BUSINESS
    assert snapshot(Case.from_events(case.events)) == snapshot(case)
