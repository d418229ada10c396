"""The working-day calendar (RULES §1).

A working day is Monday–Friday, minus declared holidays, plus make-up working weekend days
(调休上班日). The calendar is a table of dated entries — seeded from the `chinese_calendar`
package and extended by State Council notices and administrators' overrides — and it knows
its *coverage*: the last date for which the official schedule is loaded.

Beyond coverage (and before the first official date) a day is judged by the provisional
calendar: weekends plus the statutory holidays of 《全国年节及纪念日放假办法》 (2024 revision),
with lunar festivals computed by `lunardate` and 清明 by the solar-term formula. Because next
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
    """Where an entry came from; later sources override earlier ones for the same day."""

    PACKAGE = "package"
    NOTICE = "notice"
    MANUAL = "manual"


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One dated fact of the official schedule."""

    day: dt.date
    kind: EntryKind
    name: str = ""
    source: EntrySource = EntrySource.PACKAGE


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
    days[LunarDate(year, 8, 15).to_solar_date()] = "中秋节"
    for day in (1, 2, 3):
        days[dt.date(year, 10, day)] = "国庆节"
    return days


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


def package_entries() -> list[CalendarEntry]:
    """Every dated entry the bundled `chinese_calendar` package knows."""
    entries = [
        CalendarEntry(day, EntryKind.HOLIDAY, _holiday_name(name), EntrySource.PACKAGE)
        for day, name in chinese_calendar.holidays.items()
    ]
    entries += [
        CalendarEntry(day, EntryKind.WORKDAY, f"{_holiday_name(name)}调休上班", EntrySource.PACKAGE)
        for day, name in chinese_calendar.workdays.items()
        if day.weekday() >= 5
    ]
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
        overrides: dict[dt.date, CalendarEntry] = {}
        for entry in sorted(entries, key=lambda e: list(EntrySource).index(e.source)):
            overrides[entry.day] = entry
        self._entries = overrides
        self._provisional_names: dict[dt.date, str] = {}
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            if dt.date(year, 1, 1) > coverage or dt.date(year, 12, 31) < covered_from:
                self._provisional_names.update(statutory_holidays(year))
        self._work = array("i")
        self._work_dates: list[dt.date] = []
        for ordinal in range(self._first, self._last + 1):
            day = dt.date.fromordinal(ordinal)
            if self._judge(day)[0]:
                self._work.append(ordinal)
                self._work_dates.append(day)

    @classmethod
    def from_package(cls, extra: Iterable[CalendarEntry] = ()) -> WorkCalendar:
        """The bundled schedule plus extra entries (notices, overrides)."""
        extra = list(extra)
        years = package_years() | {e.day.year for e in extra if e.source is EntrySource.NOTICE}
        return cls([*package_entries(), *extra], coverage_of(years))

    # -- single days -------------------------------------------------------------------

    def _judge(self, day: dt.date) -> tuple[bool, str]:
        entry = self._entries.get(day)
        if entry is not None:
            if entry.kind is EntryKind.WORKDAY:
                return True, entry.name or "调休上班"
            return False, entry.name or "节假日"
        name = self._provisional_names.get(day)
        if name is not None and not self._is_official(day):
            return False, f"{name}（按法定假日推算）"
        if day.weekday() >= 5:
            return False, "周末"
        return True, "工作日"

    def _is_official(self, day: dt.date) -> bool:
        return self.covered_from <= day <= self.coverage

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
