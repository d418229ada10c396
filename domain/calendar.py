"""The working-day calendar (RULES §1).

A working day is Monday–Friday, minus declared holidays, plus make-up working weekend days
(调休上班日). The calendar is a table of dated entries — seeded from the `chinese_calendar`
package, corrected by errata, and extended by State Council notices and administrators'
overrides — and it knows its *coverage*: the last date for which the official schedule is
loaded. For one day the entry of the highest `SOURCE_PRIORITY` is in force, and a schedule
year with notice entries ignores the package's entries of that year: the notice is the whole
truth of its year.

A year that no package or notice covers is judged by the provisional calendar: weekends plus
the statutory holidays of 《全国年节及纪念日放假办法》 (2024 revision), with lunar festivals
computed by `lunardate` and 清明 by the solar-term formula, plus the 补假 its 第六条 requires
for a holiday on a Saturday or Sunday. Because next
year's 元旦 make-up days may fall in late December, answers touching a date after 20 December
of the last covered year are provisional too. Every answer says whether it is provisional; no
year ever raises, and nothing silently falls back to Monday–Friday.

Arithmetic answers from a sorted array of working-day ordinals (bisect), built once.
"""

from __future__ import annotations

import datetime as dt
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

import chinese_calendar
from lunardate import LunarDate

from domain.errors import DomainError

#: The span the calendar can answer; lunardate covers 1900–2099.
FIRST_YEAR = 2000
LAST_YEAR = 2099

WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


class EntryKind(StrEnum):
    """What a dated entry declares."""

    HOLIDAY = "holiday"  # a day off, whatever weekday it is
    WORKDAY = "workday"  # a working day, whatever weekday it is (调休上班)


class EntrySource(StrEnum):
    """Where an entry came from; `SOURCE_PRIORITY` says which wins when two name one day."""

    PACKAGE = "package"
    ERRATUM = "erratum"
    NOTICE = "notice"
    MANUAL = "manual"


#: For the same day the entry of the higher priority is in force. An erratum corrects the
#: package; a notice imported for the year is the State Council's own word and so beats both;
#: an administrator's manual entry beats everything (a local closure, a duty day).
SOURCE_PRIORITY: dict[EntrySource, int] = {
    EntrySource.PACKAGE: 0,
    EntrySource.ERRATUM: 1,
    EntrySource.NOTICE: 2,
    EntrySource.MANUAL: 3,
}

#: The source `calendar show` reports for a day decided by the provisional rules. It is never
#: stored: it only says that no entry decided the day.
PROVISIONAL_SOURCE = "provisional"

#: The statutory festivals in the order of 《全国年节及纪念日放假办法》; a combined block's
#: festival lists its names in this order, joined by "、" (2023: 中秋节、国庆节).
FESTIVALS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")


def festival_names(festival: str) -> tuple[str, ...]:
    """The single festivals a (possibly combined) festival label stands for."""
    return tuple(part for part in festival.split("、") if part)


def festival_matches(festival: str, wanted: str) -> bool:
    """Whether an entry's festival label includes the festival `wanted`.

    A combined block such as 2023's 中秋节、国庆节 belongs to both festivals, so an adjustment
    of either must find it.
    """
    return wanted in festival_names(festival)


