"""SQL aggregates behind the annual report: counted in the database, never row by row."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from domain.report import Section3Counts, year_bounds
from store.models import CaseRow, FeeRecord, Remedy, YearClose, YearLedger


def section3_counts(session: Session, agency_ids: Sequence[int], year: int) -> Section3Counts:
    """New, carried in, carried out (per applicant type) and conclusions (per outcome and type)."""
    first, last = year_bounds(year)
    in_scope = CaseRow.agency_id.in_(agency_ids)
    new = func.sum(case((CaseRow.received_on.between(first, last), 1), else_=0))
    carried_in = func.sum(
        case(
            (and_(CaseRow.received_on < first, or_(CaseRow.concluded_on.is_(None), CaseRow.concluded_on >= first)), 1),
            else_=0,
        )
    )
    carried_out = func.sum(
        case(
            (and_(CaseRow.received_on <= last, or_(CaseRow.concluded_on.is_(None), CaseRow.concluded_on > last)), 1),
            else_=0,
        )
    )
    counts = Section3Counts({}, {}, {}, {})
    rows = session.execute(
        select(CaseRow.applicant_type, new, carried_in, carried_out)
        .where(in_scope, CaseRow.received_on <= last, or_(CaseRow.concluded_on.is_(None), CaseRow.concluded_on >= first))
        .group_by(CaseRow.applicant_type)
    ).all()
    for applicant_type, n_new, n_in, n_out in rows:
        counts.new[applicant_type] = int(n_new or 0)  # type: ignore[index]
        counts.carried_in[applicant_type] = int(n_in or 0)  # type: ignore[index]
        counts.carried_out[applicant_type] = int(n_out or 0)  # type: ignore[index]
    concluded = session.execute(
        select(CaseRow.outcome, CaseRow.applicant_type, func.count())
        .where(in_scope, CaseRow.concluded_on.between(first, last))
        .group_by(CaseRow.outcome, CaseRow.applicant_type)
    ).all()
    counts.concluded = {(outcome, applicant_type): n for outcome, applicant_type, n in concluded}
    return counts


def carried_into(session: Session, agency_ids: Sequence[int], year: int) -> set[int]:
    """Ids of the cases the live data carries into `year`."""
    first, _ = year_bounds(year)
    return set(
        session.execute(
            select(CaseRow.id).where(
                CaseRow.agency_id.in_(agency_ids),
                CaseRow.received_on < first,
                or_(CaseRow.concluded_on.is_(None), CaseRow.concluded_on >= first),
            )
        ).scalars()
    )


def recorded_carry(session: Session, agency_ids: Sequence[int], year: int) -> dict[int, str] | None:
    """The carried-out list recorded when `year` was closed: case id → applicant type.

    None when some agency in scope never closed that year (nothing to compare with).
    """
    closed = session.execute(
        select(func.count()).select_from(YearClose).where(YearClose.agency_id.in_(agency_ids), YearClose.year == year)
    ).scalar_one()
    if closed < len(set(agency_ids)):
        return None
    return dict(
        session.execute(
            select(YearLedger.case_id, YearLedger.applicant_type).where(
                YearLedger.agency_id.in_(agency_ids), YearLedger.year == year
            )
        ).all()
    )


def case_numbers(session: Session, ids: set[int]) -> list[str]:
    if not ids:
        return []
    found: list[str] = []
    ordered = sorted(ids)
    for start in range(0, len(ordered), 900):
        found += session.execute(
            select(CaseRow.case_no).where(CaseRow.id.in_(ordered[start : start + 900]))
        ).scalars().all()
    return sorted(found)


def remedy_counts(session: Session, agency_ids: Sequence[int], year: int) -> dict[tuple[str, str], int]:
    """Remedies filed in the year, by kind and by their result as it stood on 31 December."""
    first, last = year_bounds(year)
    result_at_year_end = case(
        (or_(Remedy.result_on.is_(None), Remedy.result_on > last), "pending"), else_=Remedy.result
    )
    rows = session.execute(
        select(Remedy.kind, result_at_year_end, func.count())
        .join(CaseRow, CaseRow.id == Remedy.case_id)
        .where(CaseRow.agency_id.in_(agency_ids), Remedy.filed_on.between(first, last))
        .group_by(Remedy.kind, result_at_year_end)
    ).all()
    return {(kind, result): n for kind, result, n in rows}


def fees_collected(session: Session, agency_ids: Sequence[int], year: int) -> float:
    first, last = year_bounds(year)
    total = session.execute(
        select(func.coalesce(func.sum(FeeRecord.amount_yuan), 0))
        .join(CaseRow, CaseRow.id == FeeRecord.case_id)
        .where(CaseRow.agency_id.in_(agency_ids), FeeRecord.paid_on.between(first, last))
    ).scalar_one()
    return float(total)


def carried_out_cases(session: Session, agency_id: int, year: int) -> list[tuple[int, str, str, int | None]]:
    """(case id, case number, applicant type, assignee id) of the agency's cases carried out of `year`."""
    _, last = year_bounds(year)
    return [
        tuple(r)  # type: ignore[misc]
        for r in session.execute(
            select(CaseRow.id, CaseRow.case_no, CaseRow.applicant_type, CaseRow.assignee_id).where(
                CaseRow.agency_id == agency_id,
                CaseRow.received_on <= last,
                or_(CaseRow.concluded_on.is_(None), CaseRow.concluded_on > last),
            ).order_by(CaseRow.id)
        ).all()
    ]


