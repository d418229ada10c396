"""Bulk paths keep the per-action rules: the ledger import's batches and the calendar
recompute's batches give what one-by-one work gives, and lose nothing written meanwhile."""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from domain.calendar import CalendarEntry, EntryKind, EntrySource
from domain.case import CaseEventType as E
from domain.case import Projection, project
from domain.clock import deadline_moves
from formats.ledger import LedgerError
from services import ledger
from services.calendar_service import plan_recompute, recompute_open_cases, replay_open_cases
from services.cases import NewCase
from store.models import CaseRow, DueChange
from tests.integration.ops import TODAY, act, register_case, uow, who

D = dt.date
HEADER = ["case_no", "applicant_type", "applicant_name", "channel", "received_on", "content",
          "outcome", "concluded_on"]  # fmt: skip
TYPES = ["natural_person", "business", "research", "nonprofit", "legal_services", "other_org"]
CHANNELS = ["in_person", "mail", "online", "fax", "other"]
PROJECTED = ["state", "outcome", "concluded_on", "applicant_type", "due", "clock",
             "waiting_for", "waiting_due", "provisional", "on_time"]  # fmt: skip


def rows(n: int, *, open_only: bool = False, seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        received = D(2026, 9, 1) + dt.timedelta(days=rng.randrange(81))  # ..2026-11-20
        outcome = concluded = ""
        if not open_only and rng.random() < 0.2:
            outcome = "disclosed"
            concluded = min(TODAY, received + dt.timedelta(days=rng.randrange(1, 30))).isoformat()
        out.append([f"批量-{i:05d}", rng.choice(TYPES), f"申请人{i}", rng.choice(CHANNELS),
                    received.isoformat(), f"事项{i}", outcome, concluded])  # fmt: skip
    return out


def write(path: Path, table: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, *table])
    return path


def import_file(engine: Engine, path: Path) -> ledger.ImportResult:
    return ledger.import_ledger(uow(engine), path, "lixia", actor=who(engine, "admin"), today=TODAY)


def projections(engine: Engine) -> list[tuple[Any, ...]]:
    """Every case's projected columns, in order of registration."""
    columns = [getattr(CaseRow, name) for name in PROJECTED]
    with Session(engine) as session:
        return [tuple(r) for r in session.execute(select(*columns).order_by(CaseRow.id))]


# -- ledger import ----------------------------------------------------------------------------


def test_one_bad_row_among_many_rejects_the_file_and_names_it(
    engine: Engine, tmp_path: Path, table_counts: Callable[..., dict[str, int]]
) -> None:
    table = rows(2_500)
    table[1_700][1] = "个体户"  # not an applicant type: CSV line 1,702 (header is line 1)
    before = table_counts("cases", "case_events", "due_changes")

    with pytest.raises(LedgerError) as caught:
        import_file(engine, write(tmp_path / "台账.csv", table))

    assert [p.line for p in caught.value.problems] == [1_702]
    assert caught.value.problems[0].column == "applicant_type"
    assert "第1702行" in str(caught.value)
    assert table_counts("cases", "case_events", "due_changes") == before


def test_one_row_refused_by_the_domain_rejects_the_file(
    engine: Engine, tmp_path: Path, table_counts: Callable[..., dict[str, int]]
) -> None:
    table = rows(1_500)
    table[1_200][6], table[1_200][7] = "disclosed", "2026-08-01"  # concluded before received
    before = table_counts("cases", "case_events")

    with pytest.raises(LedgerError) as caught:
        import_file(engine, write(tmp_path / "台账.csv", table))

    assert [p.line for p in caught.value.problems] == [1_202]
    assert table_counts("cases", "case_events") == before


