"""Year-end membership (RULES §3): new, concluded, carried in and carried out — defined once.

The annual report's SQL aggregates, the year-end close's carried-out list and the checks are
all built from these predicates (see `domain.predicates`), so "carried out of Y" cannot mean
one thing in the report and another in the ledger.
"""

from __future__ import annotations

import datetime as dt

from domain.predicates import Compare, InSet, IsNull, Not, Predicate, all_of, any_of

#: The state of a case registered by mistake (`domain.case.CaseState.VOIDED`); spelled here
#: because the case module builds on this one.
VOIDED_STATE = "voided"


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def not_voided() -> Predicate:
    """A voided registration is counted in no row of any year (its history is kept)."""
    return Not(InSet("state", frozenset({VOIDED_STATE})))


def new_in(year: int) -> Predicate:
    """New in Y: its original D0 is in Y (a 补正 restart does not move it)."""
    first, last = year_bounds(year)
    return all_of(
        not_voided(), Compare("received_on", ">=", first), Compare("received_on", "<=", last)
    )


def concluded_in(year: int) -> Predicate:
    """Concluded in Y: its answer (or closing) date is in Y."""
    first, last = year_bounds(year)
    return all_of(
        not_voided(), Compare("concluded_on", ">=", first), Compare("concluded_on", "<=", last)
    )


def open_after(day: dt.date) -> Predicate:
    """Not concluded on or before `day`."""
    return any_of(IsNull("concluded_on"), Compare("concluded_on", ">", day))


def carried_out_of(year: int) -> Predicate:
    """Carried out of Y: received on or before 31 Dec Y and not concluded on or before it."""
    _, last = year_bounds(year)
    return all_of(not_voided(), Compare("received_on", "<=", last), open_after(last))


def carried_into(year: int) -> Predicate:
    """Carried into Y = carried out of Y−1."""
    return carried_out_of(year - 1)


def counted_in(year: int) -> Predicate:
    """Every case section 三 of Y counts in some row: new, carried in, or concluded in Y."""
    first, last = year_bounds(year)
    return all_of(
        not_voided(),
        Compare("received_on", "<=", last),
        any_of(IsNull("concluded_on"), Compare("concluded_on", ">=", first)),
    )


def years_counted(received_on: dt.date, concluded_on: dt.date | None, today: dt.date) -> range:
    """The report years whose section 三 counts a case: from its D0 to its conclusion (or now)."""
    last = (concluded_on or today).year
    return range(received_on.year, max(last, received_on.year) + 1)
