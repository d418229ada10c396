"""`ProjectionCache` must give every case exactly what `project()` gives it.

Random histories over few dates make many cases share a key; if the key missed an input of
`project()`, a case would receive another case's projection and the comparison would fail.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.case import (
    PROJECTION_PAYLOAD_KEYS,
    Case,
    CaseEventType,
    ProjectionCache,
    case_for_projection,
    project,
    register,
)
from domain.errors import DomainError
from tests.unit.test_case import CAL, CLERK, HEAD, SUPERVISOR, form

D = dt.date
T = CaseEventType
DAYS = [D(2026, 6, 1), D(2026, 6, 2), D(2026, 6, 5), D(2026, 6, 8)]

# (action, extra payload) pairs; invalid ones for a case's state are simply refused
ACTIONS: list[tuple[CaseEventType, dict[str, Any]]] = [
    (T.SUPPLEMENT_REQUESTED, {"reason": "补正"}),
    (T.SUPPLEMENT_REQUESTED, {"reason": "补正", "applicant_days": 5}),
    (T.SUPPLEMENT_RECEIVED, {}),
    (T.CONSULTATION_STARTED, {"kind": "third_party", "party": "甲公司"}),
    (T.CONSULTATION_STARTED, {"kind": "agency", "party": "乙局"}),
    (T.CONSULTATION_ENDED, {}),
    (T.EXTENSION_REQUESTED, {"workdays": 10, "reason": "复杂"}),
    (T.EXTENSION_GRANTED, {"reason": "同意"}),
    (T.FEE_NOTICE_SENT, {"method": "volume", "quantity": 50, "amount_yuan": "200.00"}),
    (T.FEE_PAID, {}),
    (T.ANSWERED, {"outcome": "disclosed"}),
    (T.WITHDRAWN, {"reason": "撤回"}),
    (T.ASSIGNED, {"assignee": "另一经办人"}),
    (T.VOIDED, {"reason": "误登记"}),
    (T.CORRECTED, {"reason": "日期录错", "received_on": "2026-06-02"}),
]


@st.composite
def histories(draw: Any) -> Case:
    received = draw(st.sampled_from(DAYS))
    assignee = draw(st.sampled_from([CLERK.name, None]))
    days = draw(st.sampled_from([10, 15]))
    kind = draw(st.sampled_from(["natural_person", "business"]))
    case, _ = register(
        form(received_on=received, assignee=assignee, supplement_days=days, applicant_type=kind),
        CLERK, _at(received), D(2026, 12, 31),
    )  # fmt: skip
    on = received
    for _ in range(draw(st.integers(0, 5))):
        action, payload = draw(st.sampled_from(ACTIONS))
        on = on + dt.timedelta(days=draw(st.integers(0, 12)))
        actor = {T.EXTENSION_GRANTED: HEAD, T.VOIDED: SUPERVISOR}.get(action, CLERK)
        with contextlib.suppress(DomainError):
            case.act(action, actor, on, _at(on), CAL, **payload)
    return case


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(2, 0), tzinfo=dt.UTC)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(histories(), min_size=2, max_size=12))
def test_cached_projection_equals_the_direct_one(cases: list[Case]) -> None:
    cache = ProjectionCache(CAL)
    for case in cases:
        assert cache.project(case) == project(case, CAL)
    assert len(cache) <= len(cases)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_a_history_stripped_to_the_projections_keys_projects_the_same(case: Case) -> None:
    """What a bulk recompute loads (type, date and `PROJECTION_PAYLOAD_KEYS` of each event)
    is all `project()` reads: a key it missed would make some history project differently."""
    steps = [
        (e.type.value, e.on, {k: e.payload[k] for k in PROJECTION_PAYLOAD_KEYS if e.payload.get(k) is not None})
        for e in case.events
    ]
    assert project(case_for_projection(steps), CAL) == project(case, CAL)


def test_cases_with_the_same_history_share_one_computation() -> None:
    first, _ = register(form(received_on=DAYS[0]), CLERK, _at(DAYS[0]), D(2026, 12, 31))
    second, _ = register(form(received_on=DAYS[0], case_no="2026-0002"), CLERK, _at(DAYS[0]), D(2026, 12, 31))
    other, _ = register(form(received_on=DAYS[1], case_no="2026-0003"), CLERK, _at(DAYS[1]), D(2026, 12, 31))
    cache = ProjectionCache(CAL)
    assert cache.project(first) is cache.project(second)
    assert cache.project(other) != cache.project(first)
    assert len(cache) == 2


def _pair_differing_in(step: Any, **fields: Any) -> list[Case]:
    cases = []
    for n, shift in enumerate((0, 1)):
        case, _ = register(
            form(received_on=DAYS[0], case_no=f"2026-01{n}", **fields),
            CLERK, _at(DAYS[0]), D(2026, 12, 31),
        )  # fmt: skip
        step(case, shift)
        cases.append(case)
    return cases


def test_the_day_an_extension_was_requested_is_part_of_the_key() -> None:
    def ask(case: Case, shift: int) -> None:
        # 补正 asked and received first, so the 补正 window is no longer watched and the
        # request's own reminder (on the day it is made) is the next one
        case.act(T.SUPPLEMENT_REQUESTED, CLERK, DAYS[1], _at(DAYS[1]), CAL, reason="补正")
        case.act(T.SUPPLEMENT_RECEIVED, CLERK, DAYS[2], _at(DAYS[2]), CAL)
        on = D(2026, 6, 10) + dt.timedelta(days=shift)
        case.act(T.EXTENSION_REQUESTED, CLERK, on, _at(on), CAL, workdays=5, reason="复杂")

    cases = _pair_differing_in(ask)
    cache = ProjectionCache(CAL)
    assert [cache.project(c) for c in cases] == [project(c, CAL) for c in cases]


def test_the_registration_day_is_part_of_the_key_after_a_corrected_d0() -> None:
    def correct(case: Case, shift: int) -> None:
        # both end with D0 2 June; one was registered on 1 June, the other on 2 June
        if shift:
            case.events[0] = dataclasses.replace(case.events[0], on=DAYS[1])
        case.act(T.CORRECTED, CLERK, DAYS[1], _at(DAYS[1]), CAL, reason="录错", received_on="2026-06-02")
        case.assignee = None  # unassigned: the registration day is watched (RULES §6)

    cases = _pair_differing_in(correct)
    cache = ProjectionCache(CAL)
    assert [cache.project(c) for c in cases] == [project(c, CAL) for c in cases]


def test_the_agencys_supplement_period_is_part_of_the_key() -> None:
    cases = []
    for n, days in enumerate((10, 15)):
        case, _ = register(
            form(received_on=DAYS[0], case_no=f"2026-02{n}", supplement_days=days),
            CLERK, _at(DAYS[0]), D(2026, 12, 31),
        )  # fmt: skip
        case.act(T.SUPPLEMENT_REQUESTED, CLERK, DAYS[1], _at(DAYS[1]), CAL, reason="补正")
        cases.append(case)
    cache = ProjectionCache(CAL)
    assert [cache.project(c) for c in cases] == [project(c, CAL) for c in cases]


def test_an_empty_cache_passed_in_is_the_one_filled() -> None:
    """A bulk recompute passes one cache to every batch; an empty cache is falsy (it has a
    length), so `plan_recompute` must not replace it with a fresh one on the first batch."""
    from services.calendar_service import plan_recompute

    case, _ = register(form(received_on=DAYS[0]), CLERK, _at(DAYS[0]), D(2026, 12, 31))
    stored = dataclasses.make_dataclass("Stored", ["id", "version", "case", "projection"])
    cache = ProjectionCache(CAL)
    plan_recompute([stored(1, 1, case, project(case, CAL))], CAL, cache)
    assert len(cache) == 1
