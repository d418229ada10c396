"""The calendar in the database: seeding, notices, errata, overrides, status, and recomputing.

The calendar table holds every dated entry with its source (package / erratum / notice /
manual), its festival, where it came from (the notice's number and date, or the notice that
proves an erratum), who loaded it and when. Coverage is the end of the last schedule year that
came from the package or a State Council notice.

Importing a notice is previewed before anything is written: the days parsed, the days whose
status changes against what is loaded, and the open cases whose dates would move. The same
function does the preview and the import (`dry_run` rolls the transaction back), so what the
administrator confirms is exactly what is written. Any change to the table recomputes every
open case's projection and records each deadline that moved: the answer due date, and the
deadline the office waits on (the applicant's 补正 period, the fee payment window, the
consulted party's window), each with its old and new date and the cause.

Recomputing, and why it is done in two ways. A calendar change must not hold the write lock
(on SQLite: the whole database) while a million cases are replayed, yet a small installation
should see its change and its effects commit together. So:

- up to `INLINE_LIMIT` open cases, the change replays them inside its own transaction
  (`replay_open_cases`): atomic, and the preview of a dry run is exactly what is written;
- beyond that, the change commits its entries first, then `recompute_open_cases` reads the
  open cases in batches (read transactions), computes their projections outside any
  transaction, and writes each batch in one short write transaction with version checks. A
  case acted on meanwhile was projected by its own action on the calendar then in force (the
  new one: it was committed first); it is re-read and planned again, never overwritten. The
  preview of a dry run plans the same batches without writing, so it names the same cases.
  Between the commit of the entries and the end of the batches some projections are still
  the old calendar's; running `recompute_open_cases` again is always safe (it rewrites only
  what differs) and finishes the work after a crash.

Both read each open case as a reduced history (`CaseHistory`: the row's projected columns and
each event's type, date and the payload keys a projection reads), not as an aggregate: cases
with the same reduced history, most of them at a million cases, share one projection
(`HistoryPlanner`), and only the cases whose projection differs are written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from domain.access import Actor, Role, authorize_case, require_role
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
from domain.case import Projection, ProjectionCache, case_for_projection
from domain.clock import Deadline, deadline_moves
from domain.errors import DatabaseUnavailableError, DomainError
from domain.notice import ParsedNotice, merge_notice
from store.repositories.calendar import build_calendar, bundled_calendar

# Cases per read transaction of a batched recompute: few round trips and commits (at a
# million open cases a commit per thousand cases costs more than the reading), still little
# memory. Only the cases whose projection changes are written, at most `WRITE_BATCH` per
# write transaction, which keeps the SQLite write lock well under a second even when a change
# moves every case.
RECOMPUTE_BATCH = 10_000
WRITE_BATCH = 2_000
INLINE_LIMIT = 2000  # open cases replayed inside the calendar change's own transaction
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
    """A deadline of an open case that moved because the calendar changed."""

    case_no: str
    old_due: dt.date | None
    new_due: dt.date | None
    shift: int  # working days, on the new calendar
    deadline: Deadline = Deadline.ANSWER

    @property
    def label(self) -> str:
        """The deadline's name as people read it (答复期限, 补正期限, …)."""
        return self.deadline.label


def moved_cases(moved: Iterable[MovedDate]) -> int:
    """How many cases the moves concern (a case can have two deadlines moved)."""
    return len({m.case_no for m in moved})


def _first_cases(moved: list[MovedDate], limit: int) -> list[MovedDate]:
    """The moves of the first `limit` cases named (every deadline of each shown case)."""
    shown: set[str] = set()
    kept = []
    for move in moved:
        if move.case_no not in shown:
            if len(shown) == limit:
                break
            shown.add(move.case_no)
        kept.append(move)
    return kept


@dataclass(frozen=True)
class CalendarChange:
    """What a calendar change did (or, in a dry run, would do).

    `moved` lists the deadlines that move, case by case, for the first `PREVIEW_CASES`
    cases; `moved_count` is always the number of open cases with a deadline that moves.
    """

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
        cause = f"导入{notice.year}年{label}（{origin}）"
        moved = _replay_if_few(uow, cause, after)
        days = diff_calendars(before, after, _years_touched(notice, entries))
        if dry_run:
            uow.discard()
    if moved is None:
        moved = _after_commit(uow, cause, after, dry_run)
    change = CalendarChange(
        added=len(entries),
        replaced=replaced,
        moved=_first_cases(moved, PREVIEW_CASES),
        moved_count=moved_cases(moved),
        days=days,
        written=not dry_run,
    )
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
        cause = f"人工调整 {day.isoformat()} 为{label}"
        moved = _replay_if_few(uow, cause, after)
        days = diff_calendars(before, after, range(day.year, day.year + 1))
    if moved is None:
        moved = _after_commit(uow, cause, after, dry_run=False)
    return CalendarChange(
        1, replaced, _first_cases(moved, PREVIEW_CASES), moved_cases(moved), days, True
    )


