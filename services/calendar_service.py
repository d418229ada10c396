"""The calendar in the database: seeding, notices, errata, overrides, status, and recomputing.

The calendar table holds every dated entry with its source (package / erratum / notice /
manual), its festival, where it came from (the notice's number and date, or the notice that
proves an erratum), who loaded it and when. Coverage is the end of the last schedule year that
came from the package or a State Council notice.

Importing a notice is previewed before anything is written: the days parsed, the days whose
status changes against what is loaded, and the open cases whose dates would move. The same
function does the preview and the import (`dry_run` rolls the transaction back), so what the
administrator confirms is exactly what is written. Any change to the table recomputes every
open case's projection in the same transaction and records each due date that moved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from domain.access import Actor, Role, require_role
from domain.calendar import (
    FIRST_YEAR,
    LAST_YEAR,
    CalendarEntry,
    EntryKind,
    EntrySource,
    WorkCalendar,
    YearSchedule,
    coverage_warning,
    errata_entries,
    package_entries,
    year_schedule,
)
from domain.case import project
from domain.errors import DatabaseUnavailableError, DomainError
from domain.notice import ParsedNotice, merge_notice
from store.repositories.calendar import build_calendar, bundled_calendar

RECOMPUTE_BATCH = 2000
PREVIEW_CASES = 20  # how many moved cases a preview names; the count is always complete


def seed_package(uow: Any, loaded_by: str) -> int:
    """Load the bundled package's entries and the errata once; returns how many were added."""
    from seeds import errata_items

    counts = uow.calendar.counts_by_source()
    added: list[CalendarEntry] = []
    if not counts.get(EntrySource.PACKAGE.value):
        added += package_entries()
    if not counts.get(EntrySource.ERRATUM.value):
        added += errata_entries(errata_items())
    return uow.calendar.add(added, loaded_by, uow.now()) if added else 0


# -- changes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayChange:
    """A day whose working status or source differs between two calendars."""

    day: dt.date
    was_workday: bool
    now_workday: bool
    was_source: str
    now_source: str
    name: str

    @property
    def status_changed(self) -> bool:
        return self.was_workday != self.now_workday


@dataclass(frozen=True)
class MovedDate:
    """An open case whose due date moved because the calendar changed."""

    case_no: str
    old_due: dt.date | None
    new_due: dt.date | None
    shift: int  # working days, on the new calendar


@dataclass(frozen=True)
class CalendarChange:
    """What a calendar change did (or, in a dry run, would do)."""

    added: int
    replaced: int
    moved: list[MovedDate]
    moved_count: int
    days: list[DayChange]
    written: bool


@dataclass(frozen=True)
class NoticeImport:
    """A notice's import: what was parsed, what it replaces, and what it changes."""

    notice: ParsedNotice
    origin: str
    festivals: tuple[str, ...]  # the festivals whose entries are replaced (all, for a schedule)
    entries: list[CalendarEntry]  # the notice entries of the year after the import
    change: CalendarChange


def import_notice(
    uow: Any, notice: ParsedNotice, *, actor: Actor, today: dt.date, dry_run: bool = False
) -> NoticeImport:
    """Load a notice (schedule, adjustment or extension) and recompute every open case.

    A schedule notice replaces the notice entries of its year; an adjustment or extension
    replaces only the entries of the festivals it names. With `dry_run` everything is
    computed, nothing is kept: this is the preview the administrator confirms.
    """
    del today  # the import does not depend on today; kept for the services' common shape
    require_role(actor, {Role.ADMIN}, "导入节假日安排通知")
    if notice.problems:
        raise DomainError(
            "通知中有无法识别的内容，未导入：\n" + "\n".join(notice.problems),
            field="notice",
            rule="通知格式",
        )
    origin = notice.origin
    with uow.write():
        before = uow.calendar.load()
        stored = uow.calendar.entries()
        in_year = [e for e in stored if e.year == notice.year]
        current = [e for e in in_year if e.source is EntrySource.NOTICE]
        if not current:  # no notice loaded for that year yet: the package's schedule is in force
            current = [e for e in in_year if e.source is EntrySource.PACKAGE]
        entries = merge_notice(current, notice, origin)
        others = [
            e for e in stored if not (e.source is EntrySource.NOTICE and e.year == notice.year)
        ]
        after = build_calendar([*others, *entries])
        replaced = uow.calendar.remove_notice_year(notice.year)
        uow.calendar.add(entries, actor.name, uow.now())
        label = "节假日安排通知" if notice.kind == "schedule" else "调整通知"
        moved = recompute_open_cases(uow, f"导入{notice.year}年{label}（{origin}）", after)
        change = CalendarChange(
            added=len(entries),
            replaced=replaced,
            moved=moved[:PREVIEW_CASES],
            moved_count=len(moved),
            days=diff_calendars(before, after, _years_touched(notice, entries)),
            written=not dry_run,
        )
        if dry_run:
            uow.discard()
    return NoticeImport(notice, origin, tuple(notice.festivals), entries, change)


