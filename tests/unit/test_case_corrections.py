"""Corrections of recorded facts and voiding a registration made by mistake (issue: mistakes
cannot be corrected). Dates counted by hand on the 2026 calendar: 端午 is Friday 19 June
(days off 19–21 June, no make-up day)."""

from __future__ import annotations

import pytest

from domain.access import Actor, Role, authorize_case
from domain.case import Case, CaseState
from domain.case_actions import offered
from domain.errors import DomainError, ForbiddenError
from domain.outcomes import Channel
from tests.unit.test_case import CAL, CLERK, SUPERVISOR, D, T, act, new_case, snapshot


def test_corrected_d0_moves_the_deadline_and_survives_a_rebuild() -> None:
    case = new_case()  # D0 Monday 1 June
    # 20 working days after 1 June: 2–5 (4), 8–12 (9), 15–18 (13), 22–26 (18), 29, 30 → 30 June
    assert case.clock(CAL).due == D(2026, 6, 30)
    event = act(case, T.CORRECTED, CLERK, D(2026, 6, 5), reason="误录收到日期", received_on="2026-06-03")
    assert event.payload == {"received_on": "2026-06-03"}
    assert case.received_on == D(2026, 6, 3)
    # from 3 June: 4, 5 (2), 8–12 (7), 15–18 (11), 22–26 (16), 29, 30 (18), 1, 2 July → 2 July
    assert case.clock(CAL).due == D(2026, 7, 2)
    assert snapshot(Case.from_events(case.events)) == snapshot(case)
    assert Case.from_events(case.events).received_on == D(2026, 6, 3)


def test_corrected_d0_must_keep_the_recorded_steps_valid() -> None:
    case = new_case()
    # 补正 on 10 June = the 7th working day after 1 June (2, 3, 4, 5, 8, 9, 10): allowed
    act(case, T.SUPPLEMENT_REQUESTED, CLERK, D(2026, 6, 10), reason="请补充")
    # counted from Friday 29 May the 7th working day is 9 June: the recorded 补正 would be late
    with pytest.raises(DomainError) as late:
        act(case, T.CORRECTED, CLERK, D(2026, 6, 11), reason="误录", received_on="2026-05-29")
    assert late.value.field == "received_on"
    assert "补正" in late.value.message
    # a D0 after the recorded 补正 request is refused as out of order
    with pytest.raises(DomainError) as after:
        act(case, T.CORRECTED, CLERK, D(2026, 6, 11), reason="误录", received_on="2026-06-11")
    assert after.value.field == "received_on"
    assert "告知补正" in after.value.message
    assert case.received_on == D(2026, 6, 1)
    assert [e.type for e in case.events][-1] is T.SUPPLEMENT_REQUESTED  # nothing recorded


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"received_on": "2026-06-09"}, "received_on"),  # after the correction itself
        ({"received_on": "2026-13-01"}, "received_on"),
        ({"applicant_name": "  "}, "applicant_name"),
        ({"content": ""}, "payload"),  # an empty value is "not given": nothing to correct
        ({"channel": "飞鸽传书"}, "channel"),
        ({"applicant_type": "alien"}, "applicant_type"),
        ({"id_number": "110105194912310021"}, "id_number"),  # wrong check digit
        ({"outcome": "disclosed"}, "outcome"),  # an open case has no outcome yet
        ({"applicant_name": "张三"}, "payload"),  # the same as recorded: nothing changes
        ({"applicant_name": "张" * 201}, "applicant_name"),
    ],
)
def test_bad_corrections_name_the_field_and_record_nothing(
    payload: dict[str, str], field: str
) -> None:
    case = new_case()
    before = snapshot(case)
    with pytest.raises(DomainError) as info:
        act(case, T.CORRECTED, CLERK, D(2026, 6, 8), reason="更正", **payload)
    assert info.value.field == field
    assert snapshot(case) == before


def test_correction_needs_a_reason() -> None:
    case = new_case()
    with pytest.raises(DomainError) as info:
        act(case, T.CORRECTED, CLERK, D(2026, 6, 8), content="正确的内容")
    assert info.value.field == "reason"


