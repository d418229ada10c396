"""Year-end membership and overdue, as SQL computes them, against RULES written out by hand.

`domain.yearend` defines new / carried in / concluded / carried out once; the report's SQL is
compiled from it (`store.predicates`) and Python evaluates the same predicates
(`domain.predicates.holds`). Random case histories, heavy on the year boundaries, must give
the same counts three ways: the SQL roll-up, the predicates in Python, and RULES §3 spelled
out directly here — so a wrong comparison in `domain/yearend.py` fails even though SQL and
Python would still agree with each other.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, select

from domain.predicates import holds
from domain.yearend import carried_into, carried_out_of, concluded_in, new_in
from services.cases import CaseFilter, NewCase
from store.models import Agency, CaseRow
from tests.integration.ops import TODAY, add_agency, list_cases, register_case, uow

D = dt.date
YEAR = 2025
AGENCIES = ("lixia", "lixia_a", "lixia_b")
TYPES = ("natural_person", "business", "research")

# dates near the edges of YEAR (31 Dec and 1 Jan on both sides) and anywhere in 2023–2027
EDGES = [D(2023, 12, 31), D(2024, 1, 1), D(2024, 12, 30), D(2024, 12, 31), D(2025, 1, 1),
         D(2025, 1, 2), D(2025, 12, 30), D(2025, 12, 31), D(2026, 1, 1), D(2026, 1, 2)]  # fmt: skip
dates = st.one_of(st.sampled_from(EDGES), st.dates(D(2023, 6, 1), D(2027, 6, 30)))


History = tuple[str, str, D, D | None, bool]


@st.composite
def histories(draw: Any) -> list[History]:
    """(agency, applicant type, received_on, concluded_on or None, voided), concluded ≥
    received; a voided registration has no conclusion."""
    cases = []
    for _ in range(draw(st.integers(0, 25))):
        received = draw(dates)
        concluded = draw(st.one_of(st.none(), dates.filter(lambda d, r=received: d >= r)))
        voided = draw(st.booleans()) and concluded is None
        cases.append((draw(st.sampled_from(AGENCIES)), draw(st.sampled_from(TYPES)), received,
                      concluded, voided))  # fmt: skip
    return cases


def by_hand(cases: list[History], year: int) -> dict[str, Counter[str]]:
    """RULES §3 written out: new = D0 in Y; concluded = answer date in Y; carried out of Y =
    D0 ≤ 31 Dec Y and not concluded on or before it; carried into Y = carried out of Y−1.
    A voided registration counts nowhere."""
    end, previous_end = D(year, 12, 31), D(year - 1, 12, 31)
    rows: dict[str, Counter[str]] = {k: Counter() for k in ("new", "in", "done", "out")}
    for _, kind, received, concluded, voided in cases:
        if voided:
            continue
        rows["new"][kind] += received.year == year
        rows["done"][kind] += concluded is not None and concluded.year == year
        rows["out"][kind] += received <= end and (concluded is None or concluded > end)
        rows["in"][kind] += received <= previous_end and (
            concluded is None or concluded > previous_end
        )
    return {name: +counter for name, counter in rows.items()}  # drop zeros


def by_predicates(cases: list[History], year: int) -> dict[str, Counter[str]]:
    predicates = {"new": new_in(year), "in": carried_into(year), "done": concluded_in(year),
                  "out": carried_out_of(year)}  # fmt: skip
    rows: dict[str, Counter[str]] = {k: Counter() for k in predicates}
    for _, kind, received, concluded, voided in cases:
        facts = {"received_on": received, "concluded_on": concluded, "state": _state(concluded, voided)}
        for name, predicate in predicates.items():
            rows[name][kind] += holds(predicate, facts)
    return {name: +counter for name, counter in rows.items()}


def _state(concluded: D | None, voided: bool) -> str:
    return "voided" if voided else "concluded" if concluded else "in_progress"


def by_sql(engine: Engine, cases: list[History], year: int,
           scope: tuple[str, ...]) -> dict[str, Counter[str]]:  # fmt: skip
    """The report's roll-up over the cases of `scope`, in a transaction rolled back after."""
    work = uow(engine)
    with work.write():
        assert work.session is not None
        ids = dict(work.session.execute(select(Agency.code, Agency.id)).tuples().all())
        now = work.now()
        rows = [
            {"case_no": f"M-{i}", "agency_id": ids[agency], "applicant_name": "某", "content": "某",
             "applicant_type": kind, "channel": "online", "received_on": received,
             "concluded_on": concluded, "outcome": "disclosed" if concluded else None,
             "state": _state(concluded, voided), "clock": "running",
             "version": 1, "created_at": now, "updated_at": now}  # fmt: skip
            for i, (agency, kind, received, concluded, voided) in enumerate(cases)
        ]
        if rows:
            work.session.execute(insert(CaseRow.__table__), rows)
        counts = work.reports.section3_counts([ids[a] for a in scope], year)
        work.discard()
    done: Counter[str] = Counter()
    for (_, kind), n in counts.concluded.items():
        done[kind] += n
    return {
        "new": +Counter(counts.new),
        "in": +Counter(counts.carried_in),
        "done": +done,
        "out": +Counter(counts.carried_out),
    }


