"""Year end: the carried-out ledger, closes, locks and their audit trail (RULES §3)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from domain.yearend import carried_out_of
from store.models import (
    Agency,
    CaseRow,
    YearAudit,
    YearClose,
    YearLedger,
    YearLock,
    YearLockedLedger,
)
from store.predicates import compile_predicate


class YearRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def carried_out(self, agency_id: int, year: int) -> list[tuple[int, str, str]]:
        """(case id, case number, applicant type) of the agency's cases carried out of `year`."""
        return [
            (case_id, case_no, kind)
            for case_id, case_no, kind in self.session.execute(
                select(CaseRow.id, CaseRow.case_no, CaseRow.applicant_type)
                .where(CaseRow.agency_id == agency_id, compile_predicate(carried_out_of(year)))
                .order_by(CaseRow.id)
            ).all()
        ]

    def replace_ledger(
        self, agency_id: int, year: int, carried: Iterable[tuple[int, str, str]], at: dt.datetime
    ) -> None:
        self.session.execute(
            delete(YearLedger).where(YearLedger.agency_id == agency_id, YearLedger.year == year)
        )
        self.session.add_all(
            YearLedger(
                agency_id=agency_id, year=year, case_id=case_id, applicant_type=kind, recorded_at=at
            )
            for case_id, _, kind in carried
        )

    def record_close(
        self, agency_id: int, year: int, carried_out: int, balanced: bool, actor: str, at: dt.datetime
    ) -> None:
        existing = self.session.get(YearClose, (agency_id, year))
        if existing is None:
            self.session.add(
                YearClose(
                    agency_id=agency_id,
                    year=year,
                    carried_out=carried_out,
                    balanced=balanced,
                    closed_at=at,
                    closed_by=actor,
                )
            )
        else:
            existing.carried_out, existing.balanced = carried_out, balanced
            existing.closed_at, existing.closed_by = at, actor

    def is_closed(self, agency_id: int, year: int) -> bool:
        return self.session.get(YearClose, (agency_id, year)) is not None

    def is_locked(self, agency_id: int, year: int) -> bool:
        return self.session.get(YearLock, (agency_id, year)) is not None

    def locked_years(self, agency_id: int, years: Iterable[int]) -> list[int]:
        wanted = sorted(set(years))
        if not wanted:
            return []
        return sorted(
            self.session.execute(
                select(YearLock.year).where(YearLock.agency_id == agency_id, YearLock.year.in_(wanted))
            ).scalars()
        )

    def any_locked(self, agency_ids: Iterable[int], year: int) -> bool:
        return (
            self.session.execute(
                select(YearLock.year).where(
                    YearLock.agency_id.in_(list(agency_ids)), YearLock.year == year
                )
            ).first()
            is not None
        )

    def hold(self, agency_id: int, *, exclusive: bool) -> None:
        """Serialise year locking against changes to the agency's figures.

        A lock takes the agency row exclusively, a change that alters a year's figures takes it
        shared: so an answer and a lock of its year never both pass their checks unseen. On
        SQLite every write transaction already holds the whole database (BEGIN IMMEDIATE).
        """
        if self.session.get_bind().dialect.name == "sqlite":
            return
        query = select(Agency.id).where(Agency.id == agency_id)
        query = query.with_for_update() if exclusive else query.with_for_update(read=True)
        self.session.execute(query).first()

    def lock(self, agency_id: int, year: int, actor: str, at: dt.datetime) -> None:
        """Lock the year and keep the carried-out list it froze (kept after any unlock)."""
        self.session.add(YearLock(agency_id=agency_id, year=year, locked_at=at, locked_by=actor))
        self.session.flush()
        self.session.execute(
            insert(YearLockedLedger).from_select(
                ["agency_id", "year", "locked_at", "case_id", "applicant_type"],
                select(
                    YearLedger.agency_id,
                    YearLedger.year,
                    select(YearLock.locked_at)
                    .where(YearLock.agency_id == agency_id, YearLock.year == year)
                    .scalar_subquery(),
                    YearLedger.case_id,
                    YearLedger.applicant_type,
                ).where(YearLedger.agency_id == agency_id, YearLedger.year == year),
            )
        )

    def locked_lists(self, agency_id: int, year: int) -> list[tuple[dt.datetime, list[int]]]:
        """Every list a lock of the year froze, oldest first: (locked at, case ids)."""
        lists: dict[dt.datetime, list[int]] = {}
        for locked_at, case_id in self.session.execute(
            select(YearLockedLedger.locked_at, YearLockedLedger.case_id)
            .where(YearLockedLedger.agency_id == agency_id, YearLockedLedger.year == year)
            .order_by(YearLockedLedger.locked_at, YearLockedLedger.case_id)
        ).all():
            lists.setdefault(locked_at, []).append(case_id)
        return sorted(lists.items())

    def unlock(self, agency_id: int, year: int) -> bool:
        lock = self.session.get(YearLock, (agency_id, year))
        if lock is None:
            return False
        self.session.delete(lock)
        return True

    def audit(
        self, agency_id: int, year: int, action: str, actor: str, at: dt.datetime, reason: str = ""
    ) -> None:
        """Every close, lock and unlock leaves a row saying who, when and why."""
        self.session.add(
            YearAudit(
                agency_id=agency_id, year=year, action=action, actor=actor, reason=reason, at=at
            )
        )
        self.session.flush()
