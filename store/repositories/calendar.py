"""The calendar table: dated entries with their source, and the calendar built from them.

Building a `WorkCalendar` costs tens of milliseconds and every action needs one, so a
`CalendarCache` (one per database, owned by whoever makes the units of work) keeps the last
one and rebuilds it only when the table's fingerprint (row count, highest id, latest load
time) changes; the table changes a few times a year.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from threading import Lock
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from domain.calendar import (
    CalendarEntry,
    EntryKind,
    EntrySource,
    WorkCalendar,
    coverage_of,
    errata_entries,
)
from store.db import execute_core
from store.models import CalendarEntryRow


class CalendarCache:
    """The last calendar built, per database URL, with the fingerprint it was built from."""

    def __init__(self) -> None:
        self._calendars: dict[str, tuple[tuple[object, ...], WorkCalendar]] = {}
        self._lock = Lock()

    def get(self, key: str, fingerprint: tuple[object, ...]) -> WorkCalendar | None:
        with self._lock:
            cached = self._calendars.get(key)
        return cached[1] if cached is not None and cached[0] == fingerprint else None

    def put(self, key: str, fingerprint: tuple[object, ...], calendar: WorkCalendar) -> None:
        with self._lock:
            self._calendars[key] = (fingerprint, calendar)


def bundled_calendar() -> WorkCalendar:
    """The calendar without a database: the package's schedule corrected by the errata."""
    from seeds import errata_items

    return WorkCalendar.from_package(errata_entries(errata_items()))


def build_calendar(entries: Sequence[CalendarEntry]) -> WorkCalendar:
    """A calendar from stored entries; coverage from the schedule years of the package and the
    notices (an empty table means the bundled schedule)."""
    if not entries:
        return bundled_calendar()
    official = {e.year for e in entries if e.source in (EntrySource.PACKAGE, EntrySource.NOTICE)}
    return WorkCalendar(entries, coverage_of(y for y in official if y is not None))



@functools.cache
def _fingerprint_sql() -> Select[Any]:
    """What tells a cached calendar from a changed table; asked by every action and page."""
    return select(func.count(), func.max(CalendarEntryRow.id), func.max(CalendarEntryRow.loaded_at))

class CalendarRepository:
    def __init__(self, session: Session, cache: CalendarCache) -> None:
        self.session = session
        self.cache = cache

    def load(self) -> WorkCalendar:
        """The calendar of the table (the bundled schedule when the table is empty)."""
        fingerprint = tuple(execute_core(self.session, _fingerprint_sql()).one())
        key = self.session.connection().engine.url.render_as_string(hide_password=False)
        calendar = self.cache.get(key, fingerprint)
        if calendar is None:
            calendar = build_calendar(self.entries())
            self.cache.put(key, fingerprint, calendar)
        return calendar

    def entries(self) -> list[CalendarEntry]:
        return [
            CalendarEntry(
                row.day,
                EntryKind(row.kind),
                row.name,
                EntrySource(row.source),
                festival=row.festival,
                origin=row.origin,
                year=row.schedule_year,
            )
            for row in self.session.execute(select(CalendarEntryRow)).scalars()
        ]

    def counts_by_source(self) -> dict[str, int]:
        return dict(
            self.session.execute(
                select(CalendarEntryRow.source, func.count()).group_by(CalendarEntryRow.source)
            ).all()
        )

    def add(self, entries: Iterable[CalendarEntry], loaded_by: str, at: dt.datetime) -> int:
        rows = [
            CalendarEntryRow(
                day=e.day,
                kind=e.kind.value,
                name=e.name,
                source=e.source.value,
                schedule_year=e.year or e.day.year,
                festival=e.festival,
                origin=e.origin[:120],
                loaded_by=loaded_by,
                loaded_at=at,
            )
            for e in entries
        ]
        self.session.add_all(rows)
        self.session.flush()
        return len(rows)

    def remove_notice_year(self, year: int) -> int:
        """Delete the notice entries of one schedule year; returns how many."""
        result = self.session.execute(
            delete(CalendarEntryRow).where(
                CalendarEntryRow.source == EntrySource.NOTICE.value,
                CalendarEntryRow.schedule_year == year,
            )
        )
        return result.rowcount or 0

    def remove_manual(self, day: dt.date) -> int:
        result = self.session.execute(
            delete(CalendarEntryRow).where(
                CalendarEntryRow.source == EntrySource.MANUAL.value, CalendarEntryRow.day == day
            )
        )
        return result.rowcount or 0
