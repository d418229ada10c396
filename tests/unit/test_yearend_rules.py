"""Year-end membership (RULES §3) evaluated on single cases, in Python.

The report's SQL is compiled from these predicates and tested against a database elsewhere;
here each definition is checked on its own, at the edges of the year, so that a one-character
change (a bound, a field, the voided exclusion) fails a fast test. A "case" is the three facts
the predicates read.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.predicates import holds
from domain.yearend import (
    VOIDED_STATE,
    carried_into,
    carried_out_of,
    concluded_in,
    counted_in,
    new_in,
    open_after,
    year_bounds,
)

D = dt.date


def case(received_on: dt.date, concluded_on: dt.date | None = None, state: str = "") -> dict:
    state = state or ("concluded" if concluded_on else "in_progress")
    return {"state": state, "received_on": received_on, "concluded_on": concluded_on}


def test_year_bounds_are_the_first_and_last_day() -> None:
    assert year_bounds(2025) == (D(2025, 1, 1), D(2025, 12, 31))


@pytest.mark.parametrize(
    ("received_on", "expected"),
    [
        (D(2024, 12, 31), False),
        (D(2025, 1, 1), True),
        (D(2025, 12, 31), True),
        (D(2026, 1, 1), False),
    ],
)
def test_new_in_a_year_is_received_in_it(received_on: dt.date, expected: bool) -> None:
    assert holds(new_in(2025), case(received_on)) is expected
    assert holds(new_in(2025), case(received_on, D(2026, 3, 1))) is expected


@pytest.mark.parametrize(
    ("concluded_on", "expected"),
    [
        (None, False),
        (D(2024, 12, 31), False),
        (D(2025, 1, 1), True),
        (D(2025, 12, 31), True),
        (D(2026, 1, 1), False),
    ],
)
def test_concluded_in_a_year_is_answered_in_it(
    concluded_on: dt.date | None, expected: bool
) -> None:
    assert holds(concluded_in(2025), case(D(2024, 6, 1), concluded_on)) is expected


def test_open_after_a_day_is_not_concluded_on_or_before_it() -> None:
    day = D(2025, 12, 31)
    assert holds(open_after(day), case(D(2025, 6, 1))) is True
    assert holds(open_after(day), case(D(2025, 6, 1), D(2025, 12, 31))) is False
    assert holds(open_after(day), case(D(2025, 6, 1), D(2026, 1, 1))) is True


@pytest.mark.parametrize(
    ("received_on", "concluded_on", "expected"),
    [
        (D(2025, 12, 31), None, True),  # received on the last day, still open
        (D(2025, 12, 31), D(2025, 12, 31), False),  # answered the same day
        (D(2025, 12, 31), D(2026, 1, 1), True),  # answered the next morning: crossed the year
        (D(2024, 3, 1), None, True),  # open for two years: carried out of both
        (D(2024, 3, 1), D(2025, 1, 5), False),  # carried out of 2024 only
        (D(2026, 1, 1), None, False),  # received after the year
    ],
)
def test_carried_out_of_a_year(
    received_on: dt.date, concluded_on: dt.date | None, expected: bool
) -> None:
    facts = case(received_on, concluded_on)
    assert holds(carried_out_of(2025), facts) is expected
    # carried into Y+1 = carried out of Y, and nothing else
    assert holds(carried_into(2026), facts) is expected
    assert holds(carried_into(2025), facts) is holds(carried_out_of(2024), facts)


def test_carried_into_is_the_previous_years_carry() -> None:
    assert holds(carried_into(2025), case(D(2024, 12, 31))) is True
    assert holds(carried_into(2025), case(D(2025, 1, 1))) is False
    assert holds(carried_into(2025), case(D(2023, 6, 1), D(2024, 12, 31))) is False
    assert holds(carried_into(2025), case(D(2023, 6, 1), D(2025, 1, 1))) is True


@pytest.mark.parametrize(
    ("received_on", "concluded_on", "expected"),
    [
        (D(2025, 5, 1), None, True),  # new
        (D(2024, 5, 1), None, True),  # carried in
        (D(2024, 5, 1), D(2025, 1, 1), True),  # carried in and concluded on the first day
        (D(2024, 5, 1), D(2024, 12, 31), False),  # concluded before the year
        (D(2026, 1, 1), None, False),  # not yet received
        (D(2025, 12, 31), D(2026, 2, 1), True),
    ],
)
def test_counted_in_a_year(
    received_on: dt.date, concluded_on: dt.date | None, expected: bool
) -> None:
    assert holds(counted_in(2025), case(received_on, concluded_on)) is expected


def test_a_voided_case_is_in_no_row_of_any_year() -> None:
    voided = case(D(2025, 6, 1), state=VOIDED_STATE)
    voided_after_answer = case(D(2025, 6, 1), D(2025, 7, 1), state=VOIDED_STATE)
    for predicate in (new_in(2025), carried_out_of(2025), carried_into(2026), counted_in(2025)):
        assert holds(predicate, voided) is False
    assert holds(concluded_in(2025), voided_after_answer) is False
    # the same facts, not voided, are counted
    assert holds(new_in(2025), case(D(2025, 6, 1))) is True
    assert holds(concluded_in(2025), case(D(2025, 6, 1), D(2025, 7, 1))) is True


days = st.dates(D(2023, 12, 25), D(2026, 1, 5))


@given(days, st.one_of(st.none(), st.integers(0, 500)), st.sampled_from([2024, 2025]))
def test_new_plus_carried_in_equals_concluded_plus_carried_out(
    received_on: dt.date, days_open: int | None, year: int
) -> None:
    """RULES §3 勾稽关系, case by case: 一 + 二 = 三 + 四, and counted = new or carried in."""
    concluded_on = None if days_open is None else received_on + dt.timedelta(days=days_open)
    facts = case(received_on, concluded_on)

    def n(predicate) -> int:
        return int(holds(predicate, facts))

    assert n(new_in(year)) + n(carried_into(year)) == n(concluded_in(year)) + n(
        carried_out_of(year)
    )
    assert n(counted_in(year)) == n(new_in(year)) | n(carried_into(year))