def test_bulk_import_matches_registration_one_by_one(engine: Engine, tmp_path: Path) -> None:
    table = rows(3_000, open_only=True)
    import_file(engine, write(tmp_path / "台账.csv", table))
    imported = projections(engine)
    work, clerk = uow(engine), who(engine, "wang")
    from services.cases import register_case as register

    for _, kind, name, channel, received, content, _, _ in table:
        form = NewCase("lixia", name, kind, channel, D.fromisoformat(received), content)
        register(work, form, actor=clerk, today=TODAY)
    one_by_one = projections(engine)[3_000:]

    assert len(imported) == len(one_by_one) == 3_000
    assert imported == one_by_one
    # and they are live deadlines: e.g. received Tue 11-17 → 20 working days → Tue 12-15
    by_received = {D.fromisoformat(r[4]): p for r, p in zip(table, imported, strict=True)}
    assert by_received[D(2026, 11, 17)][4] == D(2026, 12, 15)


# -- calendar recompute -----------------------------------------------------------------------


HOLIDAY = D(2026, 11, 25)  # a Wednesday inside every open window below


def _open_cases(engine: Engine, n: int) -> list[str]:
    numbers, received = [], []
    for i in range(n):
        received.append(D(2026, 11, 2) + dt.timedelta(days=i % 19))
        form = NewCase("lixia", f"申请人{i}", "natural_person", "online", received[i], f"事项{i}")
        numbers.append(register_case(engine, form, "wang").case_no)
    for i in range(0, n, 5):  # a few stopped clocks (补正), a few paused ones (征求意见)
        act(engine, numbers[i], E.SUPPLEMENT_REQUESTED, "wang", on=received[i], reason="内容不明确")
    for i in range(1, n, 5):
        act(engine, numbers[i], E.CONSULTATION_STARTED, "wang", on=received[i],
            kind="third_party", party="甲公司")  # fmt: skip
    return numbers


def _new_calendar(engine: Engine) -> Any:
    work = uow(engine)
    with work.write():
        entry = CalendarEntry(HOLIDAY, EntryKind.HOLIDAY, "测试", EntrySource.MANUAL, festival="测试")
        work.calendar.add([entry], "admin", work.now())
        return work.calendar.load()


def _replayed_in_one_transaction(engine: Engine, calendar: Any) -> tuple[list[Any], list[Any]]:
    """What the one-transaction replay would write (rolled back: nothing kept)."""
    work = uow(engine)
    with work.write():
        moved = replay_open_cases(work, "测试", calendar)
        columns = [getattr(CaseRow, name) for name in PROJECTED]
        assert work.session is not None
        result = [tuple(r) for r in work.session.execute(select(*columns).order_by(CaseRow.id))]
        work.discard()
    return result, moved


def test_batched_recompute_equals_the_one_transaction_replay(
    engine: Engine, table_counts: Callable[..., dict[str, int]]
) -> None:
    _open_cases(engine, 40)
    calendar = _new_calendar(engine)
    expected, expected_moved = _replayed_in_one_transaction(engine, calendar)
    assert table_counts("due_changes") == {"due_changes": 0}  # the replay above was discarded

    done = recompute_open_cases(uow(engine), "测试", calendar, batch=7)  # six batches

    assert projections(engine) == expected
    assert done.cases == 40 and done.retried == 0
    assert sorted(m.case_no for m in done.moved) == sorted(m.case_no for m in expected_moved)
    assert table_counts("due_changes") == {"due_changes": len(expected_moved)}
    # running cases move by one working day: e.g. received Mon 11-02 → due 11-30 → 12-01
    assert {(m.old_due, m.new_due, m.shift) for m in done.moved} >= {
        (D(2026, 11, 30), D(2026, 12, 1), 1)
    }
    again = recompute_open_cases(uow(engine), "测试", calendar, batch=7)
    assert (again.rewritten, again.moved) == (0, [])  # nothing left to do


def test_a_case_acted_on_between_read_and_write_keeps_its_action(engine: Engine) -> None:
    numbers = _open_cases(engine, 12)
    calendar = _new_calendar(engine)
    target = numbers[2]  # running clock, received Wed 11-04
    acted: list[str] = []

    def act_in_between(plans: list[Any]) -> None:
        if not acted:
            act(engine, target, E.ANSWERED, "wang", outcome="disclosed")
            acted.append(target)

    done = recompute_open_cases(uow(engine), "测试", calendar, batch=5, between=act_in_between)

    with Session(engine) as session:
        row = session.execute(select(CaseRow).where(CaseRow.case_no == target)).scalar_one()
        assert (row.state, row.outcome, row.concluded_on, row.version) == (
            "concluded",
            "disclosed",
            TODAY,
            2,
        )
        assert row.on_time is True  # due 12-02 (12-03 on the new calendar); answered 11-20
        moved_rows = session.execute(select(DueChange.case_id)).scalars().all()
    assert done.retried == 1
    assert row.id not in moved_rows  # its action, not the recompute, set its dates
    # every other open case carries the new calendar's projection
    work = uow(engine)
    with work.read():
        stale = plan_recompute(work.cases.get_many(work.cases.open_ids()), calendar)
    assert stale == []


