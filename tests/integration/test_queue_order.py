"""The caseworker queue read through `ix_cases_open_queue` (migration 0011): the same rows in
the same order as the rule says, on SQLite and PostgreSQL, and the index really serving it.

The rule (`store.queries.list_cases`): open before closed, then soonest due first with no due
date last, then by the waiting deadline (none last), then by case id. The rows below are
written straight into the table with chosen projections, so ties, NULLs and every state are
there; the expected order is computed here in Python from the rule, not from the database.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import ops
import pytest
from sqlalchemy import Engine, event, insert, select, text

from domain.case import OPEN_STATES
from services import dashboard
from services.cases import CaseFilter
from store.models import Agency, CaseRow, User
from store.uow import SqlUnitOfWork

TODAY = dt.date(2026, 11, 20)
D = dt.date
OPEN = sorted(s.value for s in OPEN_STATES)
CLOSED = ["concluded", "withdrawn", "deemed_abandoned", "voided"]
DUES = [None, D(2026, 11, 5), D(2026, 11, 20), D(2026, 11, 23), D(2026, 11, 25), D(2026, 12, 1)]
WAITING = [None, D(2026, 11, 24), D(2026, 11, 27)]


def _rows(engine: Engine) -> list[dict[str, Any]]:
    """Cases of lixia and of a second agency: every open state, closed ones, NULL dues and
    waiting deadlines, many ties; inserted in an order unrelated to the queue's."""
    ops.add_agency(engine, "dept", "某局", parent="lixia")
    with engine.begin() as connection:
        agencies = dict(connection.execute(select(Agency.code, Agency.id)).all())
        wang = connection.execute(select(User.id).where(User.username == "wang")).scalar_one()
    now = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    rows = []
    for k in range(90):
        state = (OPEN + CLOSED)[(k * 7) % 8]
        closed = state in CLOSED
        rows.append(
            {
                "case_no": f"Q-{k:03d}",
                "agency_id": agencies["lixia" if k % 3 else "dept"],
                "applicant_name": "张伟", "applicant_type": "natural_person", "id_kind": "other",
                "id_number": "", "contact": "", "channel": "online",
                "received_on": D(2026, 10, 1) + dt.timedelta(days=k % 17), "content": "某项目",
                "requested_form": "", "assignee_id": wang if k % 4 else None, "imported": False,
                "state": state, "outcome": "disclosed" if closed else None,
                "concluded_on": D(2026, 11, 1) if closed else None,
                "due": DUES[(k * 5) % len(DUES)], "clock": "stopped" if closed else "running",
                "waiting_for": None, "waiting_due": WAITING[(k * 11) % len(WAITING)],
                "provisional": k % 9 == 0, "on_time": True if closed else None,
                "next_reminder_on": None, "version": 1, "created_at": now, "updated_at": now,
            }
        )
    rows.reverse()  # ids then run against the case numbers
    with engine.begin() as connection:
        connection.execute(insert(CaseRow), rows)
        ids = dict(connection.execute(select(CaseRow.case_no, CaseRow.id)).all())
    codes = {v: k for k, v in agencies.items()}
    return [dict(r, id=ids[r["case_no"]], agency=codes[r["agency_id"]]) for r in rows]


def _rule(row: dict[str, Any]) -> tuple[Any, ...]:
    due, waiting = row["due"], row["waiting_due"]
    return (
        row["state"] not in OPEN, due is None, due or D.min, waiting is None, waiting or D.min, row["id"]
    )


@pytest.fixture
def cases(engine: Engine) -> list[dict[str, Any]]:
    return sorted(_rows(engine), key=_rule)