def _replay_if_few(uow: Any, cause: str, calendar: WorkCalendar) -> list[MovedDate] | None:
    """Inside the calendar change's transaction: replay the open cases there when they are
    few (the change and its effects commit together); None when they are many."""
    if uow.cases.open_count() > INLINE_LIMIT:
        return None
    return replay_open_cases(uow, cause, calendar)


def _after_commit(
    uow: Any, cause: str, calendar: WorkCalendar, dry_run: bool
) -> list[MovedDate]:
    """Many open cases: after the calendar change committed, recompute them in batches
    (never holding the write lock long); a preview only plans, reading in batches."""
    if not dry_run:
        return recompute_open_cases(uow, cause, calendar).moved
    moved: list[MovedDate] = []
    planner = HistoryPlanner(calendar)
    after = 0
    while True:
        with uow.read():
            histories = uow.cases.open_histories(after=after, limit=RECOMPUTE_BATCH)
        if not histories:
            return moved
        after = histories[-1].id
        moved += [move for plan in planner.plan(histories) for move in plan.moved]


def replay_open_cases(uow: Any, cause: str, calendar: WorkCalendar) -> list[MovedDate]:
    """Replay every open case against the calendar inside the caller's write transaction
    (atomic with the calendar entries; used up to `INLINE_LIMIT` open cases); records and
    returns each deadline that moved."""
    moved: list[MovedDate] = []
    now = uow.now()
    planner = HistoryPlanner(calendar)
    after = 0
    while histories := uow.cases.open_histories(after=after, limit=RECOMPUTE_BATCH):
        after = histories[-1].id
        plans = planner.plan(histories)
        uow.cases.set_projections([(plan.case_id, plan.projection) for plan in plans])
        moved += _record_moves(uow, plans, {plan.case_id for plan in plans}, cause, now)
        uow.flush()
    return moved


@dataclass(frozen=True)
class Replan:
    """A case whose projection differs on the new calendar, the version it was read at, and
    the deadlines that move (none when only, say, the provisional flag changes)."""

    case_id: int
    version: int
    projection: Projection
    moved: tuple[MovedDate, ...] = ()


def plan_recompute(
    cases: Iterable[Any], calendar: WorkCalendar, cache: ProjectionCache | None = None
) -> list[Replan]:
    """The new projection of each stored case whose projection the calendar changes (pure:
    no database, no lock). Pass one `cache` for all batches: cases sharing a history are
    projected once. This is the path over full aggregates; the bulk recompute plans with
    `HistoryPlanner`, and the tests check the two agree."""
    # not `cache or …`: an empty cache is falsy (it has a length), and each batch would then
    # get a fresh one and project every distinct history again
    if cache is None:
        cache = ProjectionCache(calendar)
    shifts: dict[tuple[dt.date | None, dt.date | None], int] = {}
    plans = []
    for stored in cases:
        projection = cache.project(stored.case)
        # the sweep moves next_reminder_on past what it recorded: not a calendar change
        if replace(projection, next_reminder_on=stored.projection.next_reminder_on) == (
            stored.projection
        ):
            continue
        moves = _moves(stored.case.case_no, stored.projection, projection, calendar, shifts)
        plans.append(Replan(stored.id, stored.version, projection, moves))
    return plans


class HistoryPlanner:
    """`plan_recompute` for what a bulk recompute reads (`CaseHistory`: the row's compared
    columns and each event's type, date and projection keys), without an aggregate per case.

    Cases with the same reduced history share one projection: the first is rebuilt for
    projecting (`case_for_projection`) and projected through the `ProjectionCache`; the
    others cost a dictionary look-up and a tuple comparison. Keep one planner for all batches
    of a recompute.
    """

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar
        self.cache = ProjectionCache(calendar)
        self._projected: dict[Any, tuple[Projection, tuple[Any, ...]]] = {}
        self._shifts: dict[tuple[dt.date | None, dt.date | None], int] = {}

    def plan(self, histories: Iterable[Any]) -> list[Replan]:
        """The cases whose compared columns differ from their projection on the calendar."""
        plans = []
        projected = self._projected
        for case in histories:
            found = projected.get(case.history)
            if found is None:
                projection = self.cache.project(case_for_projection(case.steps()))
                compared = tuple(projection.as_dict().values())[: len(case.stored)]
                found = projected[case.history] = (projection, compared)
            projection, compared = found
            if compared == case.stored:
                continue
            moves = _moves(case.case_no, Projection(*case.stored), projection, self.calendar,
                           self._shifts)
            plans.append(Replan(case.id, case.version, projection, moves))
        return plans


