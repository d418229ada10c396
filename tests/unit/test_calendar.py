"""The working-day calendar against RULES.md §1.

Expected dates are counted by hand from the State Council notices in
tests/fixtures/holiday-notices/ (2025.txt, 2026.txt) and, for the provisional calendar, from
《全国年节及纪念日放假办法》; each count is written out next to its assertion. chinese_calendar is only used as the independent oracle of the day-by-day
loop, lunardate and the 清明 solar-term formula as the oracle of the provisional calendar.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lunardate import LunarDate

from domain.calendar import (
    PROVISIONAL_SOURCE,
    CalendarEntry,
    EntryKind,
    EntrySource,
    WorkCalendar,
    errata_entries,
    makeup_holidays,
    package_entries,
    statutory_holidays,
    year_schedule,
)
from domain.errors import DomainError
from domain.notice import merge_notice, parse_notice

D = dt.date
CAL = WorkCalendar.from_package()
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "holiday-notices"
ERRATA_JSON = Path(__file__).resolve().parents[2] / "seeds" / "calendar" / "errata.json"

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
    # 初一 (Sat 02-06) and 初二 (Sun 02-07) are made up on Tue 02-09 and Wed 02-10 (补假).
    # From 2027-02-04 (Thu): Feb 5 (Fri) – 10 (Wed) off → day 1 is Thu 02-11.
    assert CAL.add_workdays(D(2027, 2, 4), 1) == (D(2027, 2, 11), True)


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
    notice = parse_notice((FIXTURES / "2026.txt").read_text(encoding="utf-8"))
    notice_entries = merge_notice([], notice, notice.origin)
    assert D(2026, 10, 5) in notice.holidays
    cal = WorkCalendar.from_package(extra=[manual, *notice_entries])
    assert cal.entry_for(D(2026, 10, 5)) == manual
    assert (
        WorkCalendar.from_package(extra=[*notice_entries, manual]).entry_for(D(2026, 10, 5))
        == manual
    )
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


# ------------------------------------------------------------- 补假 in the provisional rules


def test_2027_makeup_days_counted_by_hand() -> None:
    # 《全国年节及纪念日放假办法》第六条: a holiday on a Saturday or Sunday is made up on a
    # working day; RULES §1: the next weekday that is not already off. 2027 by hand:
    #   元旦 01-01 Fri — no make-up.
    #   春节 除夕 02-05 Fri, 初一 02-06 Sat, 初二 02-07 Sun, 初三 02-08 Mon:
    #        02-06 → Mon 02-08 is 初三 (off) → Tue 02-09; 02-07 → 02-09 taken → Wed 02-10.
    #   清明 04-05 Mon — none.  端午 06-09 Wed, 中秋 09-15 Wed — none.
    #   劳动节 05-01 Sat → Mon 05-03; 05-02 Sun → Tue 05-04.
    #   国庆 10-01 Fri, 10-02 Sat → Mon 10-04; 10-03 Sun → Tue 10-05.
    assert makeup_holidays(2027) == {
        D(2027, 2, 9): "春节",
        D(2027, 2, 10): "春节",
        D(2027, 5, 3): "劳动节",
        D(2027, 5, 4): "劳动节",
        D(2027, 10, 4): "国庆节",
        D(2027, 10, 5): "国庆节",
    }
    for day in (D(2027, 2, 9), D(2027, 2, 10), D(2027, 5, 3), D(2027, 10, 5)):
        assert CAL.is_workday(day).workday is False
    assert CAL.is_workday(D(2027, 10, 4)) == (False, True, "国庆节补假（按法定假日推算）")
    assert "国庆节补假（按法定假日推算）" in CAL.describe(D(2027, 10, 4))
    # 2027-09-30 (Thu) + 1: Oct 1–3 off, 4 and 5 made up → Wed 10-06.
    assert CAL.add_workdays(D(2027, 9, 30), 1) == (D(2027, 10, 6), True)
    # 2027-04-30 (Fri) + 1: May 1–2 weekend holidays, 3 and 4 made up → Wed 05-05.
    assert CAL.add_workdays(D(2027, 4, 30), 1) == (D(2027, 5, 5), True)


def test_2028_makeup_days_counted_by_hand() -> None:
    # 2028 by hand: 元旦 01-01 Sat → Mon 01-03. 春节 除夕 01-25 Tue … 初三 01-28 Fri — none.
    # 清明 04-04 Tue, 劳动节 05-01 Mon and 05-02 Tue — none. 端午 05-28 Sun → Mon 05-29.
    # 国庆 10-01 Sun → Mon 10-02 and Tue 10-03 are 国庆 themselves → Wed 10-04.
    # 中秋 falls on 10-03 (Tue), a 国庆 day: a weekday, so by RULES §1 no make-up for it.
    assert makeup_holidays(2028) == {
        D(2028, 1, 3): "元旦",
        D(2028, 5, 29): "端午节",
        D(2028, 10, 4): "国庆节",
    }
    assert statutory_holidays(2028)[D(2028, 10, 3)] == "中秋节、国庆节"
    assert CAL.is_workday(D(2028, 1, 3)) == (False, True, "元旦补假（按法定假日推算）")
    # 2027-12-31 (Fri) + 1: 01-01/02 weekend, 01-03 made up → Tue 2028-01-04.
    assert CAL.add_workdays(D(2027, 12, 31), 1) == (D(2028, 1, 4), True)


def test_makeup_day_never_lands_on_a_statutory_holiday_or_weekend() -> None:
    for year in range(2027, 2100):
        statutory = statutory_holidays(year)
        makeup = makeup_holidays(year)
        weekend_holidays = [d for d in statutory if d.weekday() >= 5]
        assert len(makeup) == len(weekend_holidays)
        for day in makeup:
            assert day.weekday() < 5 and day not in statutory


def test_provisional_2027_schedule_as_data() -> None:
    # Weekdays off in 2027, counted above: 01-01; 02-05, 02-08, 02-09, 02-10; 04-05;
    # 05-03, 05-04; 06-09; 09-15; 10-01, 10-04, 10-05. No working weekend is known.
    data = year_schedule(CAL, 2027).to_json()
    holidays = [
        "2027-01-01", "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10", "2027-04-05",
        "2027-05-03", "2027-05-04", "2027-06-09", "2027-09-15", "2027-10-01", "2027-10-04",
        "2027-10-05",
    ]  # fmt: skip
    assert data == {
        "year": 2027,
        "official": False,
        "holidays": holidays,
        "workdays": [],
        "sources": dict.fromkeys(holidays, "provisional"),
    }


# ---------------------------------------------------------- entries, sources and shadowing


def test_2026_schedule_as_data() -> None:
    # 2026.txt: weekdays off — 元旦 01-01, 01-02; 春节 02-16..20, 02-23; 清明 04-06;
    # 劳动节 05-01, 05-04, 05-05; 端午 06-19; 中秋 09-25; 国庆 10-01, 10-02, 10-05..07.
    # Working weekends: 01-04, 02-14, 02-28, 05-09, 09-20, 10-10.
    schedule = year_schedule(CAL, 2026)
    holidays = [
        "2026-01-01", "2026-01-02", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19",
        "2026-02-20", "2026-02-23", "2026-04-06", "2026-05-01", "2026-05-04", "2026-05-05",
        "2026-06-19", "2026-09-25", "2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06",
        "2026-10-07",
    ]  # fmt: skip
    workdays = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
    data = schedule.to_json()
    assert data["official"] is True
    assert (data["holidays"], data["workdays"]) == (holidays, workdays)
    assert data["sources"] == dict.fromkeys(sorted(holidays + workdays), "package")
    assert len(schedule.days) == 365 and len(schedule.month(2)) == 28
    day = schedule.days[D(2026, 10, 10).timetuple().tm_yday - 1]
    assert (day.day, day.workday, day.festival, day.source) == (
        D(2026, 10, 10), True, "国庆节", "package"
    )  # fmt: skip


def test_sources_after_notice_erratum_and_manual() -> None:
    notice = parse_notice((FIXTURES / "2026.txt").read_text(encoding="utf-8"))
    entries = merge_notice([], notice, notice.origin)
    manual = CalendarEntry(D(2026, 6, 2), EntryKind.HOLIDAY, "临时停工", EntrySource.MANUAL)
    errata = errata_entries(json.loads(ERRATA_JSON.read_text(encoding="utf-8")))
    cal = WorkCalendar.from_package([*entries, manual, *errata])
    sources = year_schedule(cal, 2026).to_json()["sources"]
    assert sources["2026-10-10"] == "notice"
    assert sources["2026-06-02"] == "manual"
    assert set(sources.values()) == {"notice", "manual"}
    # 2005-12-31 (Sat) worked by the 2006 notice: the erratum is in force and shown.
    data_2005 = year_schedule(cal, 2005).to_json()
    assert "2005-12-31" in data_2005["workdays"]
    assert data_2005["sources"]["2005-12-31"] == "erratum"
    assert year_schedule(cal, 2030).to_json()["sources"]["2030-10-01"] == PROVISIONAL_SOURCE


def test_a_notice_year_ignores_the_package_entries_of_that_year() -> None:
    # A 2026 notice that (made up) moves 国庆's working Saturday from 10-10 to 10-11 and
    # gives 元旦 only 01-01: the package's 01-02, 01-04 and 10-10 must not leak through.
    text = (
        "国务院办公厅关于2026年部分节假日安排的通知\n"
        "一、元旦：1月1日（周四）放假，共1天。\n"
        "七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。10月11日（周日）上班。\n"
    )
    notice = parse_notice(text)
    cal = WorkCalendar.from_package(merge_notice([], notice, notice.origin))
    assert cal.is_workday(D(2026, 1, 2)).workday is True  # Friday, no longer off
    assert cal.is_workday(D(2026, 1, 4)).workday is False  # Sunday, no longer worked
    assert cal.is_workday(D(2026, 10, 10)).workday is False
    assert cal.is_workday(D(2026, 10, 11)).workday is True
    assert cal.is_workday(D(2026, 2, 17)).workday is True  # 春节 is not in this notice
    assert cal.entry_for(D(2026, 2, 17)) is None
    assert cal.coverage == D(2026, 12, 31)
    # Other years keep the package: 2025-01-28 (春节) is still off.
    assert cal.is_workday(D(2025, 1, 28)).workday is False


def test_priority_package_erratum_notice_manual() -> None:
    day = D(2005, 12, 31)
    package = CalendarEntry(day, EntryKind.HOLIDAY, "元旦", EntrySource.PACKAGE, year=2006)
    erratum = errata_entries(json.loads(ERRATA_JSON.read_text(encoding="utf-8")))[0]
    notice = CalendarEntry(day, EntryKind.HOLIDAY, "元旦", EntrySource.NOTICE, "元旦", year=2006)
    manual = CalendarEntry(day, EntryKind.WORKDAY, "值班", EntrySource.MANUAL)
    for entries, winner in [
        ([erratum, package], erratum),
        ([notice, erratum], notice),
        ([manual, notice, erratum], manual),
    ]:
        cal = WorkCalendar(entries, D(2026, 12, 31))
        assert cal.entry_for(day) == winner
        assert cal.is_workday(day).workday is (winner.kind is EntryKind.WORKDAY)


def test_errata_correct_the_package_and_add_no_coverage() -> None:
    items = json.loads(ERRATA_JSON.read_text(encoding="utf-8"))
    errata = errata_entries(items)
    assert [(e.day, e.kind, e.festival, e.source) for e in errata] == [
        (D(2005, 12, 31), EntryKind.WORKDAY, "元旦", EntrySource.ERRATUM)
    ]
    assert errata[0].origin == "国办发明电〔2005〕35号"
    assert errata[0].year == 2006  # the 2006 元旦 block
    assert CAL.is_workday(D(2005, 12, 31)).workday is False  # the package's error
    cal = WorkCalendar.from_package(errata)
    assert cal.is_workday(D(2005, 12, 31)) == (True, False, "元旦调休上班")
    assert cal.coverage == CAL.coverage
    # 2005-12-30 (Fri) + 1: 12-31 (Sat) works now.
    assert cal.add_workdays(D(2005, 12, 30), 1).day == D(2005, 12, 31)
    assert errata_entries([]) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"day": "2005-13-31"}, "errata[0].day"),
        ({"day": None}, "errata[0].day"),
        ({"kind": "weekend"}, "errata[0].kind"),
        ({"festival": "元宵节"}, "errata[0].festival"),
        ({"origin": ""}, "errata[0].origin"),
        ({"origin": None}, "errata[0].origin"),
    ],
)
def test_bad_erratum_names_its_field(change: dict[str, object], field: str) -> None:
    item = json.loads(ERRATA_JSON.read_text(encoding="utf-8"))[0] | change
    with pytest.raises(DomainError) as info:
        errata_entries([item])
    assert info.value.field == field
    assert info.value.rule == "勘误格式"


def test_bad_errata_shapes() -> None:
    with pytest.raises(DomainError):
        errata_entries({"day": "2005-12-31"})
    with pytest.raises(DomainError) as info:
        errata_entries(["2005-12-31"])
    assert info.value.field == "errata[0]"
    item = json.loads(ERRATA_JSON.read_text(encoding="utf-8"))[0]
    with pytest.raises(DomainError, match="重复") as info:
        errata_entries([item, item])
    assert info.value.field == "errata[1].day"


def test_package_entries_carry_festival_and_schedule_year() -> None:
    by_day = {e.day: e for e in package_entries()}
    # 2019's 元旦 block: 2018-12-29 (Sat) worked, 12-30/31 off — schedule year 2019.
    assert (by_day[D(2018, 12, 29)].kind, by_day[D(2018, 12, 29)].festival) == (
        EntryKind.WORKDAY, "元旦"
    )  # fmt: skip
    assert {by_day[D(2018, 12, d)].year for d in (29, 30, 31)} == {2019}
    assert by_day[D(2019, 5, 5)].festival == "劳动节"  # a working Sunday
    assert by_day[D(2026, 10, 10)].festival == "国庆节"
    assert all(e.festival for e in by_day.values())
    assert all(e.year == e.day.year for e in by_day.values() if e.festival != "元旦")


def test_with_errata_agrees_with_chinese_calendar_except_the_corrected_day() -> None:
    errata = errata_entries(json.loads(ERRATA_JSON.read_text(encoding="utf-8")))
    cal = WorkCalendar.from_package(errata)
    mismatches = [
        day
        for day in days(FIRST_OFFICIAL, D(2026, 12, 31))
        if cal.is_workday(day).workday != chinese_calendar.is_workday(day)
    ]
    assert mismatches == [D(2005, 12, 31)]