@pytest.mark.parametrize(
    ("flt", "keep"),
    [
        (CaseFilter(state="open", limit=200), lambda r: r["state"] in OPEN),
        (CaseFilter(state="open", limit=7), lambda r: r["state"] in OPEN),
        (CaseFilter(state="open", limit=5, offset=9), lambda r: r["state"] in OPEN),
        (CaseFilter(state="closed"), lambda r: r["state"] in CLOSED),
        (CaseFilter(), lambda r: True),
        (CaseFilter(state="in_progress"), lambda r: r["state"] == "in_progress"),
        (
            CaseFilter(state="open", overdue=True),
            lambda r: r["state"] in OPEN and r["due"] is not None and r["due"] < TODAY,
        ),
        (CaseFilter(state="open", assignee="wang"), lambda r: r["state"] in OPEN and r["k_wang"]),
    ],
)
def test_the_queue_lists_the_rule_s_rows_in_the_rule_s_order(
    engine: Engine, cases: list[dict[str, Any]], flt: CaseFilter, keep: Any
) -> None:
    for row in cases:
        row["k_wang"] = row["assignee_id"] is not None
    expected = [r["case_no"] for r in cases if r["agency"] == "lixia" and keep(r)]
    expected = expected[flt.offset :][: flt.limit] if flt.limit else expected[flt.offset :]
    assert expected  # the filter leaves something to order
    listed = ops.list_cases(engine, flt, "wang")
    assert [r["case_no"] for r in listed] == expected
    # the page's rows are the service's rows, coloured
    page = dashboard.queue(SqlUnitOfWork(engine), flt, actor=ops.who(engine, "wang"), today=TODAY)
    assert [r["case_no"] for r in page] == expected


def test_a_supervisor_s_region_is_ordered_across_agencies(engine: Engine, cases: list[dict[str, Any]]) -> None:
    ops.add_user(engine, "boss", "区领导", "supervisor", "lixia")
    listed = ops.list_cases(engine, CaseFilter(state="open", agency="lixia", region=True, limit=20), "boss")
    expected = [r["case_no"] for r in cases if r["state"] in OPEN and r["agency"] in ("lixia", "dept")]
    assert [r["case_no"] for r in listed] == expected[:20]


def _statements(engine: Engine, flt: CaseFilter) -> list[tuple[str, Any]]:
    """The SQL the service sends for a listing, with its parameters."""
    seen: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        ops.list_cases(engine, flt, "wang")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


