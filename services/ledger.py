"""Importing an office's existing ledger (台账): validate everything, then write in batches.

The file is checked as a whole first (`formats.ledger.read_ledger`), then every row through the
domain (the same `register` as a registration at the counter) and against the database (agency
exists, case numbers not already used, no locked year touched); any problem rejects the whole
file, with a message per bad row, and nothing is written. Only then are the cases and their
first events written, in multi-row statements of `BATCH` rows, inside one transaction.

The checking and projecting happen before the write transaction opens (on SQLite a write
transaction holds the whole database): the agency, the calendar and the case numbers taken
are read once in a read transaction; the write transaction checks again only what another
user could have changed meanwhile (case numbers, locked years, the calendar) and inserts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from domain.access import Actor, Role, authorize_register, require_role
from domain.case import Case, CaseEvent, Registration, project, register
from domain.directory import check_registering
from domain.errors import DomainError
from domain.yearend import years_counted
from formats.ledger import LedgerError, LedgerRow, RowProblem, read_ledger
from services.years import guard_year_change

BATCH = 1000
LEDGER_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.OFFICE_HEAD})


@dataclass(frozen=True)
class ImportResult:
    rows: int
    open_cases: int
    concluded: int
    dry_run: bool


def import_ledger(
    uow: Any,
    path: Path,
    agency: str,
    *,
    actor: Actor,
    today: dt.date,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import the file in one transaction; with `dry_run`, validate and roll back."""
    require_role(actor, LEDGER_ROLES, "导入台账")
    authorize_register(actor, agency, imported=True)
    rows = read_ledger(path, today=today)
    with uow.read():  # look-ups made once per import, not per row
        agency_row = uow.directory.agency(agency)
        check_registering(agency_row)
        agency_id = uow.directory.agency_id(agency)
        _check_existing(uow, rows)
        calendar = uow.calendar.load()
    now = uow.now()
    cases, years = _validate(rows, agency, agency_row.supplement_days, actor, now, today)
    prepared = [(case, event, project(case, calendar), agency_id, None) for case, event in cases]
    with uow.write():  # short: checks that may have changed meanwhile, then the inserts
        _check_existing(uow, rows)
        guard_year_change(uow, agency_id, years)
        if uow.calendar.load() is not calendar:  # the calendar changed since: project again
            calendar = uow.calendar.load()
            prepared = [(c, e, project(c, calendar), a, None) for c, e, _, a, _ in prepared]
        for start in range(0, len(prepared), BATCH):
            uow.cases.add_many(prepared[start : start + BATCH], now)
            if progress:
                progress(min(start + BATCH, len(prepared)), len(prepared))
        if dry_run:
            uow.discard()
    concluded = sum(1 for r in rows if r.outcome is not None)
    return ImportResult(len(rows), len(rows) - concluded, concluded, dry_run)


def _validate(
    rows: list[LedgerRow],
    agency: str,
    supplement_days: int,
    actor: Actor,
    now: dt.datetime,
    today: dt.date,
) -> tuple[list[tuple[Case, CaseEvent]], set[int]]:
    """Every row through the domain's `register` (no transaction open: pure work); all
    problems at once, or the cases and the years they count in."""
    cases: list[tuple[Case, CaseEvent]] = []
    problems: list[RowProblem] = []
    years: set[int] = set()
    for row in rows:
        form = _registration(row, agency, supplement_days)
        try:
            case, event = register(
                form,
                actor,
                now,
                today,
                imported=True,
                outcome=row.outcome.value if row.outcome else None,
                concluded_on=row.concluded_on,
            )
        except DomainError as exc:
            message = f"第{row.line}行：{exc.message}"
            problems.append(RowProblem(row.line, exc.field, exc.rule or "", message))
            continue
        years.update(years_counted(case.received_on, case.concluded_on, today))
        cases.append((case, event))
    if problems:
        raise LedgerError(problems)
    return cases, years


def _registration(row: LedgerRow, agency: str, supplement_days: int) -> Registration:
    return Registration(
        agency=agency,
        applicant_name=row.applicant_name,
        applicant_type=row.applicant_type.value,
        channel=row.channel.value,
        received_on=row.received_on,
        content=row.content,
        case_no=row.case_no,
        supplement_days=supplement_days,
    )


def _check_existing(uow: Any, rows: list[LedgerRow]) -> None:
    """Case numbers already in the database make the whole file fail, each named by its row."""
    taken = uow.cases.numbers_taken(r.case_no for r in rows)
    problems = [
        RowProblem(
            r.line,
            "case_no",
            "申请编号不得重复",
            f"第{r.line}行：申请编号“{r.case_no}”已存在于系统中",
        )
        for r in rows
        if r.case_no in taken
    ]
    if problems:
        raise LedgerError(problems)