def _years_touched(notice: ParsedNotice, entries: Iterable[CalendarEntry]) -> range:
    days = [e.day for e in entries] or [dt.date(notice.year, 1, 1)]
    return range(min(min(days).year, notice.year), max(max(days).year, notice.year) + 1)


def diff_calendars(before: WorkCalendar, after: WorkCalendar, years: range) -> list[DayChange]:
    """Days of `years` whose status or source differs between the two calendars."""
    changes = []
    day, last = dt.date(years.start, 1, 1), dt.date(years.stop - 1, 12, 31)
    while day <= last:
        was, now = before.is_workday(day), after.is_workday(day)
        was_source = _source(before, day, was.provisional)
        now_source = _source(after, day, now.provisional)
        if was.workday != now.workday or was_source != now_source:
            changes.append(
                DayChange(day, was.workday, now.workday, was_source, now_source, now.reason)
            )
        day += dt.timedelta(days=1)
    return changes


def _source(calendar: WorkCalendar, day: dt.date, provisional: bool) -> str:
    """Where a day's status comes from: its entry, the provisional rules, or the weekly rule."""
    entry = calendar.entry_for(day)
    if entry is not None:
        return entry.source.value
    return "provisional" if provisional else "weekday"


def set_override(
    uow: Any, day: dt.date, kind: EntryKind, name: str, *, actor: Actor, today: dt.date
) -> CalendarChange:
    """An administrator's manual entry for one day (replacing an earlier manual one)."""
    del today
    require_role(actor, {Role.ADMIN}, "人工调整日历")
    with uow.write():
        before = uow.calendar.load()
        replaced = uow.calendar.remove_manual(day)
        entry = CalendarEntry(day, kind, name, EntrySource.MANUAL, festival=name)
        uow.calendar.add([entry], actor.name, uow.now())
        after = build_calendar(uow.calendar.entries())
        label = "调休上班" if kind is EntryKind.WORKDAY else "放假"
        moved = recompute_open_cases(uow, f"人工调整 {day.isoformat()} 为{label}", after)
        days = diff_calendars(before, after, range(day.year, day.year + 1))
    return CalendarChange(1, replaced, moved[:PREVIEW_CASES], len(moved), days, True)


def recompute_open_cases(uow: Any, cause: str, calendar: WorkCalendar) -> list[MovedDate]:
    """Replay every open case against the calendar, in batches, inside the caller's
    transaction; records and returns each due date that moved."""
    ids = uow.cases.open_ids()
    moved: list[MovedDate] = []
    now = uow.now()
    for start in range(0, len(ids), RECOMPUTE_BATCH):
        changes = []
        for stored in uow.cases.get_many(ids[start : start + RECOMPUTE_BATCH]):
            projection = project(stored.case, calendar)
            # the sweep moves next_reminder_on past what it recorded: not a calendar change
            if replace(projection, next_reminder_on=stored.projection.next_reminder_on) == (
                stored.projection
            ):
                continue
            changes.append((stored.id, projection))
            old_due, new_due = stored.projection.due, projection.due
            if old_due == new_due:
                continue
            shift = 0
            if old_due is not None and new_due is not None:
                shift = calendar.workdays_between(old_due, new_due).count
            moved.append(MovedDate(stored.case.case_no, old_due, new_due, shift))
            uow.cases.record_due_change(stored.id, old_due, new_due, shift, cause, now)
        uow.cases.set_projections(changes)
        uow.flush()
    return moved


# -- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarStatus:
    coverage: dt.date
    provisional_from: dt.date
    entries: dict[str, int]
    warning: str | None


def calendar_status(uow: Any, *, today: dt.date) -> CalendarStatus:
    """Coverage, counts by source, and the warning administrators get from 1 November on."""
    with uow.read():
        calendar = uow.calendar.load()
        counts = uow.calendar.counts_by_source()
    return CalendarStatus(
        calendar.coverage, calendar.provisional_from, counts, coverage_warning(calendar, today)
    )


def calendar_year(uow: Any, year: int) -> YearSchedule:
    """A year as the engine counts it: entries in force, else the provisional rules."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError(
            f"年份（year）{year} 超出日历范围（{FIRST_YEAR}–{LAST_YEAR}）", field="year", rule="日历范围"
        )
    return year_schedule(load_calendar(uow), year)


def load_calendar(uow: Any) -> WorkCalendar:
    """The installation's calendar (one read transaction)."""
    with uow.read():
        return uow.calendar.load()


def installation_calendar(uow: Any) -> tuple[WorkCalendar, str | None]:
    """The database's calendar, or the bundled one with a sentence saying why it was used."""
    try:
        return load_calendar(uow), None
    except DatabaseUnavailableError as exc:
        return bundled_calendar(), f"未使用本单位数据库中的日历（{exc.message}），按内置节假日数据计算"