def test_facts_are_corrected_and_only_the_changes_recorded() -> None:
    case = new_case()
    event = act(
        case,
        T.CORRECTED,
        CLERK,
        D(2026, 6, 8),
        reason="登记时录错",
        channel="邮寄",
        applicant_name="张叁",
        contact="13800000000",
        content="2025年本区道路维修合同及验收报告",
        applicant_type="natural_person",  # unchanged: not part of the correction
    )
    assert set(event.payload) == {"channel", "applicant_name", "contact", "content"}
    assert case.channel is Channel.MAIL
    assert case.applicant.name == "张叁"
    assert case.facts()["content"] == "2025年本区道路维修合同及验收报告"
    assert case.clock(CAL).due == D(2026, 6, 30)  # no date changed, no deadline moved
    assert snapshot(Case.from_events(case.events)) == snapshot(case)
    assert Case.from_events(case.events).facts() == case.facts()


def test_void_takes_the_case_out_and_stops_everything() -> None:
    case = new_case()
    with pytest.raises(DomainError) as info:
        act(case, T.VOIDED, SUPERVISOR, D(2026, 6, 2))
    assert info.value.field == "reason"
    act(case, T.VOIDED, SUPERVISOR, D(2026, 6, 2), reason="重复登记")
    assert case.state is CaseState.VOIDED
    assert not case.is_open
    assert case.clock_state(CAL) is None  # no deadline, so no reminder
    assert offered(case) == []
    for action, kw in (
        (T.ANSWERED, {"outcome": "disclosed"}),
        (T.CORRECTED, {"reason": "x", "content": "y"}),
        (T.VOIDED, {"reason": "再次"}),
    ):
        with pytest.raises(DomainError) as refused:
            act(case, action, SUPERVISOR, D(2026, 6, 3), **kw)
        assert refused.value.field == "state"
        assert "已作废" in refused.value.message
    rebuilt = Case.from_events(case.events)
    assert rebuilt.state is CaseState.VOIDED
    assert snapshot(rebuilt) == snapshot(case)


def test_a_concluded_case_may_be_voided_and_loses_its_outcome() -> None:
    case = new_case()
    act(case, T.ANSWERED, CLERK, D(2026, 6, 10), outcome="disclosed")
    assert offered(case) == [T.CORRECTED, T.VOIDED]
    act(case, T.VOIDED, SUPERVISOR, D(2026, 6, 11), reason="误将咨询登记为申请")
    assert (case.outcome, case.concluded_on) == (None, None)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.CASEWORKER, False),
        (Role.SUPERVISOR, True),
        (Role.OFFICE_HEAD, True),
        (Role.ADMIN, False),
    ],
)
def test_only_supervisors_and_office_heads_void(role: Role, allowed: bool) -> None:
    actor = Actor("某人", role, "test-agency")
    if allowed:
        authorize_case(actor, T.VOIDED, agency="test-agency", assignee="某人")
    else:
        with pytest.raises(ForbiddenError):
            authorize_case(actor, T.VOIDED, agency="test-agency", assignee="某人")


def test_event_details_word_a_correction_and_never_show_a_full_id() -> None:
    from domain.event_text import event_details

    case = new_case()
    registered = case.events[0]
    text = event_details(dict(registered.payload), registered.type.value)
    assert "11010519491231002X" not in text and "2025年本区道路维修合同" not in text
    assert "经办人：李经办" in text
    event = act(
        case, T.CORRECTED, CLERK, D(2026, 6, 8), reason="录错",
        id_number="110105194912310038", channel="fax",
    )  # fmt: skip
    # GB 11643 by hand: GOOD_ID's weighted sum is 167 (→ X); sequence 003 instead of 002 adds
    # 1 × weight 2, so 169, 169 mod 11 = 4, and 4 maps to the check character 8
    words = event_details(dict(event.payload), event.type.value)
    assert "证件号码：110105********0038" in words and "申请方式：传真" in words