# -- the bulk recompute's own write paths -----------------------------------------------------


def test_the_batched_recompute_writes_what_the_full_aggregates_project(engine: Engine) -> None:
    """The recompute reads reduced histories and writes with its own statements (PostgreSQL:
    one UPDATE … FROM unnest per write, COPY for the moves): every row must end up with what
    `project()` gives the full aggregate, and every move recorded with its dates and shift."""
    numbers = _open_cases(engine, 30)
    act(engine, numbers[2], E.EXTENSION_REQUESTED, "wang", on=TODAY, workdays=10, reason="复杂")
    act(engine, numbers[3], E.ASSIGNED, "liu", assignee="wang")
    calendar = _new_calendar(engine)
    work = uow(engine)
    with work.read():
        before = work.cases.get_many(work.cases.open_ids())
    expected = {s.id: project(s.case, calendar) for s in before}
    expected_moves = sorted(
        (s.id, m.deadline.value, m.old, m.new, calendar.workdays_between(m.old, m.new).count)
        for s in before
        for m in deadline_moves(s.projection, expected[s.id])
    )
    assert expected_moves  # the new holiday moves running and waiting deadlines

    done = recompute_open_cases(uow(engine), "测试", calendar, batch=7, write_batch=3)

    with Session(engine) as session:
        rows = session.execute(select(CaseRow).where(CaseRow.id.in_(expected))).scalars().all()
        written = {
            r.id: tuple(getattr(r, name) for name in [*PROJECTED, "next_reminder_on"]) for r in rows
        }
        moves = sorted(
            (c.case_id, c.deadline, c.old_due, c.new_due, c.shift_days)
            for c in session.execute(select(DueChange)).scalars()
        )
        causes = set(session.execute(select(DueChange.cause)).scalars())
    assert written == {i: tuple(p.as_dict().values()) for i, p in expected.items()}
    assert moves == expected_moves and causes == {"测试"}
    assert done.rewritten == len({m[0] for m in expected_moves}) and done.retried == 0


def test_a_projection_is_written_only_at_the_version_it_was_computed_from(engine: Engine) -> None:
    """The version check of the bulk write, on its own: a stale version writes nothing, a
    current one writes every projected column exactly (dates, flags and nulls)."""
    first, second = _open_cases(engine, 2)
    work = uow(engine)
    with work.read():
        stored = {s.case.case_no: s for s in work.cases.get_many(work.cases.open_ids())}
    fresh, stale = stored[first], stored[second]
    act(engine, second, E.ASSIGNED, "liu", assignee="wang")  # one more event
    wanted = Projection(
        state="in_progress", outcome=None, concluded_on=None, applicant_type="business",
        due=D(2027, 1, 4), clock="running", waiting_for="consultation",
        waiting_due=D(2026, 12, 31), provisional=True, on_time=False,
        next_reminder_on=D(2026, 12, 1),
    )  # fmt: skip
    with work.write():
        written = work.cases.set_projections_if_version(
            [(fresh.id, fresh.version, wanted), (stale.id, stale.version, wanted)]
        )
    assert written == [fresh.id]
    with Session(engine) as session:
        rows = {r.id: r for r in session.execute(select(CaseRow)).scalars()}
    assert {name: getattr(rows[fresh.id], name) for name in wanted.as_dict()} == wanted.as_dict()
    assert (rows[stale.id].due, rows[stale.id].version) == (stale.projection.due, stale.version + 1)
    assert rows[fresh.id].version == fresh.version  # a calendar change adds no event