def _moves(
    case_no: str,
    before: Projection,
    after: Projection,
    calendar: WorkCalendar,
    shifts: dict[tuple[dt.date | None, dt.date | None], int],
) -> tuple[MovedDate, ...]:
    """The deadlines that moved from `before` to `after`, each with its shift in working days
    (counted once per (old, new) pair in `shifts`: many cases move the same way)."""
    moves = []
    for move in deadline_moves(before, after):
        pair = (move.old, move.new)
        if pair not in shifts:
            shifts[pair] = _shift(calendar, move.old, move.new)
        moves.append(MovedDate(case_no, move.old, move.new, shifts[pair], move.deadline))
    return tuple(moves)


def _shift(calendar: WorkCalendar, old: dt.date | None, new: dt.date | None) -> int:
    """Working days from the old date to the new one, on the new calendar (0 when either
    side has no date)."""
    if old is None or new is None:
        return 0
    return calendar.workdays_between(old, new).count


def _record_moves(
    uow: Any, plans: list[Replan], written: set[int], cause: str, now: dt.datetime
) -> list[MovedDate]:
    """Record every deadline that moved in the cases written (one bulk insert)."""
    moved = [(plan.case_id, move) for plan in plans if plan.case_id in written for move in plan.moved]
    uow.cases.record_due_changes(
        [
            {
                "case_id": case_id,
                "deadline": move.deadline,
                "old_due": move.old_due,
                "new_due": move.new_due,
                "shift_days": move.shift,
                "cause": cause,
                "at": now,
            }
            for case_id, move in moved
        ]
    )
    return [move for _, move in moved]


@dataclass
class Recompute:
    """What a batched recompute did: `moved` holds every deadline that moved."""

    cases: int = 0
    rewritten: int = 0
    retried: int = 0
    moved: list[MovedDate] = field(default_factory=list)

    @property
    def moved_cases(self) -> int:
        return moved_cases(self.moved)


def recompute_open_cases(
    uow: Any,
    cause: str,
    calendar: WorkCalendar,
    *,
    batch: int = RECOMPUTE_BATCH,
    write_batch: int = WRITE_BATCH,
    between: Callable[[list[Replan]], None] | None = None,
) -> Recompute:
    """Replay every open case against `calendar` without holding a write lock while reading
    or computing: each batch is read in a read transaction, projected outside any
    transaction, then its changed cases are written in short write transactions (at most
    `write_batch` cases each) with version checks. A case
    acted on in between is not overwritten (its action projected it, on the calendar then in
    force); it is re-read and planned again. `between` is called after a batch is planned and
    before it is written (tests use it to act on a case at exactly that moment).

    The caller must not hold a transaction: the calendar change is committed first.
    """
    result = Recompute()
    planner = HistoryPlanner(calendar)
    after = 0
    while True:
        with uow.read():
            histories = uow.cases.open_histories(after=after, limit=batch)
        if not histories:
            break
        after = histories[-1].id
        result.cases += len(histories)
        planned = planner.plan(histories)
        for start in range(0, len(planned), write_batch):
            _write_plans(uow, planner, planned[start : start + write_batch], cause, between, result)
    return result


def _write_plans(
    uow: Any,
    planner: HistoryPlanner,
    plans: list[Replan],
    cause: str,
    between: Callable[[list[Replan]], None] | None,
    result: Recompute,
) -> None:
    """Write planned projections in one write transaction with version checks; the cases
    acted on since they were read are read and planned again until none is left."""
    while plans:
        if between is not None:
            between(plans)
        with uow.write():
            written = set(
                uow.cases.set_projections_if_version(
                    [(p.case_id, p.version, p.projection) for p in plans]
                )
            )
            result.moved += _record_moves(uow, plans, written, cause, uow.now())
        result.rewritten += len(written)
        stale = [p.case_id for p in plans if p.case_id not in written]
        if not stale:
            return
        result.retried += len(stale)
        with uow.read():
            plans = planner.plan(uow.cases.histories_of(stale))


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


def case_due_changes(uow: Any, case_no: str, *, actor: Actor) -> list[dict[str, Any]]:
    """The deadlines of one case that calendar changes moved, oldest first: `deadline` (code)
    and its `label` (答复期限, 补正期限, …), `old_due`, `new_due`, `shift_days`, `cause`, `at`."""
    with uow.read():
        stored = uow.cases.get(case_no)
        authorize_case(
            actor, None, agency=stored.agency, assignee=stored.assignee, case_no=stored.case.case_no
        )
        rows = uow.queries.due_changes(stored.id)
    return [{**row, "label": Deadline(row["deadline"]).label} for row in rows]


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
