"""The calendar in the database: seeding, notices, overrides, status, and recomputing cases.

The calendar table holds every dated entry with its source (package / notice / manual), who
loaded it and when. Coverage is the end of the last year whose schedule came from the
package or a State Council notice. Any change to the table recomputes every open case's
projection in the same transaction and records each due date that moved.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from domain.calendar import (
    CalendarEntry,
    EntryKind,
    EntrySource,
    WorkCalendar,
    coverage_of,
    coverage_warning,
    package_entries,
)
from domain.errors import DomainError
from domain.notice import ParsedNotice
from services.clock_time import now_utc, today_shanghai
from store.db import read_session, write_session
from store.models import CalendarEntryRow

_CALENDARS: dict[str, tuple[tuple[object, ...], WorkCalendar]] = {}


def load_calendar(session: Session) -> WorkCalendar:
    """The calendar of the table (the package's data when the table is empty).

    Building it costs tens of milliseconds, so it is kept per database and rebuilt only when
    the table's fingerprint (row count, highest id, latest load time) changes — every action
    asks for it, and the table changes a few times a year.
    """
    url = session.get_bind().url.render_as_string(hide_password=False)
    fingerprint = tuple(
        session.execute(
            select(
                func.count(), func.max(CalendarEntryRow.id), func.max(CalendarEntryRow.loaded_at)
            )
        ).one()
    )
    cached = _CALENDARS.get(url)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    calendar = _build_calendar(session)
    _CALENDARS[url] = (fingerprint, calendar)
    return calendar


def _build_calendar(session: Session) -> WorkCalendar:
    rows = session.execute(
        select(
            CalendarEntryRow.day,
            CalendarEntryRow.kind,
            CalendarEntryRow.name,
            CalendarEntryRow.source,
            CalendarEntryRow.schedule_year,
        )
    ).all()
    if not rows:
        return WorkCalendar.from_package()
    # The schedule year decides which package year a notice shadows (domain.calendar).
    entries = [
        CalendarEntry(day, EntryKind(kind), name, EntrySource(source), year=year)
        for day, kind, name, source, year in rows
    ]
    official_years = {
        year
        for _, _, _, source, year in rows
        if source in (EntrySource.PACKAGE, EntrySource.NOTICE)
    }
    return WorkCalendar(entries, coverage_of(official_years))


def seed_package(session: Session, loaded_by: str) -> int:
    """Load the bundled package's entries once; returns how many were added."""
    exists = session.execute(
        select(func.count())
        .select_from(CalendarEntryRow)
        .where(CalendarEntryRow.source == "package")
    ).scalar_one()
    if exists:
        return 0
    now = now_utc()
    entries = package_entries()
    session.add_all(
        CalendarEntryRow(
            day=e.day,
            kind=e.kind.value,
            name=e.name,
            source=e.source.value,
            schedule_year=_schedule_year(e.day, e.kind),
            loaded_by=loaded_by,
            loaded_at=now,
        )
        for e in entries
    )
    return len(entries)


def _schedule_year(day: dt.date, kind: EntryKind) -> int:
    """A late-December make-up day can belong to next year's schedule; the year is what counts
    for coverage, and the package's own years are whole, so the day's year is right here."""
    return day.year


@dataclass(frozen=True)
class CalendarChange:
    """What a calendar change did: entries written and due dates that moved."""

    added: int
    replaced: int
    moved: list[tuple[str, dt.date | None, dt.date | None, int]]  # case_no, old, new, shift


def import_notice(engine: Engine, notice: ParsedNotice, loaded_by: str) -> CalendarChange:
    """Replace the notice entries of the notice's year and recompute every open case."""
    from services.recompute import recompute_open_cases

    if notice.problems:
        raise DomainError(
            "通知中有无法识别的内容，未导入：\n" + "\n".join(notice.problems),
            field="notice",
            rule="通知格式",
        )
    with write_session(engine) as session:
        replaced = session.execute(
            delete(CalendarEntryRow).where(
                CalendarEntryRow.source == "notice", CalendarEntryRow.schedule_year == notice.year
            )
        ).rowcount
        now = now_utc()
        rows = [(d, EntryKind.HOLIDAY) for d in notice.holidays]
        rows += [(d, EntryKind.WORKDAY) for d in notice.workdays]
        names = {day: label for label, first, last in notice.blocks for day in _span(first, last)}
        session.add_all(
            CalendarEntryRow(
                day=day,
                kind=kind.value,
                name=names.get(day, "") if kind is EntryKind.HOLIDAY else "调休上班",
                source="notice",
                schedule_year=notice.year,
                loaded_by=loaded_by,
                loaded_at=now,
            )
            for day, kind in rows
        )
        session.flush()
        moved = recompute_open_cases(session, f"导入{notice.year}年节假日安排通知")
    return CalendarChange(len(rows), replaced or 0, moved)


def set_override(
    engine: Engine, day: dt.date, kind: EntryKind, name: str, loaded_by: str
) -> CalendarChange:
    """An administrator's manual entry for one day (replacing an earlier manual one)."""
    from services.recompute import recompute_open_cases

    with write_session(engine) as session:
        replaced = session.execute(
            delete(CalendarEntryRow).where(
                CalendarEntryRow.source == "manual", CalendarEntryRow.day == day
            )
        ).rowcount
        session.add(
            CalendarEntryRow(
                day=day,
                kind=kind.value,
                name=name,
                source="manual",
                schedule_year=day.year,
                loaded_by=loaded_by,
                loaded_at=now_utc(),
            )
        )
        session.flush()
        label = "调休上班" if kind is EntryKind.WORKDAY else "放假"
        moved = recompute_open_cases(session, f"人工调整 {day.isoformat()} 为{label}")
    return CalendarChange(1, replaced or 0, moved)


def _span(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


@dataclass(frozen=True)
class CalendarStatus:
    coverage: dt.date
    provisional_from: dt.date
    entries: dict[str, int]
    warning: str | None


def calendar_status(engine: Engine, today: dt.date | None = None) -> CalendarStatus:
    """Coverage, counts by source, and the warning administrators get from 1 November on."""
    today = today or today_shanghai()
    with read_session(engine) as session:
        calendar = load_calendar(session)
        counts = dict(
            session.execute(
                select(CalendarEntryRow.source, func.count()).group_by(CalendarEntryRow.source)
            ).all()
        )
    return CalendarStatus(
        calendar.coverage, calendar.provisional_from, counts, coverage_warning(calendar, today)
    )
