"""The calendar in the database: seeding, notices, overrides, status, and recomputing cases.

The calendar table holds every dated entry with its source (package / notice / manual), who
loaded it and when. Any change to the table recomputes every open case's projection in the
same transaction and records each due date that moved.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from domain.access import Actor, Role, require_role
from domain.calendar import (
    CalendarEntry,
    EntryKind,
    EntrySource,
    WorkCalendar,
    coverage_warning,
    package_entries,
)
from domain.case import project
from domain.errors import DomainError
from domain.notice import ParsedNotice

RECOMPUTE_BATCH = 2000


def seed_package(uow: Any, loaded_by: str) -> int:
    """Load the bundled package's entries once; returns how many were added."""
    if uow.calendar.counts_by_source().get(EntrySource.PACKAGE.value):
        return 0
    return uow.calendar.add(package_entries(), loaded_by, uow.now())


@dataclass(frozen=True)
class MovedDate:
    """An open case whose due date moved because the calendar changed."""

    case_no: str
    old_due: dt.date | None
    new_due: dt.date | None
    shift: int  # working days, on the new calendar


@dataclass(frozen=True)
class CalendarChange:
    """What a calendar change did: entries written and due dates that moved."""

    added: int
    replaced: int
    moved: list[MovedDate]


def import_notice(uow: Any, notice: ParsedNotice, *, actor: Actor, today: dt.date) -> CalendarChange:
    """Replace the notice entries of the notice's year and recompute every open case."""
    del today
    require_role(actor, {Role.ADMIN}, "导入节假日安排通知")
    if notice.problems:
        raise DomainError(
            "通知中有无法识别的内容，未导入：\n" + "\n".join(notice.problems),
            field="notice",
            rule="通知格式",
        )
    names = {
        first + dt.timedelta(days=i): label
        for label, first, last in notice.blocks
        for i in range((last - first).days + 1)
    }
    entries = [CalendarEntry(d, EntryKind.HOLIDAY, names.get(d, ""), EntrySource.NOTICE) for d in notice.holidays]
    entries += [CalendarEntry(d, EntryKind.WORKDAY, "调休上班", EntrySource.NOTICE) for d in notice.workdays]
    with uow.write():
        replaced = uow.calendar.remove_notice_year(notice.year)
        added = uow.calendar.add(entries, actor.name, uow.now())
        moved = recompute_open_cases(uow, f"导入{notice.year}年节假日安排通知")
    return CalendarChange(added, replaced, moved)


def set_override(
    uow: Any, day: dt.date, kind: EntryKind, name: str, *, actor: Actor, today: dt.date
) -> CalendarChange:
    """An administrator's manual entry for one day (replacing an earlier manual one)."""
    del today
    require_role(actor, {Role.ADMIN}, "人工调整日历")
    with uow.write():
        replaced = uow.calendar.remove_manual(day)
        uow.calendar.add([CalendarEntry(day, kind, name, EntrySource.MANUAL)], actor.name, uow.now())
        label = "调休上班" if kind is EntryKind.WORKDAY else "放假"
        moved = recompute_open_cases(uow, f"人工调整 {day.isoformat()} 为{label}")
    return CalendarChange(1, replaced, moved)


def recompute_open_cases(uow: Any, cause: str, calendar: WorkCalendar | None = None) -> list[MovedDate]:
    """Replay every open case against the calendar, in batches, inside the caller's
    transaction; records and returns each due date that moved."""
    calendar = calendar or uow.calendar.load()
    ids = uow.cases.open_ids()
    moved: list[MovedDate] = []
    now = uow.now()
    for start in range(0, len(ids), RECOMPUTE_BATCH):
        changes = []
        for stored in uow.cases.get_many(ids[start : start + RECOMPUTE_BATCH]):
            projection = project(stored.case, calendar)
            if projection == stored.projection:
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


def load_calendar(uow: Any) -> WorkCalendar:
    """The installation's calendar (one read transaction)."""
    with uow.read():
        return uow.calendar.load()


def installation_calendar(uow: Any) -> tuple[WorkCalendar, str | None]:
    """The database's calendar, or the bundled one with a sentence saying why it was used."""
    from domain.errors import DatabaseUnavailableError

    try:
        return load_calendar(uow), None
    except DatabaseUnavailableError as exc:
        return WorkCalendar.from_package(), (
            f"未使用本单位数据库中的日历（{exc.message}），按内置节假日数据计算"
        )