def schedule_year_of(day: dt.date, festival: str) -> int:
    """The schedule year a dated fact belongs to.

    The 元旦 block (and its make-up Saturday) can start in late December: 2018-12-29..31
    belong to the 2019 schedule. Every other fact belongs to its own calendar year.
    """
    if day.month == 12 and festival_matches(festival, "元旦"):
        return day.year + 1
    return day.year


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One dated fact of the official schedule.

    `festival` lets an adjustment notice replace one festival's days and keep the rest;
    `origin` says which notice (number and date) a fact comes from, or which notice proves an
    erratum; `year` is the schedule year the fact belongs to, which is what decides coverage
    and which package year a notice replaces (2023's 元旦 block starts on 2022-12-31).
    """

    day: dt.date
    kind: EntryKind
    name: str = ""
    source: EntrySource = EntrySource.PACKAGE
    festival: str = ""
    origin: str = ""
    year: int | None = None

    def __post_init__(self) -> None:
        if self.year is None:
            object.__setattr__(self, "year", self.day.year)


class DayAnswer(NamedTuple):
    """Whether a day is a working day, why, and whether that is official."""

    workday: bool
    provisional: bool
    reason: str


class DateAnswer(NamedTuple):
    """A computed date and whether any day it depends on is past coverage."""

    day: dt.date
    provisional: bool


class CountAnswer(NamedTuple):
    """A count of working days and whether any day counted is past coverage."""

    count: int
    provisional: bool


def statutory_holidays(year: int) -> dict[dt.date, str]:
    """The statutory holidays of a year by the 2024 holiday law, for the provisional calendar.

    元旦 1 day, 春节 4 days (除夕 and 正月初一–初三), 清明 1, 劳动节 2 (5月1日–2日), 端午 1,
    中秋 1, 国庆 3 (10月1日–3日). Lunar dates are computed, not guessed.
    """
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise _out_of_range(dt.date(year, 1, 1))
    days: dict[dt.date, str] = {dt.date(year, 1, 1): "元旦"}
    new_year = LunarDate(year, 1, 1).to_solar_date()
    for offset in range(-1, 3):
        days[new_year + dt.timedelta(days=offset)] = "春节"
    days[_qingming(year)] = "清明节"
    days[dt.date(year, 5, 1)] = days[dt.date(year, 5, 2)] = "劳动节"
    days[LunarDate(year, 5, 5).to_solar_date()] = "端午节"
    _add_festival(days, LunarDate(year, 8, 15).to_solar_date(), "中秋节")
    for day in (1, 2, 3):
        _add_festival(days, dt.date(year, 10, day), "国庆节")
    return days


def _add_festival(days: dict[dt.date, str], day: dt.date, name: str) -> None:
    """Record a festival day; a day that is two festivals at once (中秋 on 10月3日, as in 2028)
    keeps both names in the law's order instead of losing one."""
    if day in days and days[day] != name:
        names = set(festival_names(days[day])) | {name}
        days[day] = "、".join(f for f in FESTIVALS if f in names)
    else:
        days[day] = name


def makeup_holidays(year: int) -> dict[dt.date, str]:
    """The 补假 days the law requires for the statutory holidays of `year`, by festival.

    《全国年节及纪念日放假办法》第六条: a holiday for all citizens that falls on a Saturday or
    Sunday is made up on a working day ("适逢星期六、星期日，应当在工作日补假"). RULES §1 reads
    it as: each such holiday, in date order, is made up on the next Monday–Friday that is not
    already off (a statutory holiday or an earlier make-up day). Without this the provisional
    calendar has fewer days off than any real schedule, and provisional deadlines come out
    early — 2027's 春节 (初一 and 初二 on Saturday and Sunday) by two working days.
    """
    return _makeup_for(statutory_holidays(year))


def _makeup_for(statutory: dict[dt.date, str]) -> dict[dt.date, str]:
    off = set(statutory)
    makeup: dict[dt.date, str] = {}
    for day in sorted(statutory):
        if day.weekday() < 5:
            continue
        candidate = day + dt.timedelta(days=1)
        while candidate.weekday() >= 5 or candidate in off:
            candidate += dt.timedelta(days=1)
        off.add(candidate)
        makeup[candidate] = statutory[day]
    return makeup


def _qingming(year: int) -> dt.date:
    """清明 is a solar term (4 or 5 April); the package computes it for 1900–2100."""
    try:
        terms = chinese_calendar.get_solar_terms(dt.date(year, 4, 1), dt.date(year, 4, 30))
    except NotImplementedError as exc:  # outside 1900–2100: never let it escape
        raise _out_of_range(dt.date(year, 4, 1)) from exc
    for day, name in terms:
        if name == "清明":
            return day
    raise DomainError(f"无法计算{year}年清明节日期", field="date", rule="清明节气")


#: The `origin` of every package entry: which data set said so.
PACKAGE_ORIGIN = f"chinese-calendar {getattr(chinese_calendar, '__version__', '')}".strip()


def package_entries() -> list[CalendarEntry]:
    """Every dated entry the bundled `chinese_calendar` package knows, with its festival.

    The package names the festival of make-up working days too, so an adjustment notice
    loaded over a package year can remove a festival's working Saturdays as well as its days
    off.
    """
    entries = []
    for day, name in chinese_calendar.holidays.items():
        festival = _holiday_name(name)
        entries.append(
            CalendarEntry(
                day,
                EntryKind.HOLIDAY,
                festival,
                EntrySource.PACKAGE,
                festival=festival,
                origin=PACKAGE_ORIGIN,
                year=schedule_year_of(day, festival),
            )
        )
    for day, name in chinese_calendar.workdays.items():
        if day.weekday() < 5:
            continue
        festival = _holiday_name(name)
        entries.append(
            CalendarEntry(
                day,
                EntryKind.WORKDAY,
                f"{festival}调休上班",
                EntrySource.PACKAGE,
                festival=festival,
                origin=PACKAGE_ORIGIN,
                year=schedule_year_of(day, festival),
            )
        )
    return entries


_ERRATUM_FIELDS = ("day", "kind", "festival", "name", "origin")


def errata_entries(items: object) -> list[CalendarEntry]:
    """The package's known errors (the JSON of `seeds/calendar/errata.json`) as entries.

    Each item is `{"day", "kind", "festival", "name", "origin", "note"?}`; `origin` must cite
    the notice that proves the correction, because an unsourced erratum would be a guess
    overriding published data. The caller reads the file; a bad item is a DomainError naming
    the item and field, so a broken seed file stops an installation instead of half-loading.
    """
    if not isinstance(items, list):
        raise DomainError("勘误数据应为列表", field="errata", rule="勘误格式")
    entries: list[CalendarEntry] = []
    seen: set[dt.date] = set()
    for index, item in enumerate(items):
        where = f"errata[{index}]"
        if not isinstance(item, dict):
            raise DomainError(f"第{index + 1}条勘误应为对象", field=where, rule="勘误格式")
        for key in _ERRATUM_FIELDS:
            value = item.get(key)
            if not isinstance(value, str) or (key != "name" and not value.strip()):
                raise DomainError(
                    f"第{index + 1}条勘误缺少“{key}”或其值不是文字",
                    field=f"{where}.{key}",
                    rule="勘误格式",
                )
        try:
            day = dt.date.fromisoformat(item["day"])
        except ValueError:
            raise DomainError(
                f"第{index + 1}条勘误的日期“{item['day']}”不是 YYYY-MM-DD 形式的有效日期",
                field=f"{where}.day",
                rule="勘误格式",
            ) from None
        try:
            kind = EntryKind(item["kind"])
        except ValueError:
            raise DomainError(
                f"第{index + 1}条勘误的类型“{item['kind']}”应为 holiday 或 workday",
                field=f"{where}.kind",
                rule="勘误格式",
            ) from None
        festival = item["festival"].strip()
        if any(name not in FESTIVALS for name in festival_names(festival)):
            raise DomainError(
                f"第{index + 1}条勘误的节日“{festival}”不是法定节日"
                f"（应为{'、'.join(FESTIVALS)}之一）",
                field=f"{where}.festival",
                rule="勘误格式",
            )
        if day in seen:
            raise DomainError(
                f"第{index + 1}条勘误的日期 {day.isoformat()} 重复",
                field=f"{where}.day",
                rule="勘误格式",
            )
        seen.add(day)
        entries.append(
            CalendarEntry(
                day,
                kind,
                item["name"].strip(),
                EntrySource.ERRATUM,
                festival=festival,
                origin=item["origin"].strip(),
                year=schedule_year_of(day, festival),
            )
        )
    return entries


def package_years() -> set[int]:
    """The years whose official schedule the bundled package holds."""
    return {day.year for day in chinese_calendar.holidays}


def package_coverage() -> dt.date:
    """The last date the bundled package knows: 31 December of its last year."""
    return coverage_of(package_years())


def coverage_of(official_years: Iterable[int]) -> dt.date:
    """31 December of the last year of the unbroken run of officially loaded years.

    A notice for 2028 loaded while 2027 is missing must not make 2027 look official: coverage
    stops before the first gap.
    """
    years = set(official_years)
    if not years:
        raise DomainError("日历中没有任何正式的节假日安排", field="calendar", rule="日历覆盖范围")
    year = min(years)
    while year + 1 in years:
        year += 1
    return dt.date(year, 12, 31)


_HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _holiday_name(name: object) -> str:
    english = getattr(name, "value", (str(name),))[0] if name is not None else ""
    return _HOLIDAY_NAMES_ZH.get(english, english)


def _out_of_range(day: dt.date) -> DomainError:
    return DomainError(
        f"日期 {day.isoformat()} 超出日历可计算范围（{FIRST_YEAR}–{LAST_YEAR}年）",
        field="date",
        rule="日历范围",
    )


def _entries_in_force(entries: Iterable[CalendarEntry]) -> dict[dt.date, CalendarEntry]:
    """One entry per day: the shadowing rule first, then `SOURCE_PRIORITY`.

    A schedule year with NOTICE entries is the notice's alone: the package's entries of that
    year are dropped, or a package day the imported notice does not name (a changed block, a
    moved working Saturday) would leak through. Errata and manual entries still apply by
    priority. Among equal priorities the later entry in the input wins.
    """
    entries = list(entries)
    notice_years = {e.year for e in entries if e.source is EntrySource.NOTICE}
    in_force: dict[dt.date, CalendarEntry] = {}
    for entry in sorted(entries, key=lambda e: SOURCE_PRIORITY[e.source]):
        if entry.source is EntrySource.PACKAGE and entry.year in notice_years:
            continue
        in_force[entry.day] = entry
    return in_force


class WorkCalendar:
    """Working-day arithmetic over official entries, with provisional answers past coverage.

    Built once from the entries; every query is a bisect over an array of working-day
    ordinals, so it costs the same for a date in 2005 or 2090.
    """

    def __init__(
        self,
        entries: Iterable[CalendarEntry],
        coverage: dt.date,
        covered_from: dt.date = dt.date(2004, 1, 1),
    ) -> None:
        self.coverage = coverage
        self.covered_from = covered_from
        # Make-up days for next year's 元旦 may be declared in late December (RULES §1).
        if (coverage.month, coverage.day) == (12, 31):
            self.provisional_from = dt.date(coverage.year, 12, 21)
        else:
            self.provisional_from = coverage + dt.timedelta(days=1)
        self._first = dt.date(FIRST_YEAR, 1, 1).toordinal()
        self._last = dt.date(LAST_YEAR, 12, 31).toordinal()
        self._provisional_ord = self.provisional_from.toordinal()
        self._covered_from_ord = covered_from.toordinal()
        self._entries = _entries_in_force(entries)
        # A year with an official schedule (package or notice) is judged by its entries alone;
        # the provisional rules decide only the years nobody has published.
        scheduled = {
            entry.year
            for entry in self._entries.values()
            if entry.source in (EntrySource.PACKAGE, EntrySource.NOTICE)
        }
        self._provisional_names: dict[dt.date, str] = {}
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            if year in scheduled:
                continue
            if dt.date(year, 1, 1) > coverage or dt.date(year, 12, 31) < covered_from:
                statutory = statutory_holidays(year)
                self._provisional_names.update(
                    (day, f"{name}（按法定假日推算）") for day, name in statutory.items()
                )
                self._provisional_names.update(
                    (day, f"{name}补假（按法定假日推算）")
                    for day, name in _makeup_for(statutory).items()
                )
        self._work = array("i")
        self._work_dates: list[dt.date] = []
        for ordinal in range(self._first, self._last + 1):
            day = dt.date.fromordinal(ordinal)
            if self._judge(day)[0]:
                self._work.append(ordinal)
                self._work_dates.append(day)

    @classmethod
    def from_package(cls, extra: Iterable[CalendarEntry] = ()) -> WorkCalendar:
        """The bundled schedule plus extra entries (errata, notices, overrides).

        Notice entries add their schedule years to the coverage; errata and manual entries
        correct single days and add none.
        """
        extra = list(extra)
        years = package_years() | {e.year for e in extra if e.source is EntrySource.NOTICE}
        return cls([*package_entries(), *extra], coverage_of(y for y in years if y is not None))

    # -- single days -------------------------------------------------------------------

    def _judge(self, day: dt.date) -> tuple[bool, str]:
        entry = self._entries.get(day)
        if entry is not None:
            if entry.kind is EntryKind.WORKDAY:
                return True, entry.name or "调休上班"
            return False, entry.name or "节假日"
        reason = self._provisional_names.get(day)
        if reason is not None:
            return False, reason
        if day.weekday() >= 5:
            return False, "周末"
        return True, "工作日"

    def entry_for(self, day: dt.date) -> CalendarEntry | None:
        """The entry in force for `day` (after shadowing and priority), or None when the day
        is decided by its weekday or by the provisional rules."""
        return self._entries.get(day)

    def provisional_reason(self, day: dt.date) -> str | None:
        """Why the provisional rules make `day` a day off (a statutory holiday or its 补假 in
        a year nobody has published), or None."""
        if day in self._entries:
            return None
        return self._provisional_names.get(day)

    def is_official_year(self, year: int) -> bool:
        """Whether the whole of `year` lies within the loaded official schedule."""
        return self.covered_from <= dt.date(year, 1, 1) and dt.date(year, 12, 31) <= self.coverage

    def _check(self, day: dt.date) -> int:
        ordinal = day.toordinal()
        if not self._first <= ordinal <= self._last:
            raise _out_of_range(day)
        return ordinal

    def _provisional(self, low: int, high: int) -> bool:
        """True when the span of ordinals [low, high] touches a date that is not official."""
        return high >= self._provisional_ord or low < self._covered_from_ord

    def is_workday(self, day: dt.date) -> DayAnswer:
        """Whether `day` is a working day, the reason in Chinese, and whether it is provisional."""
        ordinal = self._check(day)
        workday, reason = self._judge(day)
        return DayAnswer(workday, self._provisional(ordinal, ordinal), reason)

    def is_provisional(self, day: dt.date) -> bool:
        """Whether an answer about `day` could still change when a schedule is loaded."""
        ordinal = self._check(day)
        return self._provisional(ordinal, ordinal)

    # -- arithmetic --------------------------------------------------------------------

    def add_workdays(self, day: dt.date, n: int) -> DateAnswer:
        """The n-th working day strictly after `day` (n > 0), or before it (n < 0).

        The start day is never counted, even when it is itself a working day (期间计算,
        民法典 第201条); n = 0 returns `day` unchanged. This is the hot path of every
        deadline, so it does one bisect and one list lookup of a prebuilt date.
        """
        ordinal = day.toordinal()
        work = self._work
        if n > 0 and self._first <= ordinal <= self._last:
            index = bisect_right(work, ordinal) + n - 1
            if index < len(work):
                result = work[index]
                provisional = (
                    result >= self._provisional_ord or ordinal + 1 < self._covered_from_ord
                )
                return DateAnswer(self._work_dates[index], provisional)
        ordinal = self._check(day)
        if n == 0:
            return DateAnswer(day, self._provisional(ordinal, ordinal))
        if abs(n) > len(work):
            raise _out_of_range(day)
        if n > 0:
            raise _out_of_range(dt.date(LAST_YEAR, 12, 31))
        index = bisect_left(work, ordinal) + n
        if index < 0:
            raise _out_of_range(dt.date(FIRST_YEAR, 1, 1))
        return DateAnswer(self._work_dates[index], self._provisional(work[index], ordinal - 1))

    def workdays_between(self, start: dt.date, end: dt.date) -> CountAnswer:
        """Working days in (start, end]; negative when end is before start."""
        low, high = self._check(start), self._check(end)
        if high < low:
            count = self.workdays_between(end, start)
            return CountAnswer(-count.count, count.provisional)
        count = bisect_right(self._work, high) - bisect_right(self._work, low)
        return CountAnswer(count, self._provisional(low + 1, high) if high > low else False)

    def next_workday_on_or_after(self, day: dt.date) -> DateAnswer:
        """`day` itself when it is a working day, else the next one (calendar-date deadlines)."""
        if self.is_workday(day).workday:
            return DateAnswer(day, self.is_provisional(day))
        return self.add_workdays(day, 1)

    def describe(self, day: dt.date) -> str:
        """A date as people read it: 2026-10-10（周六，调休上班）."""
        answer = self.is_workday(day)
        mark = "，未正式公布" if answer.provisional else ""
        return f"{day.isoformat()}（{WEEKDAYS_ZH[day.weekday()]}，{answer.reason}{mark}）"

    def entries(self) -> list[CalendarEntry]:
        """The official entries in force, one per day, sorted by date."""
        return [self._entries[day] for day in sorted(self._entries)]


@dataclass(frozen=True, slots=True)
class DaySchedule:
    """One day of a year as the engine uses it, for `ogi calendar show`.

    `source` is the entry's source, "provisional" when the provisional rules make the day
    off, or None for an ordinary weekday or weekend that nothing names.
    """

    day: dt.date
    workday: bool
    name: str
    festival: str
    source: str | None
    origin: str = ""


@dataclass(frozen=True, slots=True)
class YearSchedule:
    """A year of the calendar as data (RULES §5 "Calendar as data") plus per-day detail.

    Only the days that differ from an ordinary week are listed: weekdays off and working
    Saturdays/Sundays; `days` keeps every date of the year so a month view can be printed.
    """

    year: int
    official: bool
    days: tuple[DaySchedule, ...]

    @property
    def holidays(self) -> tuple[dt.date, ...]:
        """Monday–Friday dates that are off."""
        return tuple(d.day for d in self.days if not d.workday and d.day.weekday() < 5)

    @property
    def workdays(self) -> tuple[dt.date, ...]:
        """Saturdays and Sundays that are working days."""
        return tuple(d.day for d in self.days if d.workday and d.day.weekday() >= 5)

    def listed(self) -> tuple[DaySchedule, ...]:
        """The days `to_json` lists, in date order."""
        return tuple(d for d in self.days if d.workday == (d.day.weekday() >= 5))

    def month(self, month: int) -> tuple[DaySchedule, ...]:
        """The days of one month, for a month-by-month view."""
        return tuple(d for d in self.days if d.day.month == month)

    def to_json(self) -> dict[str, object]:
        """`{"year", "official", "holidays", "workdays", "sources"}` exactly as RULES §5."""
        listed = self.listed()
        return {
            "year": self.year,
            "official": self.official,
            "holidays": [d.isoformat() for d in self.holidays],
            "workdays": [d.isoformat() for d in self.workdays],
            "sources": {d.day.isoformat(): d.source or PROVISIONAL_SOURCE for d in listed},
        }


def year_schedule(calendar: WorkCalendar, year: int) -> YearSchedule:
    """Every day of `year` as `calendar` judges it, with the entry or rule that decided it.

    `official` is true when the whole year lies within the calendar's coverage; a year past
    it is described by the provisional rules (statutory holidays and their 补假).
    """
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise _out_of_range(dt.date(year, 1, 1))
    days: list[DaySchedule] = []
    day = dt.date(year, 1, 1)
    while day.year == year:
        answer = calendar.is_workday(day)
        entry = calendar.entry_for(day)
        if entry is not None:
            detail = DaySchedule(
                day, answer.workday, entry.name, entry.festival, entry.source.value, entry.origin
            )
        elif (reason := calendar.provisional_reason(day)) is not None:
            detail = DaySchedule(day, False, reason, "", PROVISIONAL_SOURCE)
        else:
            detail = DaySchedule(day, answer.workday, answer.reason, "", None)
        days.append(detail)
        day += dt.timedelta(days=1)
    return YearSchedule(year, calendar.is_official_year(year), tuple(days))


def coverage_warning(calendar: WorkCalendar, today: dt.date) -> str | None:
    """RULES §1: administrators are alerted from 1 November until next year's schedule is
    loaded, and always once today is past coverage."""
    next_year = today.year + 1
    if calendar.coverage >= dt.date(next_year, 12, 31):
        return None
    if today > calendar.coverage:
        return (
            f"警告：节假日安排只加载到 {calendar.coverage.isoformat()}，今天已超出，"
            "所有期限均按法定假日推算（暂定）。请尽快导入国务院办公厅的节假日安排通知。"
        )
    if today >= dt.date(today.year, 11, 1) and calendar.coverage < dt.date(next_year, 12, 31):
        return (
            f"警告：尚未加载{next_year}年节假日安排（当前只到 {calendar.coverage.isoformat()}）。"
            f"涉及 {calendar.provisional_from.isoformat()} 以后的期限为暂定；"
            f"国务院办公厅通知发布后请执行 ogi calendar import-notice 导入。"
        )
    return None