@pytest.mark.parametrize("limit", [200, 100])
def test_the_caseworker_queue_is_read_from_the_index_in_order(
    engine: Engine, cases: list[dict[str, Any]], limit: int
) -> None:
    statement, parameters = next(
        (s, p) for s, p in _statements(engine, CaseFilter(state="open", limit=limit)) if "FROM cases" in s
    )
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            # a handful of rows would be read faster by a sequential scan: rule that out, and
            # any sort, so the plan shows whether the index *can* give the order and the rows
            for setting in ("enable_seqscan", "enable_sort", "enable_bitmapscan"):
                connection.execute(text(f"SET LOCAL {setting} = off"))
            plan = "\n".join(r[0] for r in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
            assert "ix_cases_open_queue" in plan, plan
            assert "Sort" not in plan, plan
        else:
            plan = "\n".join(
                str(r[-1]) for r in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            )
            assert "ix_cases_open_queue" in plan, plan
            assert "TEMP B-TREE" not in plan, plan


def test_the_dashboard_counts_what_the_queue_colours(engine: Engine, cases: list[dict[str, Any]]) -> None:
    """The dashboard's bars are counted by one grouped query and its lists are cut at
    BOARD_LIST: both must say what colouring every open row of the queue says, on both
    databases (overdue before 11-20, amber up to Wed 11-25, the 3rd working day after)."""
    ops.add_user(engine, "boss", "区领导", "supervisor", "lixia")
    uow, boss = SqlUnitOfWork(engine), ops.who(engine, "boss")
    every = dashboard.queue(uow, CaseFilter(state="open", limit=1000), actor=boss, today=TODAY)
    assert len(every) == sum(r["state"] in OPEN for r in cases)
    expected: dict[tuple[str, str], Counter[str]] = {}
    for row in every:
        for key in (("person", row["assignee"] or "（未分派）"), ("agency", row["agency"])):
            expected.setdefault(key, Counter())["open"] += 1
            if row["urgency"]:
                expected[key][row["urgency"]] += 1
    # the colours themselves, by hand: overdue before today, amber from today to 11-25
    for row in every:
        due = D.fromisoformat(row["due"]) if row["due"] else None
        assert row["urgency"] == (
            None if due is None else "overdue" if due < TODAY else "at_risk" if due <= D(2026, 11, 25) else None
        ), row

    board = dashboard.dashboard(uow, actor=boss, today=TODAY)
    got = {("person", r["name"]): r for r in board.by_assignee} | {("agency", r["name"]): r for r in board.by_agency}
    assert set(got) == set(expected)
    for key, counts in expected.items():
        assert (got[key]["open"], got[key]["overdue"], got[key]["at_risk"]) == (
            counts["open"], counts["overdue"], counts["at_risk"]
        ), key
    overdue = [r["case_no"] for r in every if r["urgency"] == "overdue"]
    unassigned = [r["case_no"] for r in every if r["assignee"] is None]
    assert board.overdue_total == len(overdue) > 0 and board.unassigned_total == len(unassigned) > 0
    assert [r["case_no"] for r in board.overdue] == overdue[: dashboard.BOARD_LIST]
    assert [r["case_no"] for r in board.unassigned] == unassigned[: dashboard.BOARD_LIST]


def test_the_dashboard_lists_only_the_most_urgent(engine: Engine, cases: list[dict[str, Any]]) -> None:
    """With more overdue cases than it lists, the dashboard lists the first ones in queue
    order and still counts them all."""
    ops.add_user(engine, "boss", "区领导", "supervisor", "lixia")
    uow, boss = SqlUnitOfWork(engine), ops.who(engine, "boss")
    every = dashboard.queue(uow, CaseFilter(state="open", overdue=True), actor=boss, today=TODAY)
    board = dashboard.dashboard(uow, actor=boss, today=TODAY, listed=3)
    assert len(every) > 3 and board.overdue_total == len(every)
    assert [r["case_no"] for r in board.overdue] == [r["case_no"] for r in every[:3]]


def test_the_dashboard_s_on_time_figures_by_agency_and_by_month(engine: Engine, cases: list[dict[str, Any]]) -> None:
    """按时率 = on time ÷ (on time + late); cases without a verdict (closed while the clock was
    stopped, imported) count as concluded only; a case concluded last year is not this year's.
    Expected figures are counted here from the rows written, on both databases."""
    closed = [r for r in cases if r["state"] in CLOSED]
    verdicts = [True, False, None]
    with engine.begin() as connection:
        for i, row in enumerate(closed):
            row["concluded_on"] = D(2025, 12, 31) if i == 0 else D(2026, 1 + i % 11, 1 + i % 28)
            row["on_time"] = verdicts[i % 3]
            connection.execute(
                CaseRow.__table__.update()
                .where(CaseRow.id == row["id"])
                .values(concluded_on=row["concluded_on"], on_time=row["on_time"])
            )
    ops.add_user(engine, "boss", "区领导", "supervisor", "lixia")
    board = dashboard.dashboard(SqlUnitOfWork(engine), actor=ops.who(engine, "boss"), today=TODAY)

    this_year = [r for r in closed if r["concluded_on"].year == 2026]
    assert len(this_year) == len(closed) - 1

    def figures(rows: list[dict[str, Any]]) -> tuple[int, int, int, float | None]:
        on_time = sum(r["on_time"] is True for r in rows)
        late = sum(r["on_time"] is False for r in rows)
        return len(rows), on_time, late, (round(100 * on_time / (on_time + late), 1) if on_time + late else None)

    by_agency = {r["agency"]: (r["concluded"], r["on_time"], r["late"], r["rate"]) for r in board.on_time}
    assert by_agency == {
        code: figures([r for r in this_year if r["agency"] == code]) for code in ("dept", "lixia")
    }
    months = [(m["month"], m["concluded"], m["on_time"], m["late"], m["rate"]) for m in board.on_time_by_month]
    assert [m[0] for m in months] == list(range(1, 12))  # January to November (today 11-20)
    assert months == [(m, *figures([r for r in this_year if r["concluded_on"].month == m])) for m in range(1, 12)]
    assert any(m[4] is not None and 0 < m[4] < 100 for m in months)  # a month with both verdicts
