"""The annual report's figures (counted in the database from `domain.yearend`), remedies, and
what staff write for a year."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from domain.report import Section3Counts
from domain.yearend import (
    carried_into,
    carried_out_of,
    concluded_in,
    counted_in,
    new_in,
    year_bounds,
)
from store.models import AnnualText, CaseRow, FeeRecord, Remedy, YearClose, YearLedger
from store.predicates import compile_predicate

CHUNK = 900


class ReportRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- section 三 ---------------------------------------------------------------------------

    def section3_counts(self, agency_ids: Sequence[int], year: int) -> Section3Counts:
        """New, carried in, carried out (per applicant type) and conclusions (per outcome and
        applicant type), each row's condition compiled from its domain definition."""
        in_scope = CaseRow.agency_id.in_(agency_ids)

        def tally(predicate: Any) -> Any:
            return func.sum(case((compile_predicate(predicate), 1), else_=0))

        counts = Section3Counts({}, {}, {}, {})
        rows = self.session.execute(
            select(
                CaseRow.applicant_type,
                tally(new_in(year)),
                tally(carried_into(year)),
                tally(carried_out_of(year)),
            )
            .where(in_scope, compile_predicate(counted_in(year)))
            .group_by(CaseRow.applicant_type)
        ).all()
        for applicant_type, n_new, n_in, n_out in rows:
            counts.new[applicant_type] = int(n_new or 0)  # type: ignore[index]
            counts.carried_in[applicant_type] = int(n_in or 0)  # type: ignore[index]
            counts.carried_out[applicant_type] = int(n_out or 0)  # type: ignore[index]
        concluded = self.session.execute(
            select(CaseRow.outcome, CaseRow.applicant_type, func.count())
            .where(in_scope, compile_predicate(concluded_in(year)))
            .group_by(CaseRow.outcome, CaseRow.applicant_type)
        ).all()
        counts.concluded = {(outcome, kind): n for outcome, kind, n in concluded}
        return counts

    def carried_into_ids(self, agency_ids: Sequence[int], year: int) -> set[int]:
        """Ids of the cases the live data carries into `year`."""
        return set(
            self.session.execute(
                select(CaseRow.id).where(
                    CaseRow.agency_id.in_(agency_ids), compile_predicate(carried_into(year))
                )
            ).scalars()
        )

    def recorded_carry(self, agency_ids: Sequence[int], year: int) -> dict[int, str] | None:
        """The carried-out list recorded when `year` was closed: case id → applicant type.

        None when some agency in scope never closed that year (nothing to compare with).
        """
        closed = self.session.execute(
            select(func.count())
            .select_from(YearClose)
            .where(YearClose.agency_id.in_(agency_ids), YearClose.year == year)
        ).scalar_one()
        if closed < len(set(agency_ids)):
            return None
        return dict(
            self.session.execute(
                select(YearLedger.case_id, YearLedger.applicant_type).where(
                    YearLedger.agency_id.in_(agency_ids), YearLedger.year == year
                )
            ).all()
        )

    def case_numbers(self, ids: set[int]) -> list[str]:
        ordered = sorted(ids)
        found: list[str] = []
        for start in range(0, len(ordered), CHUNK):
            found += self.session.execute(
                select(CaseRow.case_no).where(CaseRow.id.in_(ordered[start : start + CHUNK]))
            ).scalars()
        return sorted(found)

    # -- section 四 and fees --------------------------------------------------------------------

    def remedy_counts(self, agency_ids: Sequence[int], year: int) -> dict[tuple[str, str], int]:
        """Remedies filed in the year, by kind and by their result as it stood on 31 December."""
        first, last = year_bounds(year)
        at_year_end = case(
            (or_(Remedy.result_on.is_(None), Remedy.result_on > last), "pending"),
            else_=Remedy.result,
        )
        rows = self.session.execute(
            select(Remedy.kind, at_year_end, func.count())
            .join(CaseRow, CaseRow.id == Remedy.case_id)
            .where(CaseRow.agency_id.in_(agency_ids), Remedy.filed_on.between(first, last))
            .group_by(Remedy.kind, at_year_end)
        ).all()
        return {(kind, result): n for kind, result, n in rows}

    def fees_collected(self, agency_ids: Sequence[int], year: int) -> float:
        first, last = year_bounds(year)
        total = self.session.execute(
            select(func.coalesce(func.sum(FeeRecord.amount_yuan), 0))
            .join(CaseRow, CaseRow.id == FeeRecord.case_id)
            .where(CaseRow.agency_id.in_(agency_ids), FeeRecord.paid_on.between(first, last))
        ).scalar_one()
        return float(total)

    # -- remedies -----------------------------------------------------------------------------

    def add_remedy(self, values: dict[str, Any]) -> int:
        remedy = Remedy(**values)
        self.session.add(remedy)
        self.session.flush()
        return remedy.id

    def remedy(self, remedy_id: int) -> dict[str, Any] | None:
        row = self.session.get(Remedy, remedy_id)
        if row is None:
            return None
        agency_id = self.session.execute(
            select(CaseRow.agency_id).where(CaseRow.id == row.case_id)
        ).scalar_one()
        return {
            "id": row.id,
            "case_id": row.case_id,
            "agency_id": agency_id,
            "kind": row.kind,
            "filed_on": row.filed_on,
            "result": row.result,
            "result_on": row.result_on,
        }

    def update_remedy(self, remedy_id: int, **values: Any) -> None:
        row = self.session.get(Remedy, remedy_id)
        assert row is not None
        for name, value in values.items():
            setattr(row, name, value)

    def remedies(self, case_no: str | None = None) -> list[dict[str, Any]]:
        query = (
            select(Remedy, CaseRow.case_no)
            .join(CaseRow, CaseRow.id == Remedy.case_id)
            .order_by(Remedy.id)
        )
        if case_no:
            query = query.where(CaseRow.case_no == case_no)
        return [
            {
                "id": r.id,
                "case_no": no,
                "kind": r.kind,
                "filed_on": r.filed_on,
                "result": r.result,
                "result_on": r.result_on,
                "note": r.note,
            }
            for r, no in self.session.execute(query).all()
        ]

    # -- what staff write -----------------------------------------------------------------------

    def annual_text(self, agency_id: int, year: int) -> dict[str, Any] | None:
        text = self.session.get(AnnualText, (agency_id, year))
        if text is None:
            return None
        return {
            "section2": dict(text.section2 or {}),
            "overview": text.overview,
            "problems": text.problems,
            "other_matters": text.other_matters,
        }

    def save_annual_text(
        self, agency_id: int, year: int, values: dict[str, Any], actor: str, at: dt.datetime
    ) -> None:
        text = self.session.get(AnnualText, (agency_id, year))
        if text is None:
            text = AnnualText(
                agency_id=agency_id, year=year, section2={}, overview="", problems="", other_matters=""
            )
            self.session.add(text)
        for name, value in values.items():
            setattr(text, name, value)
        text.updated_by, text.updated_at = actor, at
