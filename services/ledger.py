"""Importing an office's existing ledger (台账): validate everything, then write everything.

The file is checked as a whole first (`formats.ledger.read_ledger`), then against the database
(agency exists, case numbers not already used); any problem rejects the whole file and
nothing is written. Imported cases keep their outcome and dates as historical facts; open
ones get a live deadline counted from their date of receipt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select

from domain.errors import DomainError
from formats.ledger import LedgerError, LedgerRow, RowProblem, read_ledger
from services.calendar_service import load_calendar
from services.cases import NewCase, insert_case
from services.clock_time import today_shanghai
from services.directory import agency_by_code
from store.db import write_session
from store.models import CaseRow


@dataclass(frozen=True)
class ImportResult:
    rows: int
    open_cases: int
    concluded: int
    dry_run: bool


def import_ledger(
    engine: Engine,
    path: Path,
    agency: str,
    username: str,
    *,
    dry_run: bool = False,
    today: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import the file in one transaction; with `dry_run`, validate and roll back."""
    today = today or today_shanghai()
    rows = read_ledger(path, today=today)
    with write_session(engine) as session:
        agency_by_code(session, agency)
        _check_existing(session, rows)
        calendar = load_calendar(session)
        for done, row in enumerate(rows, start=1):
            try:
                insert_case(
                    session,
                    _new_case(row, agency),
                    username,
                    today=today,
                    case_no=row.case_no,
                    outcome=row.outcome.value if row.outcome else None,
                    concluded_on=row.concluded_on,
                    calendar=calendar,
                )
            except DomainError as exc:
                raise LedgerError(
                    [
                        RowProblem(
                            row.line, exc.field, exc.rule or "", f"第{row.line}行：{exc.message}"
                        )
                    ]
                ) from None
            if progress and (done % 500 == 0 or done == len(rows)):
                progress(done, len(rows))
        if dry_run:
            session.rollback()
    concluded = sum(1 for r in rows if r.outcome is not None)
    return ImportResult(len(rows), len(rows) - concluded, concluded, dry_run)


def _new_case(row: LedgerRow, agency: str) -> NewCase:
    return NewCase(
        agency=agency,
        applicant_name=row.applicant_name,
        applicant_type=row.applicant_type.value,
        channel=row.channel.value,
        received_on=row.received_on,
        content=row.content,
    )


def _check_existing(session, rows: list[LedgerRow]) -> None:  # type: ignore[no-untyped-def]
    """Case numbers already in the database make the whole file fail, each named by its row."""
    numbers = [r.case_no for r in rows]
    taken: set[str] = set()
    for start in range(0, len(numbers), 900):
        taken |= set(
            session.execute(
                select(CaseRow.case_no).where(CaseRow.case_no.in_(numbers[start : start + 900]))
            ).scalars()
        )
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
