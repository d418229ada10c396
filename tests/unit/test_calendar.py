"""The working-day calendar against RULES.md §1.

Expected dates are counted by hand from the State Council notices in
/work/shared/reference/holiday-notices/ (2025.txt, 2026.txt); each count is written out next
to its assertion. chinese_calendar is only used as the independent oracle of the day-by-day
loop, lunardate and the 清明 solar-term formula as the oracle of the provisional calendar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lunardate import LunarDate

from domain.calendar import (
    CalendarEntry,
    EntryKind,
    EntrySource,
    WorkCalendar,
    statutory_holidays,
)
from domain.errors import DomainError

D = dt.date
CAL = WorkCalendar.from_package()

FIRST_OFFICIAL = D(2004, 1, 1)
PROVISIONAL_FROM = D(2026, 12, 21)  # RULES §1: after 20 December of the last covered year


def days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    """Every date in [start, end]."""
    for i in range((end - start).days + 1):
        yield start + dt.timedelta(days=i)


# --------------------------------------------------------------------- official facts


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        # 2026.txt 一、元旦：1月1日（周四）至3日（周六）放假调休 … 1月4日（周日）上班。
        (D(2026, 1, 1), False),
        (D(2026, 1, 2), False),
        (D(2026, 1, 3), False),
        (D(2026, 1, 4), True),  # a Sunday that is a working day
        # 二、春节：2月15日至23日放假调休 … 2月14日（周六）、2月28日（周六）上班。
        (D(2026, 2, 14), True),
        (D(2026, 2, 15), False),
        (D(2026, 2, 17), False),  # 正月初一, a Tuesday
        (D(2026, 2, 23), False),  # a Monday inside the block
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),
        # 四、劳动节：5月1日至5日 … 5月9日（周六）上班。
        (D(2026, 5, 5), False),
        (D(2026, 5, 9), True),
        # 七、国庆节：10月1日（周四）至7日（周三）… 9月20日（周日）、10月10日（周六）上班。
        *((D(2026, 10, d), False) for d in range(1, 8)),
        (D(2026, 9, 20), True),
        (D(2026, 10, 10), True),
        (D(2026, 10, 11), False),  # an ordinary Sunday
        # 2025.txt 二、春节：1月28日至2月4日 … 1月26日（周日）、2月8日（周六）上班。
        (D(2025, 1, 26), True),
        (D(2025, 1, 28), False),
        (D(2025, 2, 8), True),
        (D(2025, 1, 1), False),  # 元旦 2025, a Wednesday, 不调休
    ],
)
def test_official_schedule(day: dt.date, workday: bool) -> None:
    answer = CAL.is_workday(day)
    assert answer.workday is workday
    assert answer.provisional is False


def test_makeup_day_reason_is_given() -> None:
    assert "调休" in CAL.is_workday(D(2026, 10, 10)).reason
    assert "国庆" in CAL.is_workday(D(2026, 10, 1)).reason


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # 2025-12-31 (Wed): Jan 1, 2, 3 are off; Jan 4 (Sun) works → day 1.
        (D(2025, 12, 31), 1, D(2026, 1, 4)),
        (D(2025, 12, 31), 2, D(2026, 1, 5)),
        # From 2026-01-01 (a holiday), 20 days: 4, 5–9 (6), 12–16 (11), 19–23 (16),
        # 26 (17), 27 (18), 28 (19), 29 (20).
        (D(2026, 1, 1), 20, D(2026, 1, 29)),
        # 2026-02-13 (Fri): 14 (Sat, works) = 1; 15–23 off; 24 = 2, 25 = 3, 26 = 4, 27 = 5,
        # 28 (Sat, works) = 6; Mar 2 (Mon) = 7.
        (D(2026, 2, 13), 1, D(2026, 2, 14)),
        (D(2026, 2, 13), 2, D(2026, 2, 24)),
        (D(2026, 2, 13), 6, D(2026, 2, 28)),
        (D(2026, 2, 13), 7, D(2026, 3, 2)),
        # 2026-09-30 (Wed): Oct 1–7 off; 8 = 1, 9 = 2, 10 (Sat, works) = 3, 12 (Mon) = 4.
        (D(2026, 9, 30), 1, D(2026, 10, 8)),
        (D(2026, 9, 30), 3, D(2026, 10, 10)),
        (D(2026, 9, 30), 4, D(2026, 10, 12)),
        # 2026-09-18 (Fri), 20 days: 20 (Sun, works) 1, 21–24 (5), 25–27 中秋 off, 28–30 (8),
        # Oct 1–7 off, 8, 9 (10), 10 Sat (11), 12–16 (16), 19–22 (20).
        (D(2026, 9, 18), 20, D(2026, 10, 22)),
        # 2025-01-24 (Fri): 25 Sat off, 26 (Sun, works) = 1, 27 = 2, 28 Jan–4 Feb off,
        # Feb 5 = 3.
        (D(2025, 1, 24), 1, D(2025, 1, 26)),
        (D(2025, 1, 24), 2, D(2025, 1, 27)),
        (D(2025, 1, 24), 3, D(2025, 2, 5)),
        # 2026-06-01 (Mon), 20 days: 2–5 (4), 8–12 (9), 15–18 (13), 19–21 端午 off,
        # 22–26 (18), 29 (19), 30 (20).
        (D(2026, 6, 1), 20, D(2026, 6, 30)),
    ],
)
def test_add_workdays_by_hand(start: dt.date, n: int, expected: dt.date) -> None:
    assert CAL.add_workdays(start, n) == (expected, False)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ((D(2026, 9, 30)), D(2026, 10, 10), 3),  # 8, 9, 10 (Sat)
        ((D(2026, 2, 13)), D(2026, 2, 28), 6),  # 14, 24, 25, 26, 27, 28
        ((D(2026, 2, 14)), D(2026, 2, 23), 0),  # the whole 春节 block; the start never counts
        ((D(2025, 1, 25)), D(2025, 1, 26), 1),  # the working Sunday
    ],
)
def test_workdays_between_by_hand(start: dt.date, end: dt.date, expected: int) -> None:
    assert CAL.workdays_between(start, end) == (expected, False)
    assert CAL.workdays_between(end, start).count == -expected


def test_start_day_never_counts() -> None:
    # 2026-06-01 is a Monday working day; day 1 is still the next day (民法典 第201条).
    assert CAL.is_workday(D(2026, 6, 1)).workday
    assert CAL.add_workdays(D(2026, 6, 1), 1).day == D(2026, 6, 2)
    # A Friday: day 1 is the next Monday.
    assert CAL.add_workdays(D(2026, 6, 5), 1).day == D(2026, 6, 8)
    assert CAL.workdays_between(D(2026, 6, 1), D(2026, 6, 1)).count == 0


def test_d0_on_a_holiday_counts_from_next_working_day() -> None:
    # D0 = 2026-02-17, 正月初一. Days 1–5 are Feb 24–28 (28 is the working Saturday),
    # 6–10 Mar 2–6, 11–15 Mar 9–13, 16–20 Mar 16–20.
    assert CAL.add_workdays(D(2026, 2, 17), 1).day == D(2026, 2, 24)
    assert CAL.add_workdays(D(2026, 2, 17), 20).day == D(2026, 3, 20)
    # D0 on a Saturday that is not a make-up day: 2026-06-06 → Monday 06-08 is day 1.
    assert CAL.add_workdays(D(2026, 6, 6), 1).day == D(2026, 6, 8)


def test_zero_and_negative_counts() -> None:
    assert CAL.add_workdays(D(2026, 10, 3), 0).day == D(2026, 10, 3)
    # Back from 2026-10-08: 1 before is 09-30 (the whole 国庆 block is off).
    assert CAL.add_workdays(D(2026, 10, 8), -1).day == D(2026, 9, 30)
    # Back from 2026-09-21 (Mon): 09-20 (Sun) is a working day.
    assert CAL.add_workdays(D(2026, 9, 21), -1).day == D(2026, 9, 20)


# --------------------------------------------------------- agreement with the package


def test_agrees_with_chinese_calendar_on_every_covered_day() -> None:
    mismatches = [
        day
        for day in days(FIRST_OFFICIAL, D(2026, 12, 31))
        if CAL.is_workday(day).workday != chinese_calendar.is_workday(day)
    ]
    assert mismatches == []


def test_provisional_only_from_20_december_of_last_year() -> None:
    provisional = [day for day in days(FIRST_OFFICIAL, D(2026, 12, 31)) if CAL.is_provisional(day)]
    assert provisional == list(days(PROVISIONAL_FROM, D(2026, 12, 31)))
    assert CAL.is_provisional(D(2003, 12, 31))
    assert CAL.coverage == D(2026, 12, 31)


# ----------------------------------------------------------------------- properties

LAST_START = D(2099, 8, 31)  # leaves room for 120 days (or 60 working days) before 2100
any_date = st.dates(min_value=D(2000, 1, 1), max_value=LAST_START)
# Dates near the two edges of the official span, where provisional flips.
edge_date = st.one_of(
    st.dates(min_value=D(2003, 10, 1), max_value=D(2004, 3, 1)),
    st.dates(min_value=D(2026, 10, 1), max_value=D(2027, 3, 1)),
)
some_date = st.one_of(
    any_date, edge_date, st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 12, 31))
)
count = st.integers(min_value=1, max_value=60)


@settings(max_examples=300, deadline=None)
@given(some_date, count)
def test_add_then_count_is_identity(day: dt.date, n: int) -> None:
    result = CAL.add_workdays(day, n).day
    assert result > day
    assert CAL.workdays_between(day, result).count == n


@settings(max_examples=300, deadline=None)
@given(some_date, st.integers(min_value=1, max_value=120))
def test_count_then_add_is_last_workday_on_or_before(day: dt.date, span: int) -> None:
    end = day + dt.timedelta(days=span)
    n = CAL.workdays_between(day, end).count
    if n == 0:
        # Nothing in (day, end] works, so the first working day after `day` is after `end`.
        assert CAL.add_workdays(day, 1).day > end
        return
    last = end
    while not CAL.is_workday(last).workday:
        last -= dt.timedelta(days=1)
    assert CAL.add_workdays(day, n).day == last


@settings(max_examples=300, deadline=None)
@given(some_date, some_date, count)
def test_add_is_monotone_in_the_start(a: dt.date, b: dt.date, n: int) -> None:
    d1, d2 = min(a, b), max(a, b)
    assert CAL.add_workdays(d1, n).day <= CAL.add_workdays(d2, n).day


@settings(max_examples=300, deadline=None)
@given(some_date, count, count)
def test_add_is_strictly_monotone_in_n(day: dt.date, a: int, b: int) -> None:
    if a == b:
        b += 1
    n1, n2 = min(a, b), max(a, b)
    assert CAL.add_workdays(day, n1).day < CAL.add_workdays(day, n2).day


@settings(max_examples=300, deadline=None)
@given(some_date, count)
def test_result_is_a_working_day(day: dt.date, n: int) -> None:
    result = CAL.add_workdays(day, n).day
    assert CAL.is_workday(result).workday
    # …and exactly n working days lie in (day, result].
    between = [d for d in days(day + dt.timedelta(days=1), result) if CAL.is_workday(d).workday]
    assert len(between) == n


def _touches_unofficial(first: dt.date, last: dt.date) -> bool:
    """Whether any date of [first, last] is ≥ 2026-12-21 or < 2004-01-01."""
    return any(d >= PROVISIONAL_FROM or d < FIRST_OFFICIAL for d in days(first, last))


@settings(max_examples=300, deadline=None)
@given(some_date, count)
def test_add_provisional_exactly_when_span_is_unofficial(day: dt.date, n: int) -> None:
    # add_workdays(d, n) depends on the days (d, result]: the start day never counts.
    answer = CAL.add_workdays(day, n)
    assert answer.provisional == _touches_unofficial(day + dt.timedelta(days=1), answer.day)


@settings(max_examples=300, deadline=None)
@given(some_date, st.integers(min_value=1, max_value=120))
def test_between_provisional_exactly_when_span_is_unofficial(day: dt.date, span: int) -> None:
    end = day + dt.timedelta(days=span)
    answer = CAL.workdays_between(day, end)
    assert answer.provisional == _touches_unofficial(day + dt.timedelta(days=1), end)


@settings(max_examples=300, deadline=None)
@given(some_date)
def test_single_day_provisional(day: dt.date) -> None:
    assert CAL.is_workday(day).provisional == _touches_unofficial(day, day)


def test_provisional_edges_by_hand() -> None:
    # 2026-12-18 (Fri) + 1 = 12-21 (Mon): the first provisional date.
    assert CAL.add_workdays(D(2026, 12, 18), 1) == (D(2026, 12, 21), True)
    # 2026-12-17 (Thu) + 1 = 12-18: still official.
    assert CAL.add_workdays(D(2026, 12, 17), 1) == (D(2026, 12, 18), False)
    # From 2003-12-31 the counted days are all in 2004: official. From 2003-12-30, 12-31
    # is counted: provisional.
    assert CAL.add_workdays(D(2003, 12, 31), 3).provisional is False
    assert CAL.add_workdays(D(2003, 12, 30), 3).provisional is True


# ----------------------------------------------------------------- past the coverage


def test_2027_never_raises() -> None:
    for day in days(D(2027, 1, 1), D(2027, 12, 31)):
        assert CAL.is_workday(day).provisional
        assert CAL.add_workdays(day, 20).provisional
        assert CAL.workdays_between(D(2026, 12, 31), day).provisional


def test_2027_spring_festival_is_computed_from_the_lunar_calendar() -> None:
    new_year = LunarDate(2027, 1, 1).to_solar_date()
    assert new_year == D(2027, 2, 6)  # 正月初一 2027 (a Saturday)
    eve = new_year - dt.timedelta(days=1)
    for day in days(eve, new_year + dt.timedelta(days=2)):  # 除夕 and 初一–初三: Feb 5–8
        answer = CAL.is_workday(day)
        assert answer == (False, True, answer.reason)
        assert "春节" in answer.reason
    # 2027-02-05 is a Friday and 02-08 a Monday: a provisional holiday on a weekday is off,
    # the calendar does not fall back to Monday–Friday.
    assert D(2027, 2, 5).weekday() == 4 and D(2027, 2, 8).weekday() == 0
    # From 2027-02-04 (Thu): Feb 5 (Fri) – 8 (Mon) off → day 1 is Tue 02-09.
    assert CAL.add_workdays(D(2027, 2, 4), 1) == (D(2027, 2, 9), True)


def test_2027_other_statutory_holidays_and_weekends() -> None:
    assert CAL.is_workday(D(2027, 1, 1)).workday is False  # 元旦, a Friday
    for d in (1, 2, 3):
        assert CAL.is_workday(D(2027, 10, d)).workday is False  # 国庆 (Fri, Sat, Sun)
    assert D(2027, 5, 1).weekday() == 5
    assert CAL.is_workday(D(2027, 3, 6)) == (False, True, "周末")  # an ordinary Saturday
    assert CAL.is_workday(D(2027, 6, 1)).workday is True  # an ordinary Tuesday
    assert CAL.is_workday(D(2027, 6, 1)).provisional is True


def _qingming(year: int) -> dt.date:
    """清明 by the 21st-century solar-term formula [Y·0.2422 + 4.81] − [Y/4] (Y = year % 100)."""
    y = year % 100
    return D(year, 4, int(y * 0.2422 + 4.81) - y // 4)


def test_statutory_holidays_2030() -> None:
    new_year = LunarDate(2030, 1, 1).to_solar_date()
    assert new_year == D(2030, 2, 3)
    expected = {
        D(2030, 1, 1),
        new_year - dt.timedelta(days=1),
        new_year,
        new_year + dt.timedelta(days=1),
        new_year + dt.timedelta(days=2),
        _qingming(2030),  # [30·0.2422 + 4.81] − 7 = 12 − 7 = 5 → April 5
        D(2030, 5, 1),
        D(2030, 5, 2),
        LunarDate(2030, 5, 5).to_solar_date(),
        LunarDate(2030, 8, 15).to_solar_date(),
        D(2030, 10, 1),
        D(2030, 10, 2),
        D(2030, 10, 3),
    }
    assert _qingming(2030) == D(2030, 4, 5)
    holidays = statutory_holidays(2030)
    assert len(holidays) == 13
    assert set(holidays) == expected
    assert holidays[new_year] == "春节"
    assert holidays[D(2030, 10, 2)] == "国庆节"


@pytest.mark.parametrize("year", [2025, 2026, 2027, 2035, 2050])
def test_qingming_matches_the_formula(year: int) -> None:
    qingming = [d for d, name in statutory_holidays(year).items() if name == "清明节"]
    assert qingming == [_qingming(year)]


# ------------------------------------------------------------------- extra entries


def test_notice_for_next_year_moves_coverage() -> None:
    notice = CalendarEntry(D(2027, 1, 1), EntryKind.HOLIDAY, "元旦", EntrySource.NOTICE)
    cal = WorkCalendar.from_package(extra=[notice])
    assert cal.coverage == D(2027, 12, 31)
    assert cal.is_workday(D(2027, 6, 1)) == (True, False, "工作日")
    assert cal.is_workday(D(2027, 1, 1)) == (False, False, "元旦")
    # Late December 2026 is official now: 12-18 (Fri) + 5 = 21, 22, 23, 24, 25.
    assert cal.add_workdays(D(2026, 12, 18), 5) == (D(2026, 12, 25), False)
    # …and the provisional window moved to the end of 2027.
    assert cal.is_provisional(D(2027, 12, 20)) is False
    assert cal.is_provisional(D(2027, 12, 21)) is True
    # The bundled calendar is unchanged.
    assert CAL.is_workday(D(2027, 6, 1)).provisional is True


def test_manual_holiday_changes_arithmetic() -> None:
    closed = CalendarEntry(D(2026, 6, 2), EntryKind.HOLIDAY, "临时停工", EntrySource.MANUAL)
    cal = WorkCalendar.from_package(extra=[closed])
    assert cal.coverage == D(2026, 12, 31)  # a manual entry does not extend coverage
    assert cal.is_workday(D(2026, 6, 2)) == (False, False, "临时停工")
    # 2026-06-01 + 1: 06-02 is now off → 06-03.
    assert cal.add_workdays(D(2026, 6, 1), 1).day == D(2026, 6, 3)
    # +20 was 06-30 (see above); one working day fewer in June pushes it to 07-01 (Wed).
    assert cal.add_workdays(D(2026, 6, 1), 20).day == D(2026, 7, 1)
    assert cal.workdays_between(D(2026, 6, 1), D(2026, 6, 30)).count == 19


def test_manual_overrides_notice_and_package_whatever_the_order() -> None:
    manual = CalendarEntry(D(2026, 10, 5), EntryKind.WORKDAY, "值班", EntrySource.MANUAL)
    notice = CalendarEntry(D(2026, 10, 5), EntryKind.HOLIDAY, "国庆节", EntrySource.NOTICE)
    cal = WorkCalendar.from_package(extra=[manual, notice])
    assert cal.is_workday(D(2026, 10, 5)).workday is True
    # 2026-09-30 + 1: Oct 5 (Mon) is now the first working day after it.
    assert cal.add_workdays(D(2026, 9, 30), 1).day == D(2026, 10, 5)


# ---------------------------------------------------------------------- out of range


@pytest.mark.parametrize(
    "call",
    [
        lambda: CAL.is_workday(D(1999, 12, 31)),
        lambda: CAL.is_workday(D(2100, 1, 1)),
        lambda: CAL.is_provisional(D(1900, 6, 1)),
        lambda: CAL.add_workdays(D(2100, 1, 1), 1),
        lambda: CAL.add_workdays(D(2099, 12, 30), 5),  # result would be in 2100
        lambda: CAL.add_workdays(D(2000, 1, 4), -5),  # result would be in 1999
        lambda: CAL.workdays_between(D(2026, 1, 1), D(2100, 1, 1)),
        lambda: CAL.describe(D(2150, 1, 1)),
    ],
)
def test_out_of_range_is_a_domain_error(call: Callable[[], object]) -> None:
    with pytest.raises(DomainError) as info:
        call()
    assert info.value.rule is not None


def test_edges_of_range_answer() -> None:
    assert CAL.is_workday(D(2000, 1, 1)).provisional is True
    assert CAL.is_workday(D(2099, 12, 31)).provisional is True


def test_huge_count_is_a_domain_error() -> None:
    with pytest.raises(DomainError):
        CAL.add_workdays(D(2050, 1, 1), 10**9)


def test_statutory_holidays_out_of_range_is_a_domain_error() -> None:
    with pytest.raises(DomainError):
        statutory_holidays(2100)


def test_notice_two_years_ahead_leaves_gap_year_provisional() -> None:
    notice = CalendarEntry(D(2028, 1, 1), EntryKind.HOLIDAY, "元旦", EntrySource.NOTICE)
    cal = WorkCalendar.from_package(extra=[notice])
    # No 2027 schedule was loaded: 2027 除夕 (a Friday) must not silently be a working day,
    # and any answer about 2027 must be provisional (RULES §1).
    answer = cal.is_workday(D(2027, 2, 5))
    assert answer.provisional is True
    assert answer.workday is False