def test_year_end_membership_sql_equals_predicates_equals_rules(engine: Engine) -> None:
    for code in AGENCIES[1:]:
        add_agency(engine, code, f"部门{code}", parent="lixia")

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(histories(), st.sampled_from([YEAR, YEAR + 1]), st.sets(st.sampled_from(AGENCIES),
           min_size=1))  # fmt: skip
    def check(cases: list[History], year: int, scope: set[str]) -> None:
        mine = [c for c in cases if c[0] in scope]
        expected = by_hand(mine, year)
        assert by_predicates(mine, year) == expected
        assert by_sql(engine, cases, year, tuple(sorted(scope))) == expected
        for kind in TYPES:  # the report's balance: new + carried in = concluded + carried out
            assert (
                expected["new"][kind] + expected["in"][kind]
                == expected["done"][kind] + expected["out"][kind]
            )

    check()


def test_the_boundary_cases_by_name(engine: Engine) -> None:
    """The four edge cases spelled out (the property test finds them too; this names them)."""
    cases = [
        ("lixia", "natural_person", D(2025, 12, 31), None, False),  # new, carried out
        ("lixia", "natural_person", D(2025, 12, 31), D(2025, 12, 31), False),  # new, concluded
        ("lixia", "natural_person", D(2024, 12, 31), D(2025, 1, 1), False),  # in, concluded
        ("lixia", "natural_person", D(2025, 1, 1), D(2026, 1, 1), False),  # new, carried out
        ("lixia", "natural_person", D(2024, 6, 1), None, True),  # voided: nowhere
        ("lixia", "natural_person", D(2025, 6, 1), None, True),  # voided: nowhere
    ]
    got = by_sql(engine, cases, 2025, ("lixia",))
    assert {name: c["natural_person"] for name, c in got.items()} == {
        "new": 3,
        "in": 1,
        "done": 2,
        "out": 2,
    }


def test_due_today_is_not_overdue_due_yesterday_is(engine: Engine) -> None:
    # received Thu 10-22: day 1 = Fri 10-23 … day 20 = Thu 11-19 (yesterday)
    # received Fri 10-23: day 1 = Mon 10-26 … day 20 = Fri 11-20 (today)
    late = register_case(engine, NewCase("lixia", "甲", "natural_person", "online",
                                         D(2026, 10, 22), "事项甲"), "wang")  # fmt: skip
    on_time = register_case(engine, NewCase("lixia", "乙", "natural_person", "online",
                                            D(2026, 10, 23), "事项乙"), "wang")  # fmt: skip

    everything = {r["case_no"]: r["due"] for r in list_cases(engine, CaseFilter(agency="lixia"))}
    assert everything == {late.case_no: "2026-11-19", on_time.case_no: "2026-11-20"}
    overdue = list_cases(engine, CaseFilter(agency="lixia", overdue=True), today=TODAY)
    assert [r["case_no"] for r in overdue] == [late.case_no]
    tomorrow = list_cases(engine, CaseFilter(agency="lixia", overdue=True), today=D(2026, 11, 23))
    assert sorted(r["case_no"] for r in tomorrow) == sorted([late.case_no, on_time.case_no])
